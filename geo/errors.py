"""The one error tree of Pianqu.

Every error a planner can fix carries the list of problems, each naming the rows and the column,
so the message alone is enough to correct the file.

Examples
--------
>>> p = Problem(column="households", rows=("c001", "c007"), message="must be a number >= 0")
>>> str(p)
'households: must be a number >= 0 (rows: c001, c007)'
>>> err = LayerValidationError("communities.gpkg", [p])
>>> print(err)
communities.gpkg: 1 problem
  - households: must be a number >= 0 (rows: c001, c007)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "CRSError",
    "LayerValidationError",
    "NetworkError",
    "PlanningInputError",
    "Problem",
    "ScenarioError",
]

_MAX_ROWS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, precise enough to fix it.

    Parameters
    ----------
    column
        The canonical column (or ``"geometry"``, ``"crs"``, ``"file"``) that is wrong.
    rows
        Ids of the rows that have the problem (empty when it concerns the whole layer).
    message
        What is wrong and what is allowed, in plain words.
    """

    column: str
    rows: tuple[str, ...] = field(default_factory=tuple)
    message: str = ""

    def __str__(self) -> str:
        if not self.rows:
            return f"{self.column}: {self.message}"
        shown = ", ".join(str(r) for r in self.rows[:_MAX_ROWS_SHOWN])
        more = len(self.rows) - _MAX_ROWS_SHOWN
        if more > 0:
            shown += f", … and {more} more"
        return f"{self.column}: {self.message} (rows: {shown})"


class PlanningInputError(ValueError):
    """Root of every error caused by the planner's input (files, parameters)."""


class LayerValidationError(PlanningInputError):
    """A layer cannot be used; ``problems`` lists everything wrong with it at once."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        lines = [f"{source}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  - {p}" for p in self.problems]
        msg = "\n".join(lines)
        super().__init__(msg)


class CRSError(PlanningInputError):
    """Coordinates whose reference system is missing, wrong, or unusable for distances."""


class NetworkError(PlanningInputError):
    """A walking network that cannot be built or used (no walkable street, no overlap)."""


class ScenarioError(PlanningInputError):
    """Parameters of a run that contradict each other or are out of range."""
