"""Run a benchmark: ``python bench/run.py NAME [args]`` (coverage, zoning, siting, outputs, or all).

Each ``bench/NAME.py`` defines ``main(argv) -> dict``; it prints its figures as it goes and its
last line is one JSON object with the results (this runner prints it).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

BENCHES = ("coverage", "zoning", "siting", "outputs")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in (*BENCHES, "all"):
        print(f"usage: python bench/run.py {{{'|'.join((*BENCHES, 'all'))}}} [args]")
        return 1
    names = BENCHES if argv[0] == "all" else (argv[0],)
    results = {}
    for name in names:
        module = importlib.import_module(name)
        results[name] = module.main(argv[1:])
    final = results[names[0]] if len(names) == 1 else results
    print(json.dumps(final, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
