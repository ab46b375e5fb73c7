"""The ``pianqu`` command line: one sub-command per module in :mod:`planning.commands`.

Exit codes: 0 done, 2 the input has problems (listed), 1 anything else.

Examples
--------
>>> parser = build_parser()
>>> parser.prog
'pianqu'
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from geo.errors import PlanningInputError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command found in :mod:`planning.commands`."""
    from planning import commands

    parser = argparse.ArgumentParser(
        prog="pianqu",
        description="片区 Pianqu — 老旧小区连片改造规划 / contiguous renovation planning",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers of the commands, not commands
            continue
        module = importlib.import_module(f"planning.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the command's usage, which lists its options, not the top-level one
        _command_parser(parser, getattr(args, "command", None)).error(
            f"unrecognized arguments: {' '.join(unknown)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        code: int = args.func(args)
    except PlanningInputError as exc:
        print(f"错误 / error:\n{exc}", file=sys.stderr)
        return 2
    return code


def _command_parser(parser: argparse.ArgumentParser,
                    command: str | None) -> argparse.ArgumentParser:
    """The sub-command's parser (``parser`` itself when there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
