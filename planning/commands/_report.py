"""What the ``pianqu`` commands say on the console, said once for every command that says it.

- :func:`zone_lines`: how many zones keep within their bounds, and why the others do not
  (``zoning``, ``plan``);
- :func:`unconnected_line`: the facilities not on the walking network (``coverage``, ``plan``);
- :func:`unknown_lines`: compounds left out, or let in, for an unknown built year or consent
  rate (``zoning``, ``siting``, ``plan``), with :func:`add_include_unknown` and
  :func:`include_unknown`, the ``--include-unknown`` option that sets
  ``[eligibility] include_unknown`` of the standards.

Examples
--------
>>> import pandas as pd
>>> zones = pd.DataFrame({"zone_id": ["Z1", "Z2"], "households": [900, 300],
...                       "diameter_m": [400.0, 200.0], "within_bounds": [True, False],
...                       "bounds_note": ["", "户数300低于800"],
...                       "bounds_note_en": ["", "300 households, below 800"]})
>>> for line in zone_lines(zones):
...     print(line)
片区 2 个（满足上下限 1 个，未满足 1 个）/ 2 zones (1 within bounds, 1 not)
户数 300–900，步行直径最大 400 m / households 300–900, largest walking diameter 400 m
  Z2: 户数300低于800 / 300 households, below 800
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import pandas as pd

from planning.eligibility import unknown_counts
from planning.standards import Standards

__all__ = ["add_include_unknown", "include_unknown", "unconnected_line", "unknown_lines",
           "zone_lines"]

_IDS_SHOWN = 10


def zone_lines(zones: pd.DataFrame, table: str = "zones.csv") -> list[str]:
    """Zones within their bounds and not; households and diameters; why zones are off bounds.

    The first ten zones off their bounds are listed with their reasons; a city's plan has a
    thousand of them, so the rest are counted and ``table`` (where the command wrote the
    zones) named.

    Parameters
    ----------
    zones
        :attr:`planning.zoning.ZoningResult.zones` or :attr:`planning.scenario.Plan.zones`
        (``zone_id``, ``households``, ``diameter_m``, ``within_bounds``, ``bounds_note``,
        ``bounds_note_en``).
    table
        The file that holds every zone's note, as the console names it.

    >>> many = pd.DataFrame({"zone_id": [f"Z{i:02d}" for i in range(12)],
    ...                      "households": 300, "diameter_m": 100.0, "within_bounds": False,
    ...                      "bounds_note": "户数300低于800",
    ...                      "bounds_note_en": "300 households, below 800"})
    >>> zh, en = zone_lines(many, "tables/zones.csv")[-1].split(" / ")
    >>> print(zh)
      …另有 2 个片区未满足上下限，原因见 tables/zones.csv
    >>> print(en)
    2 more zones off their bounds, why in tables/zones.csv
    """
    within = int(zones["within_bounds"].sum()) if len(zones) else 0
    off = zones[~zones["within_bounds"].astype(bool)] if len(zones) else zones
    lines = [f"片区 {len(zones)} 个（满足上下限 {within} 个，未满足 {len(off)} 个）/ "
             f"{len(zones)} zones ({within} within bounds, {len(off)} not)"]
    if len(zones):
        low, high = int(zones["households"].min()), int(zones["households"].max())
        widest = float(zones["diameter_m"].max())
        lines.append(f"户数 {low}–{high}，步行直径最大 {widest:.0f} m / households {low}–{high}, "
                     f"largest walking diameter {widest:.0f} m")
    for _, row in off.head(_IDS_SHOWN).iterrows():
        lines.append(f"  {row['zone_id']}: {row['bounds_note']} / {row['bounds_note_en']}")
    if len(off) > _IDS_SHOWN:
        more = len(off) - _IDS_SHOWN
        lines.append(f"  …另有 {more:,} 个片区未满足上下限，原因见 {table} / {more:,} more zones "
                     f"off their bounds, why in {table}")
    return lines


def unconnected_line(facilities: pd.DataFrame, kinds: Sequence[str]) -> str | None:
    """The facilities of ``kinds`` that are not on the walking network, by id; None if none.

    Parameters
    ----------
    facilities
        :attr:`planning.coverage.CoverageResult.facilities` (``kind``, ``reason``), indexed
        by facility id.
    kinds
        The kinds of the standards (a facility of another kind is not used, not unconnected).

    Examples
    --------
    >>> f = pd.DataFrame({"kind": ["clinic", "clinic", "bank"],
    ...                   "reason": [None, "not connected", "kind 'bank' is not one ..."]},
    ...                  index=["F1", "F2", "F3"])
    >>> unconnected_line(f, ["clinic"])
    '1 处设施未接入路网 / 1 facilities not connected: F2'
    """
    off = facilities.index[facilities["reason"].notna() & facilities["kind"].isin(list(kinds))]
    if not len(off):
        return None
    ids = ", ".join(map(str, off[:_IDS_SHOWN])) + (" …" if len(off) > _IDS_SHOWN else "")
    return f"{len(off)} 处设施未接入路网 / {len(off)} facilities not connected: {ids}"


def add_include_unknown(parser: Any) -> None:
    """Add ``--include-unknown`` to a command's parser (or argument group)."""
    parser.add_argument(
        "--include-unknown", action="store_true",
        help="include compounds whose built year (建成年代) or consent rate (同意率) is "
             "unknown, judged on what is known, each with a note (sets [eligibility] "
             "include_unknown; default: the standards', false: such compounds are left out)")


def include_unknown(standards: Standards, args: argparse.Namespace) -> Standards:
    """The standards with ``[eligibility] include_unknown`` on when ``--include-unknown``."""
    if getattr(args, "include_unknown", False):
        return standards.replace(eligibility={"include_unknown": True})
    return standards


def unknown_lines(eligibility: pd.DataFrame) -> list[str]:
    """What a run did with compounds whose built year or consent rate is unknown.

    When at least half of the compounds (all, as with an OpenStreetMap extract) are left out
    for an unknown value, a line says so and names the remedies; when some were included
    (``--include-unknown``), a line says how many, and that each carries a note.

    Parameters
    ----------
    eligibility
        The result of :func:`planning.eligibility.assess_eligibility`.

    Examples
    --------
    >>> from planning.eligibility import assess_eligibility
    >>> from planning.standards import EligibilityPolicy
    >>> c = pd.DataFrame({"built_year": [None, None], "consent_rate": [None, 0.9]})
    >>> print(unknown_lines(assess_eligibility(c, EligibilityPolicy()))[0].split("：")[0])
    注意 note: 2 个小区中 2 个因建成年代或居民同意率未知未纳入
    >>> print(unknown_lines(assess_eligibility(c, EligibilityPolicy(include_unknown=True)))[0]
    ...       .split(" / ")[1])
    built year or consent rate unknown: 2 compounds included with it unknown, each with a note \
(eligibility_note)
    """
    left_out, included = unknown_counts(eligibility)
    total = len(eligibility)
    lines = []
    if left_out and 2 * left_out >= total:
        lines.append(
            f"注意 note: {total} 个小区中 {left_out} 个因建成年代或居民同意率未知未纳入：请在小区"
            "图层中补填“建成年代”和“同意率”（无此列则添加），或用 --include-unknown 按已知条件"
            f"纳入 / {left_out} of {total} compounds are left out because their built year or "
            "consent rate is unknown: fill in their 建成年代 (built_year) and 同意率 "
            "(consent_rate) in the compounds layer, adding the columns it lacks, or give "
            "--include-unknown to judge them on what is known")
    if included:
        lines.append(
            f"注意 note: {included} 个小区建成年代或居民同意率未知，按 include_unknown 暂予纳入，"
            f"各有备注 / built year or consent rate unknown: {included} compounds included with "
            "it unknown, each with a note (eligibility_note)")
    return lines
