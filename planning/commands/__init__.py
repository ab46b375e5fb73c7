"""Sub-commands of the ``pianqu`` command line, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``func`` to a
function ``(args) -> int`` that returns the exit code. :mod:`planning.cli` finds them here.
"""
