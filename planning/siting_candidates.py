"""Candidate sites for siting: the planner's layer, or generated ones, one row per (site, kind).

A site in the planner's layer may allow several kinds (``kinds`` = ``"parking,ev_charger"``);
it becomes one candidate per sited kind. ``capacity`` counts in the kind's unit (m² for elderly
care, chargers, parking spaces) and, when empty, takes the kind's default from
``standards.demand``; ``cost`` (万元), when empty, is capacity × the kind's unit cost from
``standards.cost``. A site that allows two kinds may be opened for both; its given cost then
counts for each.

When the layer has no site for a kind, candidates are generated and marked ``generated=True``
with the rule in ``generated_from``:

- the ground of every compound whose footprint is at least
  ``standards.demand.min_generated_site_area_m2`` (a shared facility on its own land, placed at
  the compound's representative point);
- for parking and chargers, every existing parking lot (facilities of kind ``parking``).

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> layers = load_sample()
>>> cands, notes = build_candidates(layers["communities"], layers["sites"], layers["facilities"],
...                                 standards=load_standards())
>>> sorted(cands["kind"].unique())
['elderly_care', 'ev_charger', 'parking']
>>> bool(cands["generated"].any()), notes
(False, [])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.errors import LayerValidationError, Problem, ScenarioError
from geo.schema import FACILITY_KINDS, SITES, normalise_header
from planning.demand import SITED_KINDS
from planning.standards import Standards

__all__ = ["CAPACITY_KEYS", "add_site", "build_candidates", "default_capacity", "parse_kinds",
           "site_zones", "unit_cost", "walk_distances"]

_COLUMNS = ["site_id", "kind", "name", "capacity", "cost", "generated", "generated_from",
            "geometry"]


#: The standards key ([demand]) of a candidate site's capacity when the layer gives none
CAPACITY_KEYS = {"elderly_care": "elderly_care_site_m2", "ev_charger": "ev_charger_site_units",
                 "parking": "parking_site_spaces"}


def default_capacity(kind: str, standards: Standards) -> float:
    """A candidate site's capacity when the layer gives none, in the kind's unit.

    >>> from planning.standards import load_standards
    >>> default_capacity("elderly_care", load_standards())
    350.0
    """
    return float(getattr(standards.demand, CAPACITY_KEYS[kind]))


def unit_cost(kind: str, standards: Standards) -> float:
    """Cost (万元) of one unit of capacity of ``kind``."""
    c = standards.cost
    return {"elderly_care": c.elderly_care_wan_per_m2, "ev_charger": c.ev_charger_wan_per_unit,
            "parking": c.parking_wan_per_space}[kind]


def parse_kinds(value: Any) -> tuple[list[str], list[str]]:
    """Canonical kinds in a ``kinds`` cell (keys, Chinese labels or aliases), and unknown words.

    >>> parse_kinds("停车场，ev_charger")
    (['parking', 'ev_charger'], [])
    >>> parse_kinds(["elderly_care", "spa"])
    (['elderly_care'], ['spa'])
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return [], []
    words = list(value) if isinstance(value, list | tuple | set | np.ndarray) else \
        re.split(r"[,，;；、|/\s]+", str(value))
    found: list[str] = []
    unknown: list[str] = []
    for w in (str(x).strip() for x in words):
        if not w:
            continue
        key = _KIND_LOOKUP.get(normalise_header(w))
        if key is None:
            unknown.append(w)
        elif key not in found:
            found.append(key)
    return found, unknown


_KIND_LOOKUP = {normalise_header(alias): k.key for k in FACILITY_KINDS.values()
                for alias in (k.key, k.label_zh, k.label_en, *k.aliases)}


def add_site(sites: gpd.GeoDataFrame | None, geometry: Any, *, kinds: str | Sequence[str],
             capacity: float | None = None, cost: float | None = None,
             name: str | None = None, crs: Any = None) -> gpd.GeoDataFrame:
    """A copy of the sites layer with one more candidate site (e.g. drawn on the map).

    Parameters
    ----------
    sites
        The planner's sites layer, or None to start one.
    geometry
        A point or polygon in the layer's CRS.
    kinds
        Kinds the site may take (``"parking,ev_charger"``, Chinese labels allowed).
    capacity, cost
        In the kind's unit and 万元; None takes the defaults when siting.
    name
        A label; defaults to ``新增候选点 <id>``.
    crs
        CRS of a new layer (when ``sites`` is None).

    Returns
    -------
    GeoDataFrame
        The sites with the new row, id ``S<n>`` (the next free number).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> new = add_site(None, Point(483000, 3766000), kinds="停车场", crs="EPSG:4547")
    >>> new.index.tolist(), new["kinds"].tolist()
    (['S001'], ['parking'])
    >>> add_site(new, Point(483100, 3766000), kinds=["ev_charger"]).index.tolist()
    ['S001', 'S002']
    """
    found, unknown = parse_kinds(kinds)
    problems = []
    if unknown or not found:
        problems.append(Problem("kinds", (), f"unknown or no kinds {unknown}; allowed: "
                                             f"{', '.join(FACILITY_KINDS)}"))
    for label, value in (("capacity", capacity), ("cost", cost)):
        if value is not None and not value >= 0:
            problems.append(Problem(label, (), f"must be >= 0, not {value}"))
    if problems:
        raise LayerValidationError("new site", problems)
    base = sites if sites is not None else gpd.GeoDataFrame(
        {"kinds": pd.Series([], dtype=object)}, geometry=gpd.GeoSeries([], crs=crs),
        index=pd.Index([], name=SITES.id_column, dtype=object))
    taken = {str(i) for i in base.index}
    k = len(base) + 1
    while f"{SITES.id_prefix}{k:03d}" in taken:
        k += 1
    sid = f"{SITES.id_prefix}{k:03d}"
    row = gpd.GeoDataFrame(
        {"kinds": [",".join(found)], "name": [name or f"新增候选点 {sid}"],
         "capacity": [np.nan if capacity is None else float(capacity)],
         "cost": [np.nan if cost is None else float(cost)]},
        geometry=[geometry], crs=base.crs, index=pd.Index([sid], name=base.index.name or
                                                          SITES.id_column))
    if len(base) == 0:
        return row
    return gpd.GeoDataFrame(pd.concat([base, row]), geometry=base.geometry.name, crs=base.crs)


def build_candidates(communities: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None,
                     facilities: gpd.GeoDataFrame | None, *, standards: Standards,
                     kinds: Sequence[str] = SITED_KINDS, generate: str = "missing"
                     ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One row per (candidate site, kind), indexed ``<site_id>:<kind>``.

    Parameters
    ----------
    communities
        Compounds that may host generated sites (Pianqu passes the zoned ones).
    sites
        The planner's candidate sites, or None.
    facilities
        Existing facilities (parking lots become generated candidates), or None.
    standards
        Default capacities, unit costs and the minimum area of a generated site.
    kinds
        Kinds to produce candidates for.
    generate
        ``"missing"``: generate candidates only for kinds the layer has no site for;
        ``"always"``: add generated candidates for every kind; ``"never"``.

    Returns
    -------
    tuple
        The candidates (``site_id``, ``kind``, ``name``, ``capacity``, ``cost``,
        ``generated``, ``generated_from``, geometry) and notes on what was generated.

    Raises
    ------
    LayerValidationError
        When a site lists a kind that is not a facility kind (rows listed).
    """
    crs = communities.crs
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    if sites is not None and len(sites):
        rows += _from_layer(sites, kinds, standards)
        notes += _defaults_used(sites, {r["site_id"] for r in rows})
    if generate not in ("missing", "always", "never"):
        msg = f"generate must be 'missing', 'always' or 'never', not {generate!r}"
        raise ScenarioError(msg)
    have = {r["kind"] for r in rows}
    for kind in kinds:
        if generate == "never" or (generate == "missing" and kind in have):
            continue
        generated = _generated(kind, communities, facilities, standards)
        why = "无候选点，" if kind not in have else ""
        notes.append(f"{FACILITY_KINDS[kind].label_zh}{why}自动生成候选点{len(generated)}处 / "
                     f"{FACILITY_KINDS[kind].label_en}: {len(generated)} candidates generated "
                     "(compound grounds, existing parking lots)")
        rows += generated
    if not rows:
        empty = gpd.GeoDataFrame({c: pd.Series([], dtype=object) for c in _COLUMNS[:-1]},
                                 geometry=gpd.GeoSeries([], crs=crs))
        empty.index = pd.Index([], name="candidate_id", dtype=object)
        return empty, notes
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame.index = pd.Index([f"{s}:{k}" for s, k in zip(frame["site_id"], frame["kind"],
                                                         strict=True)], name="candidate_id")
    frame["capacity"] = frame["capacity"].astype(float)
    frame["cost"] = frame["cost"].astype(float)
    frame["generated"] = frame["generated"].astype(bool)
    return frame[_COLUMNS], notes


def _from_layer(sites: gpd.GeoDataFrame, kinds: Sequence[str],
                standards: Standards) -> list[dict[str, Any]]:
    if "kinds" not in sites.columns:
        raise LayerValidationError("sites", [Problem("kinds", (), "column is required "
                                                     "(可建设施类型), e.g. parking,ev_charger")])
    rows: list[dict[str, Any]] = []
    bad: list[str] = []
    capacity = _numeric(sites, "capacity")
    cost = _numeric(sites, "cost")
    names = sites["name"] if "name" in sites.columns else pd.Series(None, index=sites.index)
    for pos, (sid, value) in enumerate(sites["kinds"].items()):
        found, unknown = parse_kinds(value)
        if unknown or not found:
            bad.append(str(sid))
        for kind in found:
            if kind not in kinds:
                continue
            cap = capacity[pos] if np.isfinite(capacity[pos]) else default_capacity(kind,
                                                                                    standards)
            price = cost[pos] if np.isfinite(cost[pos]) else cap * unit_cost(kind, standards)
            rows.append({"site_id": str(sid), "kind": kind, "name": names.iloc[pos],
                         "capacity": cap, "cost": price, "generated": False,
                         "generated_from": None, "geometry": sites.geometry.iloc[pos]})
    if bad:
        allowed = ", ".join(FACILITY_KINDS)
        raise LayerValidationError("sites", [Problem(
            "kinds", tuple(bad), f"每个候选点须填一种或几种设施类型 / each site needs one or more "
                                 f"kinds out of: {allowed}")])
    return rows


def _defaults_used(sites: gpd.GeoDataFrame, used: set[str]) -> list[str]:
    """Notes on the planner's sites (those ``used``) whose empty capacity or cost was filled in.

    The standards' default capacity and unit cost fill them (see :func:`_from_layer`).
    """
    notes = []
    for col, zh in (("capacity", "容量"), ("cost", "造价")):
        empty = ~np.isfinite(_numeric(sites, col))
        ids = [str(i) for i in sites.index[empty] if str(i) in used]
        if ids:
            shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
            notes.append(f"{len(ids)} 个候选点未填{zh}，按标准默认值计（{shown}）/ {len(ids)} "
                         f"site{'s' if len(ids) > 1 else ''} with no {col} ({shown}): the "
                         "standards' default was used")
    return notes


def _generated(kind: str, communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None,
               standards: Standards) -> list[dict[str, Any]]:
    cap = default_capacity(kind, standards)
    price = cap * unit_cost(kind, standards)
    min_area = standards.demand.min_generated_site_area_m2
    rows: list[dict[str, Any]] = []
    area = communities.geometry.area
    for cid in communities.index[(area >= min_area).to_numpy()]:
        rows.append({"site_id": f"G-{cid}", "kind": kind,
                     "name": f"{_name(communities, cid)}院内", "capacity": cap, "cost": price,
                     "generated": True,
                     "generated_from": f"小区{cid}用地（≥{min_area:g}㎡）/ ground of compound "
                                       f"{cid} (area ≥ {min_area:g} sq m)",
                     "geometry": communities.geometry.loc[cid].representative_point()})
    if kind in ("parking", "ev_charger") and facilities is not None and len(facilities):
        lots = facilities[facilities["kind"].astype(str) == "parking"]
        for fid in lots.index:
            rows.append({"site_id": f"G-{fid}", "kind": kind,
                         # the lot's own name when it has one (Q-Park Erottaja)
                         "name": (_name(lots, fid) if _name(lots, fid) != str(fid)
                                  else f"现有停车场{fid}"), "capacity": cap,
                         "cost": price,
                         "generated": True,
                         "generated_from": f"现有停车场{fid} / existing parking lot {fid}",
                         "geometry": lots.geometry.loc[fid]})
    return rows


def _name(layer: gpd.GeoDataFrame, row: Any) -> str:
    """The row's name, or its id when it has none."""
    if "name" in layer.columns and isinstance(layer.at[row, "name"], str) \
            and layer.at[row, "name"].strip():
        return str(layer.at[row, "name"]).strip()
    return str(row)


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def site_zones(candidates: gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
               community_zone: pd.Series, zones: gpd.GeoDataFrame | None) -> pd.Series:
    """The zone of each candidate: the zone polygon containing it, else its nearest compound's.

    Parameters
    ----------
    candidates
        Candidate sites (points or polygons; representative points are used).
    communities
        The zoned compounds.
    community_zone
        Their ``zone_id``.
    zones
        Zone polygons with ``zone_id`` (or None).

    Returns
    -------
    Series
        ``zone_id`` per candidate (None when there is no zoned compound at all).
    """
    out = pd.Series(None, index=candidates.index, dtype=object, name="zone_id")
    if len(candidates) == 0:
        return out
    pts = gpd.GeoDataFrame(geometry=candidates.geometry.representative_point().to_numpy(),
                           index=candidates.index, crs=candidates.crs)
    if zones is not None and len(zones):
        zid = zones["zone_id"] if "zone_id" in zones.columns else zones.index.to_series()
        poly = gpd.GeoDataFrame({"zone_id": zid.to_numpy()}, geometry=zones.geometry.to_numpy(),
                                crs=zones.crs)
        inside = gpd.sjoin(pts, poly, how="inner", predicate="within")
        inside = inside[~inside.index.duplicated(keep="first")]
        out.loc[inside.index] = inside["zone_id"].to_numpy()
    todo = out.isna()
    if todo.any() and len(communities):
        comm = gpd.GeoDataFrame({"zone_id": community_zone.to_numpy()},
                                geometry=communities.geometry.to_numpy(), crs=communities.crs)
        near = gpd.sjoin_nearest(pts[todo.to_numpy()], comm, how="left")
        near = near[~near.index.duplicated(keep="first")]
        out.loc[near.index] = near["zone_id"].to_numpy()
    return out


def walk_distances(communities: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                   standards: Standards, network: Any = None, cutoff_m: float) -> sp.csr_array:
    """Walking distances from the coverage engine (:func:`planning.coverage.walk_distance_matrix`).

    Parameters
    ----------
    communities, targets
        Compounds and target points, same metric CRS.
    standards
        Snapping, access points and the detour factor of the straight-line fallback.
    network
        A ``WalkNetwork`` or a streets layer; None means straight lines × detour factor.
    cutoff_m
        Pairs further apart are left out.

    Returns
    -------
    scipy.sparse.csr_array
        Metres, compounds x targets.
    """
    from planning.coverage import walk_distance_matrix

    return sp.csr_array(walk_distance_matrix(communities, targets, standards=standards,
                                             network=network, cutoff_m=cutoff_m))
