"""Coverage before and after a siting plan, per kind and life-circle level.

"Before" counts the existing facilities; "after" adds every planned (site, kind) as a facility.
Both come from the coverage engine (:func:`planning.coverage.compute_coverage`), so the numbers
are the ones the map and the coverage tables show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.standards import Standards

__all__ = ["coverage_before_after", "planned_as_facilities"]

_COLUMNS = ["kind", "minutes", "households_total", "households_before", "households_after",
            "elderly_total", "elderly_before", "elderly_after"]


def planned_as_facilities(existing: gpd.GeoDataFrame | None, planned: gpd.GeoDataFrame,
                          crs: Any) -> gpd.GeoDataFrame:
    """Existing facilities plus the planned ones as points (ids ``<site_id>:<kind>``).

    Parameters
    ----------
    existing
        Existing facilities (``kind``, ``name``, ``capacity``), or None.
    planned
        The planned-facilities layer of a :class:`planning.siting.SitingResult`.
    crs
        CRS of the result when there is neither.

    Returns
    -------
    GeoDataFrame
        ``kind``, ``name``, ``capacity``, point geometry, indexed by ``facility_id``.
    """
    base = _empty(crs) if existing is None else existing[
        [c for c in ("kind", "name", "capacity") if c in existing.columns] + ["geometry"]]
    if len(planned) == 0:
        return base
    new = gpd.GeoDataFrame(
        {"kind": planned["kind"].to_numpy(),
         "name": [f"规划{i}" for i in planned.index],
         "capacity": planned["capacity"].to_numpy(float)},
        geometry=planned.geometry.representative_point().to_numpy(),
        index=pd.Index([str(i) for i in planned.index], name="facility_id"), crs=planned.crs)
    if len(base) == 0:
        return new
    return gpd.GeoDataFrame(pd.concat([base, new]), geometry="geometry", crs=planned.crs)


def coverage_before_after(communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None,
                          planned: gpd.GeoDataFrame, *, standards: Standards,
                          network: Any = None, kinds: Sequence[str]) -> pd.DataFrame:
    """Households and elderly within each life-circle level of each kind, before and after.

    Parameters
    ----------
    communities
        Compounds (``households``; ``population`` and ``elderly_share`` for the elderly).
    facilities
        Existing facilities, or None.
    planned
        Planned facilities.
    standards
        Walking speed and life-circle levels.
    network
        As for :func:`planning.coverage.compute_coverage`.
    kinds
        Kinds to report.

    Returns
    -------
    DataFrame
        ``kind``, ``minutes``, ``households_total``, ``households_before``,
        ``households_after``, ``elderly_total``, ``elderly_before``, ``elderly_after``.
    """
    from planning.coverage import compute_coverage

    kinds = list(kinds)
    if len(communities) == 0 or not kinds:
        return pd.DataFrame({c: pd.Series([], dtype=object if c == "kind" else float)
                             for c in _COLUMNS})
    existing = facilities if facilities is not None else _empty(communities.crs)
    # minutes only: service-area polygons are the slow part and are not needed here
    before = compute_coverage(communities, existing, standards=standards, network=network,
                              areas=False).summary
    after = compute_coverage(communities, planned_as_facilities(existing, planned,
                                                                communities.crs),
                             standards=standards, network=network, areas=False).summary
    keys = ["kind", "minutes"]
    merged = before[before["kind"].isin(kinds)].merge(
        after[keys + ["households_covered", "elderly_covered"]], on=keys,
        suffixes=("_before", "_after"))
    out = pd.DataFrame({
        "kind": merged["kind"], "minutes": merged["minutes"],
        "households_total": merged["households_total"],
        "households_before": merged["households_covered_before"],
        "households_after": merged["households_covered_after"],
        "elderly_total": merged["elderly_total"],
        "elderly_before": merged["elderly_covered_before"],
        "elderly_after": merged["elderly_covered_after"],
    })
    order = {k: i for i, k in enumerate(kinds)}
    out = out.sort_values(["kind", "minutes"], key=lambda s: s.map(order) if s.name == "kind"
                          else s, kind="stable")
    return out.reset_index(drop=True)


def _empty(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": pd.Series([], dtype=object),
                             "name": pd.Series([], dtype=object),
                             "capacity": pd.Series([], dtype=np.float64)},
                            geometry=gpd.GeoSeries([], crs=crs),
                            index=pd.Index([], name="facility_id", dtype=object))
