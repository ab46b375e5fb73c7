"""Demand for shared facilities, compound by compound, from the standards' ratios.

Three kinds are sited for a zone to share (:data:`SITED_KINDS`); each demand is in the unit that
a facility's ``capacity`` counts for that kind (``geo.schema.FACILITY_KINDS``):

- ``elderly_care`` — m² of elderly-care floor area:
  ``households / 100 × demand.elderly_care_m2_per_100_households``.
- ``ev_charger`` — chargers still missing:
  ``max(0, households × demand.ev_share × demand.chargers_per_ev − ev_chargers)``.
- ``parking`` — parking shortfall in spaces:
  ``max(0, households × demand.parking_spaces_per_household − parking_spaces)``.

A missing ``ev_chargers`` or ``parking_spaces`` is read as none there yet (the full need counts),
and said so in ``demand_note``. ``elderly`` (residents aged 60+) is ``population ×
elderly_share``; where population is missing it is estimated as households × 2.8 (the mean
household size of the 2020 census is 2.62; old compounds skew older and larger families are
common, so the estimate is stated in ``demand_note`` and never hidden).

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> communities = load_sample()["communities"]
>>> demand = compute_demand(communities, load_standards())
>>> list(demand.columns[:3])
['demand_elderly_care', 'demand_ev_charger', 'demand_parking']
>>> bool((demand["demand_ev_charger"] >= 0).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.errors import LayerValidationError, Problem
from planning.standards import Standards

__all__ = ["HOUSEHOLD_SIZE_ESTIMATE", "SITED_KINDS", "compute_demand", "demand_column"]

SITED_KINDS: tuple[str, ...] = ("ev_charger", "parking", "elderly_care")
"""The facility kinds a zone shares and siting places (others only appear in coverage)."""

HOUSEHOLD_SIZE_ESTIMATE = 2.8
"""Residents per household used only when a compound's population is missing."""


def demand_column(kind: str) -> str:
    """Name of the demand column of ``kind``.

    >>> demand_column("parking")
    'demand_parking'
    """
    return f"demand_{kind}"


def compute_demand(communities: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Demand per compound for each sited kind, aligned to the communities' index.

    Parameters
    ----------
    communities
        The communities layer (``households`` required; ``population``, ``elderly_share``,
        ``parking_spaces``, ``ev_chargers`` used when present).
    standards
        Ratios from ``standards.demand``.

    Returns
    -------
    DataFrame
        Indexed like ``communities``: ``demand_elderly_care`` (m²), ``demand_ev_charger``
        (chargers), ``demand_parking`` (spaces), ``households``, ``elderly`` (residents 60+),
        ``ev_need`` and ``parking_need`` (gross, before what exists), ``demand_note``.

    Raises
    ------
    LayerValidationError
        When ``households`` is missing, negative or not a number, or an existing count is
        negative; every bad row is listed.
    """
    norms = standards.demand
    problems: list[Problem] = []
    if "households" not in communities.columns:
        problems.append(Problem("households", (), "column is required (户数)"))
        raise LayerValidationError("communities", problems)
    households = pd.to_numeric(communities["households"], errors="coerce").astype(float)
    bad = households.isna() | (households < 0)
    if bad.any():
        problems.append(Problem("households", tuple(str(i) for i in communities.index[bad]),
                                "must be a number >= 0"))
    existing = {}
    for col in ("parking_spaces", "ev_chargers", "population"):
        values = _optional(communities, col)
        neg = values < 0
        if neg.any():
            problems.append(Problem(col, tuple(str(i) for i in communities.index[neg]),
                                    "must be >= 0 or left empty"))
        existing[col] = values
    share = _optional(communities, "elderly_share")
    out_of_range = (share < 0) | (share > 1)
    if out_of_range.any():
        problems.append(Problem("elderly_share",
                                tuple(str(i) for i in communities.index[out_of_range]),
                                "must be a fraction in 0–1 (0.25 for 25%) or left empty"))
    if problems:
        raise LayerValidationError("communities", problems)

    hh = households.to_numpy()
    ev_need = hh * norms.ev_share * norms.chargers_per_ev
    parking_need = hh * norms.parking_spaces_per_household
    chargers = existing["ev_chargers"].to_numpy()
    spaces = existing["parking_spaces"].to_numpy()
    population = existing["population"].to_numpy()
    pop_missing = np.isnan(population)
    population = np.where(pop_missing, hh * HOUSEHOLD_SIZE_ESTIMATE, population)
    elderly = population * np.nan_to_num(share.to_numpy(), nan=0.0)

    notes: list[list[str]] = [[] for _ in range(len(hh))]
    for mask, text in (
        (np.isnan(chargers), "ev_chargers missing: read as 0"),
        (np.isnan(spaces), "parking_spaces missing: read as 0"),
        (pop_missing, f"population missing: estimated as households × {HOUSEHOLD_SIZE_ESTIMATE}"),
        (share.isna().to_numpy(), "elderly_share missing: elderly read as 0"),
    ):
        for i in np.flatnonzero(mask):
            notes[i].append(text)

    return pd.DataFrame(
        {
            demand_column("elderly_care"): hh / 100.0 * norms.elderly_care_m2_per_100_households,
            demand_column("ev_charger"): np.maximum(0.0, ev_need - np.nan_to_num(chargers)),
            demand_column("parking"): np.maximum(0.0, parking_need - np.nan_to_num(spaces)),
            "households": hh,
            "elderly": elderly,
            "ev_need": ev_need,
            "parking_need": parking_need,
            "demand_note": ["; ".join(n) for n in notes],
        },
        index=communities.index,
    )


def _optional(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column as floats (NaN where missing or absent)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)
