"""Where a zone's shared EV chargers, parking and elderly-care sites go.

:func:`plan_facilities` turns layers into a plan: demand per compound (:mod:`planning.demand`),
candidate sites (the planner's, or generated ones marked as such, see
:mod:`planning.siting_candidates`), walking distances from the coverage engine, the zone rule,
and one of three models solved exactly by HiGHS (:mod:`planning.siting_models`):

``mclp``
    *Most demand within walking reach.* Open at most ``max_sites`` sites of each kind and/or
    spend at most ``budget_wan`` in total; a compound counts as served when an open site of the
    kind is within the kind's walking threshold (e.g. 5 minutes for chargers). Capacity is not
    checked (``over_capacity`` in the planned layer says where it would be exceeded).
``capacitated``
    As ``mclp``, but each site serves at most its capacity (chargers, spaces, m²), shared among
    the compounds within reach; what the plan reports as served is what the capacity holds.
``min_sites``
    *The cheapest plan that serves everything it can.* The least total cost of sites whose
    capacity serves all the demand that any choice of sites could serve.

With neither a budget nor a site limit, ``mclp`` and ``capacitated`` would open every useful
site; ``min_sites`` is used instead and the plan says so.

The zone rule: when compounds carry a ``zone_id`` (from zoning), a compound is served only by
sites of its own zone; a site takes the zone of the zone polygon that contains it, else of its
nearest zoned compound. Compounds without a zone are not planned for and are listed as unserved
with the reason. ``max_sites`` counts per kind in the district, or per kind in each zone with
``per_zone=True``.

Kinds share one budget: the joint objective weighs each kind's demand by one over the kind's
total demand, so a charger and a square metre of elderly care count by the share of their kind's
need they meet.

Infeasible requests (no site for a kind, budget 0, demand above all capacity) give a plan with
reasons in ``unserved``, never an exception.

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> layers = load_sample()
>>> result = plan_facilities(layers["communities"], layers["sites"],
...                          standards=load_standards(), max_sites=3)
>>> sorted(result.planned["kind"].unique())
['elderly_care', 'ev_charger', 'parking']
>>> int(result.planned.groupby("kind").size().max())
3
>>> result.status
'optimal'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.crs import require_metric
from geo.errors import PlanningInputError, ScenarioError
from geo.schema import FACILITY_KINDS
from planning.demand import SITED_KINDS, compute_demand, demand_column
from planning.siting_candidates import (
    CAPACITY_KEYS,
    build_candidates,
    site_zones,
    walk_distances,
)
from planning.siting_coverage import coverage_before_after
from planning.siting_models import MaximalCoverage, Method, MinimumSites, reach_from_distances
from planning.standards import Standards

__all__ = ["DEFAULT_TIME_LIMIT_S", "MODELS", "SitingResult", "plan_facilities", "reason_in",
           "unserved_summary"]

#: Seconds per solve when no time limit is given (the command line's ``--time-limit``).
DEFAULT_TIME_LIMIT_S = 30.0

Model = Literal["mclp", "capacitated", "min_sites"]
MODELS: tuple[str, ...] = ("mclp", "capacitated", "min_sites")

DistanceFunction = Callable[..., Any]


@dataclass
class SitingResult:
    """A siting plan.

    Attributes
    ----------
    planned
        GeoDataFrame, one row per (site, kind) opened, indexed ``<site_id>:<kind>``:
        ``site_id``, ``kind``, ``name``, ``capacity``, ``zone_id``, ``demand_served``,
        ``compounds_served``, ``households_served`` (a compound whose demand several sites
        share counts at each for its share, so the layer's sum is the households served),
        ``cost`` (万元), ``over_capacity``, ``generated``, ``generated_from``, geometry (the
        site).
    unserved
        One row per compound and kind with demand left: ``community_id``, ``kind``, ``zone_id``,
        ``demand``, ``served``, ``unserved``, ``reason`` (中文 / English).
    before_after
        Coverage before and after per kind and life-circle level: ``kind``, ``minutes``,
        ``households_total``, ``households_before``, ``households_after``, ``elderly_total``,
        ``elderly_before``, ``elderly_after``.
    demand
        :func:`planning.demand.compute_demand` of the compounds, plus ``zone_id`` and
        ``served_<kind>``.
    candidates
        Every candidate site considered, one row per (site, kind), with ``selected`` and
        ``compounds_in_reach`` (compounds with demand of the kind within its walking standard
        that the zone rule lets the site serve; 0: the site can serve nobody).
    solves
        One row per solve: ``kinds``, ``model``, ``method``, ``status``, ``objective``,
        ``bound``, ``gap``, ``seconds``, ``sites_open``. The objective is demand served
        (``mclp``, ``capacitated``; with a shared budget, the sum over kinds of the share of
        each kind's demand served) or cost in 万元 (``min_sites``).
    status, gap
        The worst status of the solves (``optimal`` when all are) and the largest gap.
    distance_method, notes
        How walking distances were measured; what the run assumed or changed.
    """

    planned: gpd.GeoDataFrame
    unserved: pd.DataFrame
    before_after: pd.DataFrame
    demand: pd.DataFrame
    candidates: gpd.GeoDataFrame
    solves: pd.DataFrame
    status: str
    gap: float
    distance_method: str
    notes: list[str] = field(default_factory=list)


def plan_facilities(communities: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None = None, *,
                    standards: Standards, zones: gpd.GeoDataFrame | None = None,
                    facilities: gpd.GeoDataFrame | None = None, network: Any = None,
                    distances: DistanceFunction | None = None, model: str = "mclp",
                    kinds: Sequence[str] = SITED_KINDS, budget_wan: float | None = None,
                    max_sites: int | None = None, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                    method: Method = "auto", mip_rel_gap: float = 1e-4,
                    per_zone: bool = False, generate: str = "missing", seed: int = 0,
                    coverage: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> SitingResult:
    """Site the shared facilities of each kind and report what they serve.

    Parameters
    ----------
    communities
        Compounds (metric CRS); a ``zone_id`` column switches the zone rule on.
    sites
        Candidate sites (``kinds``, optional ``capacity``, ``cost``); kinds without any
        candidate get generated ones (compound grounds, existing parking lots).
    standards
        Demand ratios, walking thresholds, default capacities and unit costs.
    zones
        Zone polygons (``zone_id``), used to give sites their zone; also gives compounds their
        zone when they carry no ``zone_id``.
    facilities
        Existing facilities: parking lots become candidates when generated; all count in the
        coverage before and after.
    network
        A ``geo.network.WalkNetwork``; without it distances are straight lines × the detour
        factor, and the plan says so.
    distances
        ``f(communities, targets, *, standards, network, cutoff_m) -> sparse metres``; defaults
        to the coverage engine's ``walk_distance_matrix``.
    model
        ``"mclp"``, ``"capacitated"`` or ``"min_sites"`` (see the module docstring).
    kinds
        Which kinds to site.
    budget_wan
        Total budget over all kinds (万元).
    max_sites
        Sites to open at most, per kind.
    time_limit_s
        Time limit of each MILP solve.
    method
        ``"auto"``, ``"milp"`` or ``"heuristic"`` (see :class:`MaximalCoverage`).
    mip_rel_gap
        Relative gap at which the MILP may stop.
    per_zone
        ``max_sites`` counts per kind in each zone instead of per kind in the district.
    generate
        Generated candidates: ``"missing"`` (for kinds without any site), ``"always"``
        (added to the planner's sites), ``"never"``.
    seed
        Seed of the heuristic's perturbation search.
    coverage
        Compute ``before_after`` (two coverage runs); False leaves it empty.
    progress
        Called as ``progress(solved, solves)`` before each solve (a kind, or all kinds under
        one budget) and after the last: on a city each may take the whole time limit.

    Returns
    -------
    SitingResult
    """
    kinds = list(kinds)
    _validate(communities, sites, model=model, kinds=kinds, budget_wan=budget_wan,
              max_sites=max_sites, time_limit_s=time_limit_s)
    notes: list[str] = []
    capacitated = model != "mclp"
    if model != "min_sites" and budget_wan is None and max_sites is None:
        notes.append("未给预算或数量上限：按最少选址覆盖全部需求 / No budget or site limit given: "
                     "fewest sites serving all the demand that can be served")
        model = "min_sites"

    demand = compute_demand(communities, standards)
    zone_of = _community_zones(communities, zones)
    zoned = zone_of.notna() if zone_of is not None else pd.Series(True, index=communities.index)
    demand["zone_id"] = zone_of if zone_of is not None else None

    candidates, gen_notes = build_candidates(communities.loc[zoned], sites, facilities,
                                             standards=standards, kinds=kinds,
                                             generate=generate)
    notes += gen_notes
    if zone_of is not None:
        candidates["zone_id"] = site_zones(candidates, communities.loc[zoned],
                                           zone_of.loc[zoned], zones)
    else:
        candidates["zone_id"] = None

    thresholds = {k: standards.kinds[k].threshold_minutes * standards.walking.metres_per_minute
                  for k in kinds}
    dist_fn = distances or walk_distances
    cutoff = max(thresholds.values()) if thresholds else 0.0
    site_points = candidates.drop_duplicates("site_id")
    matrix, distance_method = _distance_matrix(dist_fn, communities.loc[zoned], site_points,
                                               standards=standards, network=network,
                                               cutoff_m=cutoff)
    col_of = pd.Series(np.arange(len(site_points)), index=site_points["site_id"].to_numpy())

    # One block per kind: rows = zoned compounds with that kind's demand; columns = candidates.
    rows_idx = communities.index[zoned.to_numpy()]
    blocks = []
    # how many compounds with demand each candidate reaches (under the zone rule): a site
    # far from everybody is never chosen, and this says why
    candidates["compounds_in_reach"] = 0
    for g, kind in enumerate(kinds):
        cand = candidates[candidates["kind"] == kind]
        cols = col_of.loc[cand["site_id"]].to_numpy()
        full = reach_from_distances(matrix[:, cols] if len(cols) else
                                    sp.csr_array((len(rows_idx), 0)), thresholds[kind])
        reach = full
        if zone_of is not None and len(cols):
            reach = _zone_filter(full, zone_of.loc[rows_idx].to_numpy(),
                                 cand["zone_id"].to_numpy())
        d = demand.loc[rows_idx, demand_column(kind)].to_numpy(dtype=float)
        blocks.append(_Block(kind, g, cand.index.to_numpy(), full, reach, d))
        if len(cols):
            wanted = sp.csr_array(reach)[np.flatnonzero(d > 0)]
            candidates.loc[cand.index, "compounds_in_reach"] = np.asarray(
                (wanted != 0).sum(axis=0)).reshape(-1).astype(np.int64)

    solves, selected, allocation = _solve(blocks, candidates, model=model,
                                          capacitated=capacitated, budget_wan=budget_wan,
                                          max_sites=max_sites, time_limit_s=time_limit_s,
                                          method=method, mip_rel_gap=mip_rel_gap,
                                          per_zone=per_zone, seed=seed,
                                          progress=progress)

    candidates["selected"] = candidates.index.isin(selected)
    served = {b.kind: np.asarray(allocation[b.kind].sum(axis=1)).reshape(-1) for b in blocks}
    for b in blocks:
        demand[f"served_{b.kind}"] = 0.0
        demand.loc[rows_idx, f"served_{b.kind}"] = served[b.kind]

    planned = _planned_layer(candidates, blocks, allocation, demand.loc[rows_idx])
    unserved = _unserved(demand, blocks, rows_idx, zoned, planned, budget_wan=budget_wan,
                         max_sites=max_sites, per_zone=per_zone, model=model, solves=solves,
                         thresholds={k: standards.kinds[k].threshold_minutes for k in kinds})
    if coverage:
        before_after = coverage_before_after(communities, facilities, planned,
                                             standards=standards, network=network, kinds=kinds)
    else:
        before_after = pd.DataFrame()
    status = _worst_status(solves["status"].tolist())
    gap = float(solves["gap"].max()) if len(solves) else 0.0
    notes += _time_limit_notes(solves, time_limit_s)
    if model != "mclp":  # the models that count capacities (min_sites always does)
        notes += _capacity_notes(blocks, candidates)
    return SitingResult(planned=planned, unserved=unserved, before_after=before_after,
                        demand=demand, candidates=candidates, solves=solves, status=status,
                        gap=gap, distance_method=distance_method, notes=notes)


def _time_limit_notes(solves: pd.DataFrame, time_limit_s: float) -> list[str]:
    """What a solve stopped by its time limit means: the one thing a rerun may change.

    Everything else in a plan follows from the inputs and the seed; where the solver is cut
    off depends on how fast the machine was at the time.
    """
    stopped = list(dict.fromkeys(
        k for kinds in solves.loc[solves["status"] == "time_limit", "kinds"]
        for k in str(kinds).split(",")))
    if not stopped:
        return []
    zh = "、".join(FACILITY_KINDS[k].label_zh if k in FACILITY_KINDS else k for k in stopped)
    en = ", ".join(FACILITY_KINDS[k].label_en if k in FACILITY_KINDS else k for k in stopped)
    return [f"{zh}的求解在时限 {time_limit_s:g} 秒内未证明最优，方案为届时最好的方案；机器快慢"
            "不同时重新运行可能略有不同。要可重复的方案，请放宽时限（--time-limit）或给出预算、"
            f"数量上限 / {en}: the solver stopped at its {time_limit_s:g} s time limit "
            "before proving the plan optimal, so the plan is the best found by then and a "
            "rerun on a faster or busier machine may differ slightly; for a reproducible plan "
            "give a longer time limit (--time-limit) or a budget or site limit"]


def _capacity_notes(blocks: list[_Block], candidates: gpd.GeoDataFrame) -> list[str]:
    """A line per kind whose demand is above what every candidate site together holds.

    Then no choice of sites serves it all: the fewest sites open nearly every candidate and
    still leave demand unserved, which only more sites or larger ones change.
    """
    notes = []
    for b in blocks:
        demand = float(b.demand.sum())
        held = float(candidates.loc[b.candidate_ids, "capacity"].sum())
        if demand <= 0 or held >= demand:
            continue
        k = FACILITY_KINDS[b.kind]
        key = CAPACITY_KEYS.get(b.kind, "")
        notes.append(
            f"{k.label_zh}：片区内需求 {demand:,.0f} {k.capacity_unit_zh}，全部 "
            f"{b.candidate_ids.size} 处候选点容量合计 {held:,.0f}，最多满足 {held / demand:.0%}；"
            f"要满足更多，请增加候选点或提高其容量（未注明容量的按标准文件 [demand] {key}） / "
            f"{k.label_en}: demand in the zones {demand:,.0f} {k.capacity_unit_en}, and all "
            f"{b.candidate_ids.size} candidate sites hold {held:,.0f} together, "
            f"{held / demand:.0%} of it at most; to serve more, add candidate sites or raise "
            f"their capacity (those without one take standards [demand] {key})")
    return notes


@dataclass
class _Block:
    kind: str
    group: int
    candidate_ids: np.ndarray
    full_reach: sp.csr_array
    reach: sp.csr_array
    demand: np.ndarray


def _validate(communities: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None, *, model: str,
              kinds: list[str], budget_wan: float | None, max_sites: int | None,
              time_limit_s: float) -> None:
    problems: list[str] = []
    if model not in MODELS:
        problems.append(f"未知选址模型 / model {model!r} is unknown; allowed: "
                        f"{', '.join(MODELS)}")
    unknown = [k for k in kinds if k not in SITED_KINDS]
    if unknown:
        problems.append(f"这些设施类型不能选址 / kinds {', '.join(map(str, unknown))} cannot "
                        f"be sited; allowed: {', '.join(SITED_KINDS)}")
    if budget_wan is not None and not budget_wan >= 0:
        problems.append(f"预算不能为负 / budget_wan must be >= 0 (万元), not {budget_wan}")
    if max_sites is not None and max_sites < 0:
        problems.append(f"设施数上限不能为负 / max_sites must be >= 0, not {max_sites}")
    if model == "min_sites" and (budget_wan is not None or max_sites is not None):
        problems.append("最少设施模型自行决定设施数量和造价，请改用 mclp 或 capacitated 并给出"
                        "预算或数量上限 / min_sites chooses the number and cost of sites "
                        "itself; give a budget or a site limit with mclp or capacitated instead")
    if not time_limit_s > 0:
        problems.append(f"求解时限必须大于 0 / time_limit_s must be > 0, not {time_limit_s}")
    if problems:
        msg = "siting: " + "; ".join(problems)
        raise ScenarioError(msg)
    require_metric(communities, "walking distances to candidate sites")
    if sites is not None and len(sites) and sites.crs != communities.crs:
        msg = (f"候选点与小区坐标系不同 / sites CRS {sites.crs} differs from communities CRS "
               f"{communities.crs}; reproject with geo.crs.to_metric")
        raise PlanningInputError(msg)


def _community_zones(communities: gpd.GeoDataFrame,
                     zones: gpd.GeoDataFrame | None) -> pd.Series | None:
    if "zone_id" in communities.columns:
        return communities["zone_id"].astype(object).where(communities["zone_id"].notna(), None)
    if zones is None or len(zones) == 0:
        return None
    zid = zones["zone_id"] if "zone_id" in zones.columns else zones.index.to_series()
    pts = gpd.GeoDataFrame(geometry=communities.geometry.representative_point(),
                           index=communities.index, crs=communities.crs)
    poly = gpd.GeoDataFrame({"zone_id": zid.to_numpy()}, geometry=zones.geometry.to_numpy(),
                            crs=zones.crs)
    joined = gpd.sjoin(pts, poly, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["zone_id"].reindex(communities.index).astype(object)


def _distance_matrix(dist_fn: DistanceFunction, communities: gpd.GeoDataFrame,
                     targets: gpd.GeoDataFrame, *, standards: Standards, network: Any,
                     cutoff_m: float) -> tuple[sp.csr_array, str]:
    if len(communities) == 0 or len(targets) == 0:
        return sp.csr_array((len(communities), len(targets))), _method_name(network, standards)
    pts = gpd.GeoDataFrame(geometry=targets.geometry.representative_point().to_numpy(),
                           index=pd.Index(targets["site_id"].to_numpy(), name="site_id"),
                           crs=targets.crs)
    matrix = dist_fn(communities, pts, standards=standards, network=network, cutoff_m=cutoff_m)
    return sp.csr_array(matrix), _method_name(network, standards)


def _method_name(network: Any, standards: Standards) -> str:
    from planning.coverage import METHOD_NETWORK, straight_line_method

    if network is not None:
        return METHOD_NETWORK
    return straight_line_method(standards.walking.detour_factor)


def _zone_filter(reach: sp.csr_array, row_zone: np.ndarray, col_zone: np.ndarray
                 ) -> sp.csr_array:
    rows = np.repeat(np.arange(reach.shape[0]), np.diff(reach.indptr))
    codes, _ = pd.factorize(pd.Series(np.concatenate([row_zone, col_zone]), dtype=object))
    row_code, col_code = codes[: row_zone.size], codes[row_zone.size:]  # -1 = no zone
    keep = (row_code[rows] >= 0) & (row_code[rows] == col_code[reach.indices])
    return sp.csr_array((reach.data[keep], (rows[keep], reach.indices[keep])), shape=reach.shape)


def _solve(blocks: list[_Block], candidates: gpd.GeoDataFrame, *, model: str,
           capacitated: bool, budget_wan: float | None, max_sites: int | None,
           time_limit_s: float, method: Method, mip_rel_gap: float, per_zone: bool,
           seed: int, progress: Callable[[int, int], None] | None = None
           ) -> tuple[pd.DataFrame, list[Any], dict[str, sp.csr_array]]:
    """Solve kind by kind, or all kinds at once when they share a budget."""
    records = []
    selected: list[Any] = []
    allocation: dict[str, sp.csr_array] = {}
    groups = [blocks] if budget_wan is not None else [[b] for b in blocks]
    for started, group in enumerate(groups):
        if progress is not None:
            progress(started, len(groups))
        if not group:
            continue
        # stack the kinds as separate row blocks: rows (kind, compound), columns (kind, site)
        reach = sp.csr_array(sp.block_diag([b.reach for b in group], format="csr")) \
            if len(group) > 1 else group[0].reach
        demand = np.concatenate([b.demand for b in group])
        totals = [float(b.demand.sum()) for b in group]
        weight = np.concatenate([np.full(b.demand.size, 1.0 / t if t > 0 else 0.0)
                                 for b, t in zip(group, totals, strict=True)]) \
            if len(group) > 1 else np.ones(demand.size)
        ids = np.concatenate([b.candidate_ids for b in group])
        cand = candidates.loc[ids]
        labels = [f"{b.kind}@{z}" if per_zone else b.kind for b in group
                  for z in candidates.loc[b.candidate_ids, "zone_id"]]
        site_group = pd.factorize(pd.Series(labels, dtype=object))[0].astype(np.int64)
        solver: MaximalCoverage | MinimumSites
        if model == "min_sites":
            solver = MinimumSites(capacitated=True, time_limit_s=time_limit_s,
                                  mip_rel_gap=mip_rel_gap)
        else:
            solver = MaximalCoverage(max_sites=max_sites, budget=budget_wan,
                                     capacitated=capacitated, time_limit_s=time_limit_s,
                                     mip_rel_gap=mip_rel_gap, method=method, seed=seed)
        solver.solve(reach, demand, cost=cand["cost"].to_numpy(float),
                     capacity=cand["capacity"].to_numpy(float), weight=weight, group=site_group)
        selected += list(ids[solver.selected_])
        row0 = col0 = 0
        for b in group:
            r1, c1 = row0 + b.demand.size, col0 + b.candidate_ids.size
            allocation[b.kind] = sp.csr_array(solver.allocation_[row0:r1, col0:c1]) \
                if solver.allocation_.shape[1] else sp.csr_array((b.demand.size,
                                                                  b.candidate_ids.size))
            row0, col0 = r1, c1
        records.append({"kinds": ",".join(b.kind for b in group), "model": model,
                        "capacitated": bool(capacitated or model == "min_sites"),
                        "method": solver.method_, "status": solver.status_,
                        "objective": solver.objective_, "bound": solver.bound_,
                        "gap": solver.gap_, "seconds": solver.seconds_,
                        "sites_open": int(solver.selected_.sum())})
    if progress is not None:
        progress(len(groups), len(groups))
    return pd.DataFrame.from_records(records), selected, allocation


def _planned_layer(candidates: gpd.GeoDataFrame, blocks: list[_Block],
                   allocation: dict[str, sp.csr_array], demand: pd.DataFrame
                   ) -> gpd.GeoDataFrame:
    parts = []
    households = demand["households"].to_numpy(float)
    for b in blocks:
        alloc = allocation[b.kind]
        served = np.asarray(alloc.sum(axis=0)).reshape(-1)
        ser_pattern = sp.csr_array(alloc > 0).astype(float)
        n_served = np.asarray(ser_pattern.sum(axis=0)).reshape(-1)
        # a compound whose demand two sites share counts at each for its share, so that the
        # planned facilities' households add up to the households served (not twice)
        d = np.asarray(b.demand, dtype=float)
        share = sp.diags_array(np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)) @ alloc
        hh_served = share.T @ households if alloc.shape[0] else np.zeros(alloc.shape[1])
        frame = candidates.loc[b.candidate_ids].copy()
        frame["demand_served"] = served
        frame["compounds_served"] = n_served.astype(int)
        frame["households_served"] = hh_served
        parts.append(frame[frame["selected"]])
    cols = ["site_id", "kind", "name", "capacity", "zone_id", "demand_served",
            "compounds_served", "households_served", "cost", "over_capacity", "generated",
            "generated_from", "geometry"]
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in cols if c != "geometry"},
                                geometry=gpd.GeoSeries([], crs=candidates.crs))
    planned = pd.concat(parts)
    planned["over_capacity"] = planned["demand_served"] > planned["capacity"] + 1e-6
    planned = gpd.GeoDataFrame(planned[cols], geometry="geometry", crs=candidates.crs)
    planned.index.name = "planned_id"
    return planned.sort_values(["kind", "site_id"], kind="stable")


_REASONS = {
    "not_zoned": "未纳入改造片区 / not in a renovation zone",
    "no_site": "无该类候选点 / no candidate site for this kind",
    "no_reach": "步行{t}分钟内无候选点 / no candidate site within {t} min walk",
    "other_zone": ("本片区步行{t}分钟内无候选点（仅邻片区有）/ only sites of other zones within "
                   "{t} min walk (zone rule)"),
    "budget": "预算已用尽 / the budget ({b} 万元) is spent",
    "limit": "选址数量已达上限 / the site limit ({p} per kind) is reached",
    "limit_zone": "本片区选址数量已达上限 / the zone's site limit ({p} per kind) is reached",
    "limit_budget": "选址数量或预算已用尽 / the site limit or the budget is used up",
    "capacity": "可达设施容量已满 / the open sites within reach are full",
    "solver": "求解未完成 / the solver stopped before serving it ({s})",
}


def _unserved(demand: pd.DataFrame, blocks: list[_Block], rows_idx: pd.Index,
              zoned: pd.Series, planned: gpd.GeoDataFrame, *, budget_wan: float | None,
              max_sites: int | None, per_zone: bool, model: str, solves: pd.DataFrame,
              thresholds: dict[str, int]) -> pd.DataFrame:
    records = []
    solve_status = {k: s for ks, s in zip(solves.get("kinds", []), solves.get("status", []),
                                          strict=True) for k in str(ks).split(",")}
    # arrays in the demand's order: a row-by-row .loc was seconds on a large district
    ids = demand.index
    in_zone = zoned.reindex(ids).fillna(False).to_numpy(dtype=bool)
    zone_of = demand["zone_id"].to_numpy(dtype=object)
    row_of = pd.Index(rows_idx).get_indexer(ids)
    for b in blocks:
        need = demand[demand_column(b.kind)].to_numpy(dtype=float)
        got = demand[f"served_{b.kind}"].to_numpy(dtype=float)
        left = need - got
        t = thresholds[b.kind]
        full_any = np.diff(b.full_reach.indptr) > 0
        zone_any = np.diff(b.reach.indptr) > 0
        open_cols = np.isin(b.candidate_ids, planned.index)
        open_in_reach = (b.reach @ open_cols.astype(float)) > 0 if b.reach.shape[1] else \
            np.zeros(len(rows_idx), bool)
        for p in np.flatnonzero(left > _NEGLIGIBLE).tolist():
            if not in_zone[p]:
                reason = _REASONS["not_zoned"]
            elif b.candidate_ids.size == 0:
                reason = _REASONS["no_site"]
            else:
                i = int(row_of[p])
                if not full_any[i]:
                    reason = _REASONS["no_reach"].format(t=t)
                elif not zone_any[i]:
                    reason = _REASONS["other_zone"].format(t=t)
                elif open_in_reach[i]:
                    reason = _REASONS["capacity"]
                elif solve_status.get(b.kind) not in ("optimal", "heuristic", "time_limit"):
                    reason = _REASONS["solver"].format(s=solve_status.get(b.kind))
                elif budget_wan is not None and max_sites is not None:
                    reason = _REASONS["limit_budget"]
                elif budget_wan is not None:
                    reason = _REASONS["budget"].format(b=f"{budget_wan:g}")
                elif max_sites is not None:
                    reason = _REASONS["limit"].format(p=max_sites)
                    if per_zone:
                        reason = _REASONS["limit_zone"].format(p=max_sites)
                else:
                    reason = _REASONS["capacity"]
            records.append({"community_id": ids[p], "kind": b.kind, "zone_id": zone_of[p],
                            "demand": float(need[p]), "served": float(got[p]),
                            "unserved": float(left[p]), "reason": reason})
    cols = ["community_id", "kind", "zone_id", "demand", "served", "unserved", "reason"]
    return pd.DataFrame.from_records(records, columns=cols)


def reason_in(reason: object, lang: str) -> str:
    """The Chinese or the English half of an unserved-demand reason ("中文 / English").

    >>> reason_in(_REASONS["capacity"], "zh"), reason_in(_REASONS["capacity"], "en")
    ('可达设施容量已满', 'the open sites within reach are full')
    >>> reason_in(_REASONS["other_zone"].format(t=5), "zh")
    '本片区步行5分钟内无候选点（仅邻片区有）'
    """
    zh, sep, en = str(reason).partition("/ ")
    return en.strip() if lang == "en" and sep else zh.strip()


def unserved_summary(unserved: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Demand left unserved, per kind and reason: how many compounds, and how much.

    Parameters
    ----------
    unserved
        :attr:`SitingResult.unserved` (or a plan's ``unserved`` table).
    lang
        ``"zh"`` or ``"en"``: the language of ``reason``.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``reason``, ``compounds``, ``unserved`` (in the kind's demand unit): kinds in
        the order they were sited, the largest shortfall first within each.
    """
    cols = ["kind", "reason", "compounds", "unserved"]
    if unserved is None or len(unserved) == 0:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"kind": unserved["kind"].astype(str).to_numpy(),
                          "reason": [reason_in(r, lang) for r in unserved["reason"]],
                          "community_id": unserved["community_id"].to_numpy(),
                          "unserved": pd.to_numeric(unserved["unserved"]).to_numpy()})
    out = (frame.groupby(["kind", "reason"], sort=False)
           .agg(compounds=("community_id", "nunique"), unserved=("unserved", "sum"))
           .reset_index())
    first = {k: i for i, k in enumerate(dict.fromkeys(frame["kind"]))}
    out = out.assign(_order=out["kind"].map(first)).sort_values(
        ["_order", "unserved"], ascending=[True, False], kind="stable")
    return out[cols].reset_index(drop=True)


_NEGLIGIBLE = 1e-3
"""Demand left below this (a thousandth of a charger, space or m²) is solver round-off."""

_STATUS_ORDER = ("optimal", "no_demand", "no_reach", "no_sites", "heuristic", "time_limit",
                 "infeasible", "error")


def _worst_status(statuses: list[str]) -> str:
    if not statuses:
        return "no_sites"
    real = [s for s in statuses if s not in ("no_demand", "no_reach", "no_sites")]
    if not real:
        return max(statuses, key=_STATUS_ORDER.index)
    return max(real, key=lambda s: _STATUS_ORDER.index(s) if s in _STATUS_ORDER else 99)
