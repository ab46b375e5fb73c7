"""Siting benchmark: Pianqu's MCLP against spopt's MCLP (PuLP + CBC), and a 5,000 x 1,000 run.

``python bench/run.py siting [--p 8] [--scale-p 30 60 80] [--scale-n 5000] [--scale-m 1000]``

1. Same instance for both: the bundled sample district's compounds (elderly-care demand, m²),
   every candidate site of the sample plus every compound ground (generated candidates), walking
   distances on the sample's streets from the coverage engine, the elderly-care threshold
   (10 min = 750 m), p sites. spopt gets the same distances as a dense matrix (its API); Pianqu
   gets the sparse one. Both objectives must agree within 1e-6 (relative). Then the fewest
   sites by count on the same reach, Pianqu's ``MinimumSites`` against spopt's LSCP.
2. Scale: a synthetic district of ~5,000 compounds on a street lattice and 1,000 candidate sites
   at random street points, network distances from the coverage engine, solved by
   ``MaximalCoverage(method="auto", mip_rel_gap=0.01)`` for a sweep of p; each gap is proven
   against the LP relaxation (or HiGHS' bound). The JSON's ``gap_5000x1000`` and
   ``seconds_5000x1000`` are the worst of the sweep, so a miss is never hidden.
3. The exact reduction (:mod:`planning.siting_reduction`) on the scale instance: sites and rows
   before and after, and the LP relaxation (the bound of ``auto``) on the full and on the
   reduced model in the same process, for each p of the sweep: same optimum, time ratio.
4. Fewest sites, capacitated, by cost (the plan's model when no budget or site count is
   given) under the same time limit: on the scale instance (800 m² a site) and on a scattered
   district (4,000 compounds, 1,500 sites at random, 600 m straight-line reach) where HiGHS
   finds no plan of its own in time; the JSON's ``min_sites`` gives sites, cost, bound, gap,
   and that everything servable is served.

Times are wall-clock of model building + solving from the same distance matrix.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box


def _sample_instance(kind: str) -> dict[str, Any]:
    from geo.network import network_from_lines
    from planning.demand import compute_demand, demand_column
    from planning.sample import load_sample
    from planning.siting_candidates import build_candidates, walk_distances
    from planning.standards import load_standards

    std = load_standards()
    layers = load_sample()
    comm = layers["communities"]
    given, _ = build_candidates(comm, layers["sites"], None, standards=std, kinds=[kind])
    generated, _ = build_candidates(comm, None, None, standards=std, kinds=[kind])
    cands = pd.concat([given, generated])
    net = network_from_lines(layers["streets"])
    radius = std.kinds[kind].threshold_minutes * std.walking.metres_per_minute
    targets = gpd.GeoDataFrame(geometry=cands.geometry.to_numpy(), crs=cands.crs)
    t0 = time.perf_counter()
    dist = walk_distances(comm, targets, standards=std, network=net, cutoff_m=radius)
    seconds = time.perf_counter() - t0
    weights = compute_demand(comm, std)[demand_column(kind)].to_numpy(float)
    return {"dist": dist, "weights": weights, "radius": radius, "n": len(comm),
            "m": len(cands), "distance_seconds": seconds}


def _pianqu(dist: Any, weights: np.ndarray, radius: float, p: int, **kw: Any
            ) -> tuple[Any, float]:
    from planning.siting_models import MaximalCoverage, reach_from_distances

    t0 = time.perf_counter()
    model = MaximalCoverage(max_sites=p, **kw).solve(reach_from_distances(dist, radius), weights)
    return model, time.perf_counter() - t0


def _spopt(dist: Any, weights: np.ndarray, radius: float, p: int) -> tuple[float, float, int]:
    import pulp
    from spopt.locate import MCLP

    # absent pairs are beyond reach; stored zeros (a site at the gate) are in reach
    dense = np.full(dist.shape, np.inf)
    coo = dist.tocoo()
    dense[coo.row, coo.col] = coo.data
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(dense, weights, service_radius=radius, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - t0
    objective = float(pulp.value(model.problem.objective))
    opened = sum(1 for v in model.fac_vars if v.value() and v.value() > 0.5)
    return objective, seconds, opened


def _lscp_pair(dist: Any, weights: np.ndarray, radius: float) -> dict[str, Any]:
    """Fewest sites by count: Pianqu's MinimumSites against spopt's LSCP (PuLP + CBC).

    The same reach; every compound with demand and a site in reach must be covered.
    """
    import pulp
    from spopt.locate import LSCP

    from planning.siting_models import MinimumSites, reach_from_distances

    reach = reach_from_distances(dist, radius)
    keep = (np.diff(reach.indptr) > 0) & (weights > 0)  # LSCP must cover every row
    reach = reach[keep]
    t0 = time.perf_counter()
    ours = MinimumSites(objective="count", mip_rel_gap=0.0).solve(reach, weights[keep])
    seconds = time.perf_counter() - t0
    dense = np.full(reach.shape, np.inf)
    coo = reach.tocoo()
    dense[coo.row, coo.col] = coo.data
    t0 = time.perf_counter()
    model = LSCP.from_cost_matrix(dense, service_radius=radius)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds_spopt = time.perf_counter() - t0
    return {"sites": int(ours.selected_.sum()), "status": ours.status_,
            "sites_spopt": round(pulp.value(model.problem.objective)),
            "seconds": round(seconds, 3), "seconds_spopt": round(seconds_spopt, 3),
            "speedup_vs_spopt": round(seconds_spopt / seconds, 2), "rows": int(keep.sum())}


def _scale_instance(n: int, m: int, seed: int) -> dict[str, Any]:
    """A synthetic district: sqrt(n) x sqrt(n) compounds between lattice streets."""
    from geo.network import network_from_lines
    from planning.demand import compute_demand, demand_column
    from planning.siting_candidates import walk_distances
    from planning.standards import load_standards

    std = load_standards()
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    block, street = 100.0, 20.0
    pitch = block + street
    x0, y0 = 483_000.0, 3_766_000.0
    polys, ids = [], []
    for k in range(n):
        r, c = divmod(k, side)
        polys.append(box(x0 + c * pitch, y0 + r * pitch, x0 + c * pitch + block,
                         y0 + r * pitch + block))
        ids.append(f"C{k:05d}")
    hh = rng.integers(80, 800, n)
    comm = gpd.GeoDataFrame({"households": hh, "population": (hh * 2.8).astype(int),
                             "elderly_share": rng.uniform(0.1, 0.4, n),
                             "parking_spaces": (hh * rng.uniform(0, 0.4, n)).astype(int),
                             "ev_chargers": 0},
                            geometry=polys, index=pd.Index(ids, name="community_id"),
                            crs="EPSG:4547")
    lines = []
    lo = -street / 2
    for i in range(side + 1):
        v = lo + i * pitch
        for j in range(side):
            a = lo + j * pitch
            lines.append(LineString([(x0 + v, y0 + a), (x0 + v, y0 + a + pitch)]))
            lines.append(LineString([(x0 + a, y0 + v), (x0 + a + pitch, y0 + v)]))
    streets = gpd.GeoDataFrame({"road_class": ["residential"] * len(lines)},
                               geometry=lines, crs="EPSG:4547")
    # candidate sites: random points along random street segments
    pick = rng.integers(0, len(lines), m)
    where = rng.uniform(0.1, 0.9, m)
    sites = gpd.GeoDataFrame(geometry=[Point(lines[k].interpolate(w, normalized=True).coords[0])
                                       for k, w in zip(pick, where, strict=True)],
                             crs="EPSG:4547")
    t0 = time.perf_counter()
    net = network_from_lines(streets)
    kind = "elderly_care"
    radius = std.kinds[kind].threshold_minutes * std.walking.metres_per_minute
    dist = walk_distances(comm, sites, standards=std, network=net, cutoff_m=radius)
    seconds = time.perf_counter() - t0
    weights = compute_demand(comm, std)[demand_column(kind)].to_numpy(float)
    return {"dist": dist, "weights": weights, "radius": radius, "distance_seconds": seconds,
            "n": n, "m": m}


def _reduction_figures(dist: Any, weights: np.ndarray, radius: float, p: int
                       ) -> dict[str, Any]:
    """Sizes before and after the reduction, and the LP bound on both models (same process)."""
    from planning.siting_models import MaximalCoverage, _lp_bound_max, _reduce, reach_from_distances

    model = MaximalCoverage(max_sites=p)
    inst = model._instance(reach_from_distances(dist, radius), weights, cost=None,
                           capacity=None, weight=None, group=None)
    t0 = time.perf_counter()
    red = _reduce(inst)
    t_reduce = time.perf_counter() - t0
    t0 = time.perf_counter()
    full, _ = _lp_bound_max(inst, False, None)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    reduced, _ = _lp_bound_max(inst, False, red)
    t_red = time.perf_counter() - t0
    return {"sites": [inst.m, int(red.sites.size)], "rows": [inst.n, int(red.value.size)],
            "pairs": [int(inst.pattern.nnz), int(red.pattern.nnz)],
            "seconds_reduce": round(t_reduce, 3), "lp_full": round(full, 3),
            "lp_reduced": round(reduced, 3), "seconds_lp_full": round(t_full, 2),
            "seconds_lp_reduced": round(t_red, 2)}


def _exact_figures(dist: Any, weights: np.ndarray, radius: float, p: int) -> dict[str, Any]:
    """The exact MILP (no heuristic start) on the reduced and on the full model."""
    from planning.siting_models import MaximalCoverage, _milp_max, _reduce, reach_from_distances

    inst = MaximalCoverage(max_sites=p)._instance(reach_from_distances(dist, radius), weights,
                                                  cost=None, capacity=None, weight=None,
                                                  group=None)
    out: dict[str, Any] = {}
    for name in ("reduced", "full"):
        t0 = time.perf_counter()
        raw = _milp_max(inst, False, 150.0, 1e-4, red=_reduce(inst) if name == "reduced" else None)
        secs = time.perf_counter() - t0
        out[name] = None if raw is None else {"objective": round(raw.value, 1),
                                              "bound": round(raw.bound, 1),
                                              "status": raw.status, "seconds": round(secs, 1)}
        print(f"[exact] p={p} {name}: " + (
            "no plan in 150 s" if raw is None else
            f"objective {raw.value:.1f}, bound {raw.bound:.1f}, {raw.status}, {secs:.1f} s")
            + f" (load average {os.getloadavg()[0]:.1f})")
    return out


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench/run.py siting")
    parser.add_argument("--p", type=int, default=8, help="sites in the spopt comparison")
    parser.add_argument("--scale-n", type=int, default=5000)
    parser.add_argument("--scale-m", type=int, default=1000)
    parser.add_argument("--scale-p", type=int, nargs="+", default=[30, 60, 80],
                        help="site counts of the scale sweep")
    parser.add_argument("--time-limit", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--exact-p", type=int, nargs="*", default=[],
                        help="also prove these p exactly (mip_rel_gap 1e-4, 150 s), on the "
                             "reduced and on the full model, in the same process")
    parser.add_argument("--min-sites-capacity", type=float, default=800.0,
                        help="m² per site in the fewest-sites run on the scale instance")
    args = parser.parse_args(argv)
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")

    # 1. same instance, Pianqu vs spopt
    inst = _sample_instance("elderly_care")
    print(f"[spopt] sample district: {inst['n']} compounds x {inst['m']} candidate sites, "
          f"elderly care within {inst['radius']:.0f} m walk, p={args.p}; distances "
          f"{inst['distance_seconds']:.1f} s ({inst['dist'].nnz} pairs)")
    ours, t_ours = _pianqu(inst["dist"], inst["weights"], inst["radius"], args.p,
                           method="milp", mip_rel_gap=1e-9, time_limit_s=600)
    obj_sp, t_sp, opened_sp = _spopt(inst["dist"], inst["weights"], inst["radius"], args.p)
    rel = abs(ours.objective_ - obj_sp) / max(abs(obj_sp), 1e-12)
    print(f"[spopt] Pianqu MCLP (HiGHS): objective {ours.objective_:.6f} "
          f"({int(ours.selected_.sum())} sites, {ours.status_}) in {t_ours:.3f} s")
    print(f"[spopt] spopt MCLP (PuLP+CBC): objective {obj_sp:.6f} ({opened_sp} sites) "
          f"in {t_sp:.3f} s")
    print(f"[spopt] same optimum: {rel <= 1e-6} (relative difference {rel:.2e}); "
          f"speed-up {t_sp / t_ours:.1f}x")

    lscp = _lscp_pair(inst["dist"], inst["weights"], inst["radius"])
    print(f"[spopt] fewest sites ({lscp['rows']} compounds with demand and a site in reach): "
          f"Pianqu {lscp['sites']} sites ({lscp['status']}) in {lscp['seconds']:.3f} s, "
          f"spopt LSCP (PuLP+CBC) {lscp['sites_spopt']} sites in {lscp['seconds_spopt']:.3f} s; "
          f"same optimum: {lscp['sites'] == lscp['sites_spopt']}; speed-up "
          f"{lscp['speedup_vs_spopt']:.1f}x")

    # 2. scale: one instance, a sweep of p (the JSON headline is the worst of the sweep)
    big = _scale_instance(args.scale_n, args.scale_m, args.seed)
    print(f"[scale] {big['n']} compounds x {big['m']} sites, {big['dist'].nnz} pairs within "
          f"{big['radius']:.0f} m walk (distances {big['distance_seconds']:.1f} s); "
          f"total demand {big['weights'].sum():.0f} m²")
    sweep = {}
    for p in args.scale_p:
        run, secs = _pianqu(big["dist"], big["weights"], big["radius"], p, method="auto",
                            mip_rel_gap=0.01, time_limit_s=args.time_limit)
        sweep[p] = {"objective": round(run.objective_, 1), "bound": round(run.bound_, 1),
                    "gap": round(run.gap_, 6), "seconds": round(secs, 2),
                    "status": run.status_, "method": run.method_,
                    "served_share": round(run.objective_ / big["weights"].sum(), 4)}
        print(f"[scale] p={p}: objective {run.objective_:.1f} "
              f"({run.objective_ / big['weights'].sum():.1%} of demand), bound "
              f"{run.bound_:.1f}, gap {run.gap_:.3%}, {run.status_} via {run.method_}, "
              f"{secs:.1f} s; within 1% in < 30 s: {run.gap_ <= 0.01 and secs < 30} "
              f"(load average {os.getloadavg()[0]:.1f})")
    worst = max(sweep.values(), key=lambda r: (r["gap"], r["seconds"]))

    # 3. the reduction: sizes, and the LP bound on the full and the reduced model
    reduction = {}
    for p in args.scale_p:
        fig = _reduction_figures(big["dist"], big["weights"], big["radius"], p)
        reduction[str(p)] = fig
        same = abs(fig["lp_full"] - fig["lp_reduced"]) <= 1e-6 * max(1.0, fig["lp_full"])
        print(f"[reduce] p={p}: sites {fig['sites'][0]} -> {fig['sites'][1]}, rows "
              f"{fig['rows'][0]} -> {fig['rows'][1]}, pairs {fig['pairs'][0]} -> "
              f"{fig['pairs'][1]} in {fig['seconds_reduce']:.2f} s; LP bound full "
              f"{fig['lp_full']:.1f} in {fig['seconds_lp_full']:.2f} s, reduced "
              f"{fig['lp_reduced']:.1f} in {fig['seconds_lp_reduced']:.2f} s (same: {same}, "
              f"{fig['seconds_lp_full'] / max(fig['seconds_lp_reduced'], 1e-9):.2f}x)")
    exact = {str(p): _exact_figures(big["dist"], big["weights"], big["radius"], p)
             for p in args.exact_p}

    # 4. the plan's model without a budget: fewest sites, capacitated, on the lattice and on
    # a scattered district (random points, straight-line reach) where HiGHS finds no plan of
    # its own within the limit, so the plan is the start Pianqu gives it
    fewest = {
        "5000x1000": _min_sites_figures(big["dist"], big["weights"], args.min_sites_capacity,
                                        args.time_limit, args.seed),
        "random_4000x1500": _min_sites_figures(*_scattered_instance(4000, 1500), 200.0,
                                               args.time_limit, 0, cost_unit=1.0),
    }
    for name, fig in fewest.items():
        print(f"[fewest] {name}: capacitated fewest sites, {fig['capacity']:g} each: "
              f"{fig['sites']} sites, cost {fig['objective']:.0f} against a bound of "
              f"{fig['bound']:.0f} (gap {fig['gap']:.2%}), serving {fig['served']:.0f} of "
              f"{fig['servable']:.0f} servable, {fig['status']} via {fig['method']}, "
              f"{fig['seconds']:.1f} s", flush=True)
    return {
        "exact": exact,
        "objective": round(ours.objective_, 6),
        "objective_spopt": round(obj_sp, 6),
        "same_optimum": bool(rel <= 1e-6),
        "seconds_pianqu": round(t_ours, 3),
        "seconds_spopt": round(t_sp, 3),
        "speedup_vs_spopt": round(t_sp / t_ours, 2),
        "instance": f"{inst['n']}x{inst['m']} p={args.p}",
        "gap_5000x1000": worst["gap"],
        "seconds_5000x1000": max(r["seconds"] for r in sweep.values()),
        "scale_sweep": {str(p): r for p, r in sweep.items()},
        "reduction": reduction,
        "min_sites": fewest,
        "lscp": lscp,
    }


def _min_sites_figures(dist: Any, weights: np.ndarray, capacity: float, time_limit: float,
                       seed: int, *, cost_unit: float = 100.0) -> dict[str, Any]:
    """Fewest sites (capacitated, by cost: 1-4 cost units a site), as a plan runs it."""
    from planning.siting_models import MinimumSites, _max_servable

    m = dist.shape[1]
    cost = np.random.default_rng(seed + 1).integers(1, 5, m) * cost_unit
    caps = np.full(m, capacity)
    t0 = time.perf_counter()
    run = MinimumSites(capacitated=True, time_limit_s=time_limit).solve(
        dist, weights, cost=cost, capacity=caps)
    seconds = time.perf_counter() - t0
    # what every site open together could serve: the plan must serve all of it
    inst = MinimumSites(capacitated=True)._instance(dist, weights, cost=cost, capacity=caps,
                                                    weight=None, group=None)
    return {"capacity": capacity, "sites": int(run.selected_.sum()),
            "objective": round(run.objective_, 1), "bound": round(run.bound_, 1),
            "gap": round(run.gap_, 6), "status": run.status_, "method": run.method_,
            "seconds": round(seconds, 2), "served": round(float(run.served_.sum()), 1),
            "servable": round(_max_servable(inst), 1)}


def _scattered_instance(n: int, m: int) -> tuple[Any, np.ndarray]:
    """Compounds and sites at random in 10 x 10 km, reach = within 600 m in a straight line."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(0)
    homes, sites = rng.random((n, 2)) * 10_000, rng.random((m, 2)) * 10_000
    dist = cKDTree(homes).sparse_distance_matrix(cKDTree(sites), 600.0,
                                                 output_type="coo_matrix").tocsr()
    dist.data += 1e-3  # a stored zero would read as out of reach
    return dist, rng.integers(1, 50, n).astype(float)
