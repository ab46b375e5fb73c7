"""Coverage benchmark: the multi-source life-circle run against per-compound networkx searches.

A generated city of about 100,000 street nodes (a jittered lattice with some streets missing, so
that there are dead ends and fragments), 5,000 compounds in its blocks and 500 facilities of
three kinds. It times

* ours: ``planning.coverage.compute_coverage`` — reach (one multi-source Dijkstra per kind),
  and the full run (reach + service areas at every level + gaps); reach cold (a fresh copy of
  the network: compounds snapped, network split at their access points) and warm (the same
  network again: it remembers the compounds' access points, as in a plan or the app, where
  the same compounds are walked to other facilities; the facilities are snapped anew);
* a plan's full run from the streets layer (the network built from it too), and the run
  again with one EV charger more, as the app re-plans after a planner draws a site (the
  network, its blocks, the compounds' access points and the unchanged kinds' service areas
  remembered);
* the usual way: ``networkx.single_source_dijkstra(G, compound, cutoff=15 min)`` from every
  compound (the compound a virtual node joined to its access points), as OSMnx isochrone
  recipes do, on a sample of compounds (300 by default), scaled to all of them;
* the usual way of the whole job, for the full run: the searches above for the minutes, and
  the OSMnx isochrone recipe for the areas (``networkx.ego_graph`` of each facility within
  each level, its edges buffered 25 m and nodes 50 m, unioned; the facilities of a kind and
  level unioned; compounds minus the kind's area for the gaps), timed on 20 facilities per
  kind and scaled to all of them;
* for reference, networkx's own multi-source search (one per kind).

Distances are compared with networkx's on the sampled compounds (metres). Run with
``python bench/run.py coverage [--nodes N] [--compounds N] [--facilities N] [--sample N]
[--recipe-sample N] [--seed S]``; the last line printed is a JSON object. Reach is the best
of three runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.network import WalkNetwork, network_from_arrays, snap_points, snap_polygons, split_edges
from planning.coverage import compute_coverage
from planning.standards import Standards, load_standards

CRS = "EPSG:4547"
KINDS = ("elderly_care", "ev_charger", "parking")


def make_city(*, nodes: int = 100_000, compounds: int = 5_000, facilities: int = 500,
              spacing: float = 70.0, seed: int = 0
              ) -> tuple[WalkNetwork, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A jittered lattice city: streets, compounds in blocks, facilities of three kinds."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.stack([jj.ravel() * spacing, ii.ravel() * spacing], axis=1)
    xy += rng.uniform(-0.2, 0.2, xy.shape) * spacing
    xy += (483_000.0, 3_760_000.0)
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(u.size) > 0.08  # missing streets: dead ends, detours, a few fragments
    net = network_from_arrays(xy, u[keep], v[keep], crs=CRS, planar=True)

    # compounds: blocks (cells of the lattice) shrunk away from the streets
    cell = rng.choice((side - 1) * (side - 1), size=compounds, replace=False)
    ci, cj = np.divmod(cell, side - 1)
    corners = np.stack([xy[idx[ci, cj]], xy[idx[ci, cj + 1]], xy[idx[ci + 1, cj + 1]],
                        xy[idx[ci + 1, cj]]], axis=1)
    centre = corners.mean(axis=1, keepdims=True)
    shrink = rng.uniform(0.45, 0.75, (compounds, 1, 1))
    rings = centre + (corners - centre) * shrink
    polys = shapely.polygons(rings)
    hh = rng.integers(80, 900, compounds)
    communities = gpd.GeoDataFrame({
        "community_id": [f"C{i:05d}" for i in range(compounds)], "households": hh,
        "population": (hh * 2.8).astype(int), "elderly_share": rng.uniform(0.1, 0.4, compounds),
    }, geometry=polys, crs=CRS).set_index("community_id")

    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pts = rng.uniform(lo, hi, (facilities, 2))
    fac = gpd.GeoDataFrame({
        "facility_id": [f"F{i:04d}" for i in range(facilities)],
        "kind": [KINDS[i % len(KINDS)] for i in range(facilities)],
    }, geometry=shapely.points(pts), crs=CRS).set_index("facility_id")
    return net, communities, fac


def three_kind_standards() -> Standards:
    std = load_standards()
    return dataclasses.replace(std, kinds={k: std.kinds[k] for k in KINDS})


def networkx_reference(net: WalkNetwork, communities: gpd.GeoDataFrame,
                       facilities: gpd.GeoDataFrame, std: Standards, sample: np.ndarray
                       ) -> tuple[dict[str, np.ndarray], float, float, dict[str, float]]:
    """Per-compound ``single_source_dijkstra`` with a cutoff, the way isochrone recipes do it.

    Returns distances (metres, inf beyond the cutoff) per kind for the sampled compounds, the
    time of the searches, the time to build the graph, and networkx multi-source times.
    """
    tol = std.walking.snap_tolerance_m
    t0 = time.perf_counter()
    ps = snap_polygons(net, communities.geometry.values, tolerance_m=tol,
                       access_points=std.walking.access_points)
    fs = snap_points(net, facilities.geometry.values, tolerance_m=tol)
    f_ok = fs.edge >= 0
    net2, nodes = split_edges(net, np.concatenate([ps.edge, fs.edge[f_ok]]),
                              np.concatenate([ps.offset, fs.offset[f_ok]]))
    acc_node = nodes[:ps.edge.size]
    fac_node = np.full(len(facilities), -1)
    fac_node[f_ok] = nodes[ps.edge.size:]
    G = nx.Graph()
    order = np.argsort(-net2.edge_length)  # shortest parallel edge written last, and kept
    G.add_weighted_edges_from(zip(net2.edge_u[order].tolist(), net2.edge_v[order].tolist(),
                                  net2.edge_length[order].tolist(), strict=True),
                              weight="length")
    build_s = time.perf_counter() - t0

    mpm = std.walking.metres_per_minute
    cutoff = max(lv.minutes for lv in std.life_circle) * mpm
    kind = facilities["kind"].to_numpy()
    by_kind = {k: [(int(fac_node[i]), float(fs.connector_m[i]))
                   for i in np.flatnonzero((kind == k) & f_ok)] for k in KINDS}
    out = {k: np.full(sample.size, np.inf) for k in KINDS}
    t0 = time.perf_counter()
    for row, c in enumerate(sample):
        gates = np.flatnonzero(ps.owner == c)
        if gates.size == 0:
            continue
        G.add_node("compound")
        for g in gates:
            node = int(acc_node[g])
            w = float(ps.connector_m[g])
            if not G.has_edge("compound", node) or G["compound"][node]["length"] > w:
                G.add_edge("compound", node, length=w)
        dist = nx.single_source_dijkstra_path_length(G, "compound", cutoff=cutoff,
                                                     weight="length")
        for k in KINDS:
            best = min((dist[n] + cn for n, cn in by_kind[k] if n in dist), default=np.inf)
            out[k][row] = best if best <= cutoff else np.inf
        G.remove_node("compound")
    search_s = time.perf_counter() - t0

    multi: dict[str, float] = {}
    for k in KINDS:
        t0 = time.perf_counter()
        H = G.copy()
        for n, cn in by_kind[k]:
            H.add_edge(("source", k), n, length=cn)
        nx.single_source_dijkstra_path_length(H, ("source", k), weight="length")
        multi[k] = time.perf_counter() - t0
    return out, search_s, build_s, multi


#: The OSMnx isochrone recipe's buffers (osmnx-examples, "make_iso_polys"): edges 25 m, nodes 50 m.
RECIPE_EDGE_BUFFER_M = 25.0
RECIPE_NODE_BUFFER_M = 50.0


def isochrone_recipe_reference(net: WalkNetwork, communities: gpd.GeoDataFrame,
                               facilities: gpd.GeoDataFrame, std: Standards, per_kind: int,
                               rng: np.random.Generator) -> dict[str, float]:
    """Service areas and gaps the usual way: an isochrone polygon per facility and level.

    The OSMnx recipe: ``networkx.ego_graph`` of the facility's node within the level's
    distance, its edges and nodes buffered and unioned; then, per kind and level, the union of
    its facilities' isochrones, and the gaps as the compounds minus the kind's area. Timed on
    ``per_kind`` facilities of each kind and scaled (linearly, which flatters the unions) to
    all of them. Building the graph is not counted. Returns seconds per part.
    """
    tol = std.walking.snap_tolerance_m
    fs = snap_points(net, facilities.geometry.values, tolerance_m=tol)
    ok = np.flatnonzero(fs.edge >= 0)
    net2, nodes = split_edges(net, fs.edge[ok], fs.offset[ok])
    G = nx.Graph()
    G.add_weighted_edges_from(zip(net2.edge_u.tolist(), net2.edge_v.tolist(),
                                  range(net2.n_edges), strict=True), weight="edge")
    nx.set_edge_attributes(G, {(int(u), int(v)): float(w) for u, v, w in zip(
        net2.edge_u, net2.edge_v, net2.edge_length, strict=True)}, name="length")
    segments = shapely.linestrings(np.stack([net2.xy[net2.edge_u], net2.xy[net2.edge_v]], axis=1))
    mpm = std.walking.metres_per_minute
    kind = facilities["kind"].to_numpy()[ok]
    polys = np.asarray(communities.geometry.values, dtype=object)
    iso_s = union_s = gaps_s = 0.0
    for k in KINDS:
        mine = np.flatnonzero(kind == k)
        picked = rng.choice(mine, size=min(per_kind, mine.size), replace=False)
        scale = mine.size / picked.size
        for level in std.life_circle:
            t0 = time.perf_counter()
            isochrones = []
            for f in picked:
                sub = nx.ego_graph(G, int(nodes[f]), radius=level.minutes * mpm,
                                   distance="length")
                edges = [d["edge"] for _, _, d in sub.edges(data=True)]
                isochrones.append(shapely.union_all(np.concatenate([
                    shapely.buffer(segments[edges], RECIPE_EDGE_BUFFER_M),
                    shapely.buffer(shapely.points(net2.xy[list(sub.nodes())]),
                                   RECIPE_NODE_BUFFER_M)])))
            iso_s += (time.perf_counter() - t0) * scale
            t0 = time.perf_counter()
            area = shapely.union_all(isochrones)
            union_s += (time.perf_counter() - t0) * scale
            if level.minutes == std.kinds[k].threshold_minutes:
                t0 = time.perf_counter()
                shapely.difference(polys, area)
                gaps_s += time.perf_counter() - t0
    return {"isochrones_s": iso_s, "unions_s": union_s, "gaps_s": gaps_s}


def main(argv: list[str]) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="bench/run.py coverage")
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--compounds", type=int, default=5_000)
    ap.add_argument("--facilities", type=int, default=500)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--recipe-sample", type=int, default=20,
                    help="facilities per kind timed for the isochrone recipe (scaled to all)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    std = three_kind_standards()
    t0 = time.perf_counter()
    net, communities, facilities = make_city(nodes=args.nodes, compounds=args.compounds,
                                             facilities=args.facilities, seed=args.seed)
    gen_s = time.perf_counter() - t0
    print(f"city: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(communities):,} compounds,"
          f" {len(facilities):,} facilities ({', '.join(KINDS)}); generated in {gen_s:.1f} s")

    # each run gets a fresh copy of the network, so none reuses another's cached trees; the
    # machine is shared, so reach (short) is the best of three
    reach_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        reach = compute_coverage(communities, facilities, standards=std,
                                 network=dataclasses.replace(net), areas=False)
        reach_times.append(time.perf_counter() - t0)
    reach_s = min(reach_times)
    print(f"reach: {', '.join(f'{t:.2f}' for t in reach_times)} s", flush=True)
    warm_net = dataclasses.replace(net)
    compute_coverage(communities, facilities, standards=std, network=warm_net, areas=False)
    warm_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        compute_coverage(communities, facilities, standards=std, network=warm_net, areas=False)
        warm_times.append(time.perf_counter() - t0)
    warm_s = min(warm_times)
    print(f"reach, network already joined to the compounds: "
          f"{', '.join(f'{t:.3f}' for t in warm_times)} s", flush=True)
    t0 = time.perf_counter()
    full = compute_coverage(communities, facilities, standards=std,
                            network=dataclasses.replace(net))
    full_s = time.perf_counter() - t0
    print(f"full run: {full_s:.2f} s", flush=True)
    pd.testing.assert_frame_equal(reach.table, full.table)
    # the app's re-run: the streets layer (as a plan gets it), then the same streets with one
    # EV charger more (a site the planner drew): the second run finds the network it built,
    # with its blocks, the compounds' access points and the service areas of the two kinds
    # whose facilities did not change
    streets = gpd.GeoDataFrame({"road_class": ["residential"] * len(net.lines)},
                               geometry=net.lines, crs=net.crs)
    drawn = pd.concat([facilities, gpd.GeoDataFrame(
        {"kind": ["ev_charger"]}, geometry=[communities.geometry.iloc[0].centroid],
        crs=CRS, index=pd.Index(["DRAWN"], name="facility_id"))])
    rerun_times = []
    for fac in (facilities, drawn):
        t0 = time.perf_counter()
        again = compute_coverage(communities, fac, standards=std, network=streets.copy())
        rerun_times.append(time.perf_counter() - t0)
        if fac is facilities:
            pd.testing.assert_frame_equal(again.table, full.table)
    print(f"full run from the streets layer: {rerun_times[0]:.2f} s; again with one EV charger "
          f"more: {rerun_times[1]:.2f} s", flush=True)

    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(len(communities), size=min(args.sample, len(communities)),
                                replace=False))
    ref, nx_s, nx_build_s, nx_multi = networkx_reference(net, communities, facilities, std,
                                                          sample)
    nx_all_s = nx_s / sample.size * len(communities)
    recipe = isochrone_recipe_reference(net, communities, facilities, std, args.recipe_sample,
                                        np.random.default_rng(args.seed + 2))
    usual_full_s = nx_all_s + sum(recipe.values())
    print(f"isochrone recipe ({args.recipe_sample} facilities per kind, scaled): "
          f"{', '.join(f'{k} {v:.1f}' for k, v in recipe.items())}", flush=True)

    mpm = std.walking.metres_per_minute
    cutoff = max(lv.minutes for lv in std.life_circle) * mpm
    diffs = []
    mismatched = 0
    compared = 0
    for k in KINDS:
        ours = full.table[f"walk_minutes_{k}"].to_numpy()[sample] * mpm
        ours = np.where(np.isnan(ours), np.inf, ours)
        within = ours <= cutoff
        mismatched += int(np.sum(within != np.isfinite(ref[k])))
        both = within & np.isfinite(ref[k])
        compared += int(both.sum())
        diffs.append(np.abs(ours[both] - ref[k][both]))
    max_diff = float(np.max(np.concatenate(diffs))) if compared else float("nan")

    rows = [
        ("ours: reach (3 multi-source searches)", reach_s, len(communities)),
        ("ours: reach, compounds already joined (warm)", warm_s, len(communities)),
        ("ours: full run (reach + service areas + gaps)", full_s, len(communities)),
        ("ours: full run from the streets layer", rerun_times[0], len(communities)),
        ("ours: again with one EV charger more (app re-run)", rerun_times[1],
         len(communities)),
        (f"networkx single_source_dijkstra, {sample.size} compounds", nx_s, sample.size),
        ("networkx single_source_dijkstra, scaled to all", nx_all_s, len(communities)),
        ("usual full run: the above + isochrone recipe, scaled", usual_full_s,
         len(communities)),
        ("networkx multi_source (one per kind), reference", sum(nx_multi.values()),
         len(communities)),
    ]
    print(f"\n{'method':<52}{'seconds':>10}{'compounds':>11}")
    for name, secs, n in rows:
        print(f"{name:<52}{secs:>10.3f}{n:>11,}")
    result = {
        "nodes": net.n_nodes, "edges": net.n_edges, "compounds": len(communities),
        "facilities": len(facilities), "sample": int(sample.size),
        "ours_reach_s": round(reach_s, 3), "ours_reach_warm_s": round(warm_s, 3),
        "ours_full_s": round(full_s, 3),
        "ours_full_from_streets_s": round(rerun_times[0], 3),
        "ours_full_rerun_s": round(rerun_times[1], 3),
        "networkx_sample_s": round(nx_s, 3), "networkx_scaled_s": round(nx_all_s, 3),
        "networkx_build_s": round(nx_build_s, 3),
        "networkx_multi_source_s": round(sum(nx_multi.values()), 3),
        "speedup_vs_networkx": round(nx_all_s / full_s, 1),
        "usual_full_scaled_s": round(usual_full_s, 3),
        "recipe_isochrones_s": round(recipe["isochrones_s"], 3),
        "recipe_unions_s": round(recipe["unions_s"], 3),
        "recipe_gaps_s": round(recipe["gaps_s"], 3),
        "speedup_full_vs_usual_full": round(usual_full_s / full_s, 1),
        "speedup_reach_vs_networkx": round(nx_all_s / reach_s, 1),
        "speedup_reach_warm_vs_networkx": round(nx_all_s / warm_s, 1),
        "max_abs_diff_m": max_diff, "pairs_compared": compared,
        "cutoff_disagreements": mismatched,
        "service_areas": len(full.service_areas), "gap_rows": len(full.gaps),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
    }
    print(f"\nfull run against the usual full run (per-compound searches + isochrone "
          f"polygons per facility + unions + gaps): {result['speedup_full_vs_usual_full']}x")
    print(f"speed-up vs networkx per compound: full run {result['speedup_vs_networkx']}x, "
          f"reach {result['speedup_reach_vs_networkx']}x (warm "
          f"{result['speedup_reach_warm_vs_networkx']}x); max |difference| "
          f"{max_diff:.2e} m over {compared} compound-kind pairs, {mismatched} disagreements "
          f"on the {cutoff:.0f} m cutoff")
    print(pd.Series({k: round(v, 3) for k, v in nx_multi.items()},
                    name="networkx multi-source s").to_string())
    return result
