"""Life-circle coverage: distances against networkx, the cut at the threshold, awkward cases."""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo.errors import CRSError, LayerValidationError
from geo.network import (
    join_polygons,
    network_from_arrays,
    network_from_lines,
    snap_points,
    snap_polygons,
)
from planning.coverage import (
    compute_coverage,
    outside_circle,
    straight_line_method,
    walk_distance_matrix,
    walking_network,
)
from planning.standards import load_standards
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points

MPM = 75.0  # metres per minute at 4.5 km/h


@pytest.fixture(scope="module")
def std():
    return load_standards()


def _two_kinds(std):
    return dataclasses.replace(std, kinds={k: std.kinds[k] for k in ("elderly_care", "parking")})


def _streets(lines, classes=None):
    return gpd.GeoDataFrame({"road_class": classes or ["residential"] * len(lines)},
                            geometry=lines, crs=CRS_GK)


def _compounds(polys, households=None):
    n = len(polys)
    return gpd.GeoDataFrame({"community_id": [f"C{i}" for i in range(n)],
                             "households": households or [100] * n,
                             "population": [300] * n, "elderly_share": [0.2] * n},
                            geometry=polys, crs=CRS_GK).set_index("community_id")


def _facilities(xy, kinds):
    return gpd.GeoDataFrame({"facility_id": [f"F{i}" for i in range(len(xy))], "kind": kinds},
                            geometry=[Point(p) for p in xy], crs=CRS_GK).set_index("facility_id")


# ----------------------------------------------------------------------------- vs networkx


def test_multi_source_minutes_match_brute_force_networkx(std, rng):
    """Nearest facility per kind, against all-pairs networkx plus the gate/snap arithmetic."""
    side, spacing = 9, 80.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.stack([jj.ravel(), ii.ravel()], axis=1) * spacing + rng.uniform(-12, 12, (81, 2))
    idx = np.arange(side * side).reshape(side, side)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    keep = rng.random(u.size) > 0.15
    net = network_from_arrays(xy, u[keep], v[keep], crs=CRS_GK, planar=True)
    cells = rng.choice((side - 1) ** 2, 20, replace=False)
    ci, cj = np.divmod(cells, side - 1)
    centre = (xy[idx[ci, cj]] + xy[idx[ci + 1, cj + 1]]) / 2
    polys = [box(x - 20, y - 15, x + 20, y + 15) for x, y in centre]
    comm = _compounds(polys)
    fxy = rng.uniform(0, (side - 1) * spacing, (9, 2))
    fac = _facilities(fxy, ["elderly_care", "parking", "parking"] * 3)
    two = _two_kinds(std)
    res = compute_coverage(comm, fac, standards=two, network=net)

    # reference: networkx distances between the street nodes, and the snap arithmetic by hand
    G = nx.Graph()
    for a, b, w in zip(net.edge_u, net.edge_v, net.edge_length, strict=True):
        G.add_edge(int(a), int(b), length=float(w))
    D = dict(nx.all_pairs_dijkstra_path_length(G, weight="length"))
    gates = snap_polygons(net, comm.geometry.values, tolerance_m=two.walking.snap_tolerance_m,
                          access_points=two.walking.access_points)
    fs = snap_points(net, fac.geometry.values, tolerance_m=two.walking.snap_tolerance_m)

    def ends(e, t):
        return ((int(net.edge_u[e]), t), (int(net.edge_v[e]), net.edge_length[e] - t))

    for kind in ("elderly_care", "parking"):
        got = res.table[f"walk_minutes_{kind}"].to_numpy() * MPM
        for c in range(len(comm)):
            best = np.inf
            for g in np.flatnonzero(gates.owner == c):
                for f in np.flatnonzero(fac["kind"].to_numpy() == kind):
                    cg, cf = gates.connector_m[g], fs.connector_m[f]
                    eg, ef = gates.edge[g], fs.edge[f]
                    if eg == ef:
                        best = min(best, cg + abs(gates.offset[g] - fs.offset[f]) + cf)
                    for (a, da), (b, db) in itertools.product(ends(eg, gates.offset[g]),
                                                              ends(ef, fs.offset[f])):
                        if b in D.get(a, {}):
                            best = min(best, cg + da + D[a][b] + db + cf)
            if np.isfinite(best):
                assert got[c] == pytest.approx(best, abs=1e-6)
            else:
                assert np.isnan(got[c])


def test_walking_network_takes_the_fragment_length_from_the_standards(std):
    lone = LineString([(ORIGIN_X + 3000, ORIGIN_Y), (ORIGIN_X + 3600, ORIGIN_Y)])
    streets = pd.concat([lattice_streets(3), _streets([lone])], ignore_index=True)
    assert walking_network(streets, std).component_report()["fragment"].tolist() == \
        [False, True]  # 600 m < the bundled 1,000 m
    shorter = std.replace(walking={"min_component_m": 500.0})
    assert walking_network(streets, shorter).component_report()["fragment"].tolist() == \
        [False, False]


def test_osm_streets_meet_only_at_shared_nodes_bureau_lines_where_they_cross(std):
    # a footbridge over a street: two lines crossing with no vertex in common
    road = LineString([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 1200, ORIGIN_Y)])
    bridge = LineString([(ORIGIN_X + 600, ORIGIN_Y - 600), (ORIGIN_X + 600, ORIGIN_Y + 600)])
    bureau = _streets([road, bridge])
    osm = bureau.set_axis(pd.Index(["osm_way_11", "osm_way_12"], name="street_id"))
    noded = walking_network(bureau, std)
    assert (noded.n_nodes, int(noded.component.max()) + 1) == (5, 1)
    apart = walking_network(osm, std)
    assert (apart.n_nodes, int(apart.component.max()) + 1) == (4, 2)


def test_the_same_streets_give_the_same_network_until_two_others_were_built(std, monkeypatch):
    from planning import coverage

    monkeypatch.setattr(coverage, "_NETWORKS", {})
    streets = lattice_streets(3)
    net = walking_network(streets, std)
    assert walking_network(streets.copy(), std) is net  # by content, not by object
    with pytest.raises(ValueError, match="read-only"):
        net.edge_length[0] = 1.0
    # each of these changes how the streets are walked, so each gets a network of its own
    moved = streets.set_geometry(np.r_[shapely.affinity.translate(streets.geometry.iloc[0], 0, 30),
                                        streets.geometry.values[1:]], crs=streets.crs)
    motorway = streets.assign(road_class=["motorway"] + ["residential"] * (len(streets) - 1))
    osm_ids = streets.set_axis(pd.Index([f"osm_way_{i}" for i in range(len(streets))]))
    others = [walking_network(moved, std), walking_network(motorway, std),
              walking_network(osm_ids, std),
              walking_network(streets, std.replace(walking={"min_component_m": 10.0})),
              walking_network(streets.to_crs("EPSG:4490").to_crs("EPSG:4548"), std)]
    assert all(o is not net for o in others)
    assert others[1].n_edges == net.n_edges - 1  # the motorway is not walked
    assert others[1].edge_length.sum() == pytest.approx(net.edge_length.sum() - 120.0)
    assert len(coverage._NETWORKS) == 2  # the last two layers only
    again = walking_network(streets, std)
    assert again is not net
    assert (again.n_nodes, again.n_edges) == (net.n_nodes, net.n_edges)
    assert np.array_equal(again.edge_length, net.edge_length)


def test_a_second_plan_on_the_same_streets_builds_no_network_and_gives_the_same_plan(
        monkeypatch):
    from planning import coverage
    from planning.sample import load_sample
    from planning.scenario import Scenario, run_plan

    built = []

    def counted(*args, **kwargs):
        built.append(1)
        return network_from_lines(*args, **kwargs)

    monkeypatch.setattr(coverage, "_NETWORKS", {})
    monkeypatch.setattr(coverage, "network_from_lines", counted)
    layers = load_sample()
    first = run_plan(Scenario(layers=layers, standards=load_standards()))
    again = run_plan(Scenario(layers={**layers, "streets": layers["streets"].copy()},
                              standards=load_standards()))
    assert len(built) == 1
    pd.testing.assert_frame_equal(pd.DataFrame(again.communities),
                                  pd.DataFrame(first.communities))
    for name in ("service_areas", "gaps", "planned_facilities"):
        a, b = getattr(first, name), getattr(again, name)
        assert len(a) == len(b) > 0
        assert a.geometry.geom_equals_exact(b.geometry, 1e-9).all(), name


def test_coverage_again_builds_only_the_service_areas_of_kinds_whose_facilities_changed(
        std, monkeypatch):
    import geo.network_reach
    from planning import coverage
    from planning.sample import load_sample

    built = []
    build = geo.network_reach._area_parts

    def counted(*args, **kwargs):
        built.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(coverage, "_NETWORKS", {})
    monkeypatch.setattr(geo.network_reach, "_area_parts", counted)
    layers = load_sample()
    comm, fac, streets = layers["communities"], layers["facilities"], layers["streets"]
    first = compute_coverage(comm, fac, standards=std, network=streets)
    assert len(built) == len(first.service_areas) == 6 * 3
    again = compute_coverage(comm, fac.copy(), standards=std, network=streets.copy())
    assert len(built) == 18
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.service_areas.geometry.geom_equals_exact(first.service_areas.geometry, 0).all()
    # a new market beside a compound: the market's three levels are built again, nothing else
    market = _facilities([comm.geometry.iloc[0].centroid.coords[0]], ["market"])
    more = pd.concat([fac, market.rename(index={"F0": "NEW"})])
    moved = compute_coverage(comm, more, standards=std, network=streets)
    assert len(built) == 18 + 3
    monkeypatch.setattr(coverage, "_NETWORKS", {})  # the same, on a network built afresh
    fresh = compute_coverage(comm, more, standards=std, network=streets)
    pd.testing.assert_frame_equal(moved.table, fresh.table)
    assert moved.service_areas.geometry.geom_equals_exact(fresh.service_areas.geometry, 0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(moved.gaps), pd.DataFrame(fresh.gaps))
    is_market = moved.service_areas["kind"] == "market"
    assert (moved.service_areas.area[is_market] > first.service_areas.area[is_market]).all()


def test_progress_counts_the_service_areas_and_the_gaps(std):
    from planning.sample import load_sample

    layers = load_sample()
    calls: list[tuple[int, int]] = []
    compute_coverage(layers["communities"], layers["facilities"], standards=std,
                     network=layers["streets"], progress=lambda k, n: calls.append((k, n)))
    total = len(std.kinds) * len(std.life_circle) + 1
    assert calls == [(k, total) for k in range(1, total + 1)]
    calls.clear()
    compute_coverage(layers["communities"], layers["facilities"], standards=std,
                     network=layers["streets"], areas=False,
                     progress=lambda k, n: calls.append((k, n)))
    assert calls == []
    # without a network the straight-line discs count the same way
    compute_coverage(layers["communities"], layers["facilities"], standards=std,
                     progress=lambda k, n: calls.append((k, n)))
    assert calls[-1] == (total, total) and len(calls) == total


@pytest.mark.slow
def test_plan_and_pianqu_coverage_build_the_same_network_from_osm(std, helsinki_pbf):
    from geo.network import network_from_osm
    from geo.osm import read_osm

    streets = read_osm(helsinki_pbf)["streets"].to_crs("EPSG:3067")
    ours = walking_network(streets, std)
    theirs = network_from_osm(helsinki_pbf, crs="EPSG:3067")
    assert (ours.n_nodes, ours.n_edges) == (theirs.n_nodes, theirs.n_edges)
    assert ours.edge_length.sum() == pytest.approx(theirs.edge_length.sum())


@pytest.mark.slow
def test_facilities_over_helsinkis_service_tunnels_join_the_street_above(std, helsinki_pbf):
    # an EV charger in an underground car park (osm_node_1685729190) lies nearest a service
    # tunnel that surfaces 2 km away; snapped onto the tunnel, the compound 105 m from it
    # (Pääskynen, osm_way_37286930) was 9.9 minutes from a charger
    from geo.osm import read_osm

    layers = {k: v.to_crs("EPSG:3067") for k, v in read_osm(helsinki_pbf).items()}
    chargers = layers["facilities"][layers["facilities"]["kind"] == "ev_charger"]
    home = layers["communities"].loc["osm_way_37286930"]
    assert home.geometry.distance(chargers.geometry).min() < 110
    result = compute_coverage(layers["communities"], chargers, standards=std,
                              network=layers["streets"], areas=False)
    minutes = result.table.loc["osm_way_37286930", "walk_minutes_ev_charger"]
    assert 110 / MPM < minutes < 4.0
    # no charger is further on foot than the straight line from each compound allows at worst
    straight = np.array([chargers.distance(g).min() for g in layers["communities"].geometry])
    walked = result.table["walk_minutes_ev_charger"].to_numpy() * MPM
    assert (walked >= straight - 1e-6).all() and (walked < 3 * np.maximum(straight, 100)).all()


def test_distance_matrix_agrees_with_coverage(std):
    grid, streets = block_grid(4), lattice_streets(5)
    sites = points([(230, 250), (470, -10), (-10, 100)], kind="parking", prefix="S")
    m = walk_distance_matrix(grid, sites, standards=std, network=streets, cutoff_m=5000.0)
    assert m.shape == (16, 3)
    for j in range(3):
        res = compute_coverage(grid, sites.iloc[[j]], standards=std, network=streets)
        minutes = res.table["walk_minutes_parking"].to_numpy()
        assert m.toarray()[:, j] == pytest.approx(minutes * MPM, abs=1e-6)
    capped = walk_distance_matrix(grid, sites, standards=std, network=streets, cutoff_m=200.0)
    assert capped.data.max() <= 200.0
    assert capped.nnz < m.nnz
    full = m.toarray()
    assert ((full <= 200.0) == (capped.toarray() > 0) | ((full == 0) & (m.toarray() == 0))).all()


# ----------------------------------------------------------------------------- hand-worked


def test_hand_worked_block_grid(std):
    """C00 is the box (0,0)-(100,100); its south gate is at (50, -10), 10 m out."""
    grid, streets = block_grid(4), lattice_streets(5)
    fac = points([(50, -30)], kind="elderly_care")  # 20 m south of the street below C00
    res = compute_coverage(grid, fac, standards=std, network=streets)
    t = res.table
    assert t.loc["C00", "walk_minutes_elderly_care"] == pytest.approx((10 + 20) / MPM)
    # C01 (x 120-220): its south gate at (170, -10); walk 120 m along the street
    assert t.loc["C01", "walk_minutes_elderly_care"] == pytest.approx((10 + 120 + 20) / MPM)
    assert t.loc["C00", "covered_elderly_care_5min"]
    assert t.loc["C00", "access_points"] == 4
    assert t["distance_method"].eq("network").all()


def test_cut_at_the_exact_threshold(std):
    street = _streets([LineString([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 2000, ORIGIN_Y)])])
    fac = _facilities([(ORIGIN_X, ORIGIN_Y)], ["parking"])
    comm = _compounds([box(ORIGIN_X + 300, ORIGIN_Y + 10, ORIGIN_X + 360, ORIGIN_Y + 70),
                       box(ORIGIN_X + 900, ORIGIN_Y + 10, ORIGIN_X + 940, ORIGIN_Y + 50)])
    res = compute_coverage(comm, fac, standards=_two_kinds(std), network=street, buffer_m=30.0)
    sa = res.service_areas.set_index(["kind", "minutes"]).geometry
    five = sa[("parking", 5)]
    expect = LineString([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 375, ORIGIN_Y)]).buffer(
        30, quad_segs=4)
    # the cut is exact; the polygon's vertices are rounded to the millimetre (Clipper)
    assert shapely.hausdorff_distance(five.exterior, expect.exterior) < 1e-3
    assert five.symmetric_difference(expect).area < 0.1
    assert five.contains(Point(ORIGIN_X + 375 + 29.9, ORIGIN_Y))
    assert not five.contains(Point(ORIGIN_X + 375 + 30.1, ORIGIN_Y))
    fifteen = sa[("parking", 15)]
    assert fifteen.bounds[2] == pytest.approx(ORIGIN_X + 1125 + 30)
    # C0 at 330 m + 10 m gate: covered at 5 min; C1 at 920 + 10 m: only at 15 min
    t = res.table
    assert t["walk_minutes_parking"].to_numpy() == pytest.approx([340 / MPM, 930 / MPM])
    assert t["covered_parking_5min"].tolist() == [True, False]
    assert t["covered_parking_15min"].tolist() == [True, True]
    # gaps at the 5-minute threshold: C0 partly (35 m left at its gate (330, 10) does not
    # reach its corner (300, 70), 67 m away), C1 whole
    gaps = res.gaps[res.gaps["kind"] == "parking"].set_index("community_id")
    assert 0 < gaps.loc["C0", "share"] < 1
    assert gaps.loc["C1", "share"] == pytest.approx(1.0)


def test_facility_half_way_along_a_street_reaches_both_ways(std):
    # the facility 10 m off a 2 km street, half-way along: it starts inside the street's edge
    street = _streets([LineString([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 2000, ORIGIN_Y)])])
    fac = _facilities([(ORIGIN_X + 1000, ORIGIN_Y + 10)], ["parking"])
    comm = _compounds([box(ORIGIN_X + 1200, ORIGIN_Y - 70, ORIGIN_X + 1260, ORIGIN_Y - 10)])
    res = compute_coverage(comm, fac, standards=_two_kinds(std), network=street, buffer_m=30.0)
    five = res.service_areas.set_index(["kind", "minutes"]).geometry[("parking", 5)]
    walk = 375 - 10  # five minutes less the connector, each way along the street
    expect = shapely.union_all([
        LineString([(ORIGIN_X + 1000 - walk, ORIGIN_Y), (ORIGIN_X + 1000 + walk, ORIGIN_Y)]),
        LineString([(ORIGIN_X + 1000, ORIGIN_Y + 10), (ORIGIN_X + 1000, ORIGIN_Y)]),
    ]).buffer(30, quad_segs=4)
    assert five.symmetric_difference(expect).area < 0.1
    # connector 10 m, 230 m along the street, 10 m to the compound's gate at (1230, -10)
    assert res.table["walk_minutes_parking"].iloc[0] == pytest.approx((10 + 230 + 10) / MPM)


def test_rerun_with_other_facilities_on_the_same_network_matches_a_fresh_one(std, rng):
    """The network remembers the compounds' access points; nothing about facilities sticks."""
    net = network_from_lines(lattice_streets(7))
    grid = block_grid(6)
    two = _two_kinds(std)
    for _ in range(3):
        fxy = rng.uniform(-30, 700, (5, 2))
        fac = points([tuple(p) for p in fxy], kind="parking")
        fac["kind"] = ["parking", "elderly_care", "parking", "elderly_care", "parking"]
        again = compute_coverage(grid, fac, standards=two, network=net)
        fresh = compute_coverage(grid, fac, standards=two, network=dataclasses.replace(net))
        pd.testing.assert_frame_equal(again.table, fresh.table)
        for a, b in zip(again.service_areas.geometry, fresh.service_areas.geometry,
                        strict=True):
            assert a.equals(b)
        pd.testing.assert_frame_equal(again.gaps.drop(columns="geometry"),
                                      fresh.gaps.drop(columns="geometry"))
    assert len(net.__dict__["_polygon_joins"]) == 1


def test_facility_off_the_network_counts_its_connector_and_far_one_is_reported(std):
    street = _streets([LineString([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 1000, ORIGIN_Y)])])
    comm = _compounds([box(ORIGIN_X + 480, ORIGIN_Y + 10, ORIGIN_X + 520, ORIGIN_Y + 50)])
    fac = _facilities([(ORIGIN_X + 100, ORIGIN_Y - 40), (ORIGIN_X + 500, ORIGIN_Y - 900)],
                      ["parking", "elderly_care"])
    res = compute_coverage(comm, fac, standards=_two_kinds(std), network=street)
    t = res.table.iloc[0]
    assert t["walk_minutes_parking"] == pytest.approx((10 + 400 + 40) / MPM)
    assert np.isnan(t["walk_minutes_elderly_care"])
    assert "no facility of this kind is on the network" in t["reason_elderly_care"]
    assert res.facilities.loc["F0", "connector_m"] == pytest.approx(40)
    assert "not connected" in res.facilities.loc["F1", "reason"]
    assert res.facilities.loc["F0", "reason"] is None


def test_disconnected_fragment_and_no_street_are_reasons_not_silent_snaps(std):
    main = lattice_streets(5)
    fragment = _streets([LineString([(ORIGIN_X + 3000, ORIGIN_Y),
                                     (ORIGIN_X + 3060, ORIGIN_Y)])], ["footway"])
    streets = gpd.GeoDataFrame(pd.concat([main, fragment], ignore_index=True), crs=CRS_GK)
    comm = _compounds([box(ORIGIN_X, ORIGIN_Y, ORIGIN_X + 100, ORIGIN_Y + 100),
                       box(ORIGIN_X + 3000, ORIGIN_Y + 10, ORIGIN_X + 3060, ORIGIN_Y + 60),
                       box(ORIGIN_X + 9000, ORIGIN_Y, ORIGIN_X + 9050, ORIGIN_Y + 50)])
    fac = _facilities([(ORIGIN_X + 230, ORIGIN_Y + 250), (ORIGIN_X + 3030, ORIGIN_Y - 5)],
                      ["parking", "parking"])
    res = compute_coverage(comm, fac, standards=_two_kinds(std), network=streets)
    t = res.table
    assert np.isfinite(t.loc["C0", "walk_minutes_parking"])
    # C1 sits by a 60 m fragment (with a facility on it): not connected, and says so
    assert np.isnan(t.loc["C1", "walk_minutes_parking"])
    assert "isolated fragment of 60 m" in t.loc["C1", "reason_parking"]
    assert "no walkable street within 150 m" in t.loc["C2", "reason_parking"]
    assert t.loc["C1", "access_points"] == 0
    assert not t.loc[["C1", "C2"], "covered_parking"].any()
    assert res.network_report["fragment"].tolist() == [False, True]
    assert "fragment of 60 m" in res.facilities.loc["F1", "reason"]
    assert set(res.gaps.query("kind == 'parking'")["community_id"]) >= {"C1", "C2"}


def test_the_list_of_compounds_outside_a_circle_says_who_and_why(std):
    # C0 by the parking lot, C1 on a lattice corner far from it, C2 by an isolated footway, C3
    # by nothing at all; households out of step with the ids, so the order is checked
    main = lattice_streets(5)
    fragment = _streets([LineString([(ORIGIN_X + 3000, ORIGIN_Y),
                                     (ORIGIN_X + 3060, ORIGIN_Y)])], ["footway"])
    streets = gpd.GeoDataFrame(pd.concat([main, fragment], ignore_index=True), crs=CRS_GK)
    comm = _compounds([box(ORIGIN_X + 10, ORIGIN_Y + 10, ORIGIN_X + 90, ORIGIN_Y + 90),
                       box(ORIGIN_X + 310, ORIGIN_Y + 310, ORIGIN_X + 390, ORIGIN_Y + 390),
                       box(ORIGIN_X + 3000, ORIGIN_Y + 10, ORIGIN_X + 3060, ORIGIN_Y + 60),
                       box(ORIGIN_X + 9000, ORIGIN_Y, ORIGIN_X + 9050, ORIGIN_Y + 50)],
                      households=[100, 250, 400, 250])
    comm["name"] = ["甲", "乙", "丙", "丁"]
    fac = _facilities([(ORIGIN_X + 50, ORIGIN_Y - 5)], ["parking"])
    res = compute_coverage(comm, fac, standards=_two_kinds(std), network=streets)
    table = comm.join(res.table)
    minutes = table["walk_minutes_parking"]
    assert minutes["C0"] < 5 < minutes["C1"] < 15
    out = outside_circle(table, "parking", 5)
    # the three the 5-minute circle misses, most households first (ties by id)
    assert out["community_id"].tolist() == ["C2", "C1", "C3"]
    assert out["name"].tolist() == ["丙", "乙", "丁"]
    assert out["households"].tolist() == [400, 250, 250]
    assert out["elderly"].tolist() == [60, 60, 60]  # 300 people x 0.2
    assert out["walk_minutes"].iloc[1] == round(minutes["C1"], 1)
    assert out["walk_minutes"].iloc[[0, 2]].isna().all()
    assert out["reason"].iloc[1] == "超出5分钟 / beyond 5 min"
    assert out["reason"].iloc[0] == table.loc["C2", "reason_parking"]
    assert "isolated fragment" in out["reason"].iloc[0]
    assert "no walkable street" in out["reason"].iloc[2]
    # the list is the covered flags' complement, level by level
    for level in (5, 10, 15):
        missed = ~table[f"covered_parking_{level}min"]
        assert set(outside_circle(table, "parking", level)["community_id"]) \
            == set(table.index[missed])
    assert outside_circle(table, "parking", 15)["community_id"].tolist() == ["C2", "C3"]
    # a kind nobody offers leaves every compound out, and says why
    none = outside_circle(table, "elderly_care", 15)
    assert len(none) == 4 and none["reason"].str.contains("no facility of this kind").all()
    assert outside_circle(table.iloc[:0], "parking", 5).empty


@pytest.mark.parametrize("streets", [True, False], ids=["network", "straight line"])
def test_a_kind_planning_does_not_use_is_ignored_and_said_so(std, streets):
    # the reader keeps 图书馆 and library as written ("ignored by coverage and siting"): they
    # must neither stop the run nor reach anybody
    grid = block_grid(3)
    known = points([(50, -10), (250, 250)], kind="parking")
    odd = points([(150, 150), (20, 20)], kind="library", prefix="X")
    odd.loc["X1", "kind"] = "图书馆"
    network = lattice_streets(4) if streets else None
    alone = compute_coverage(grid, known, standards=_two_kinds(std), network=network)
    mixed = compute_coverage(grid, pd.concat([known, odd]), standards=_two_kinds(std),
                             network=network)
    pd.testing.assert_frame_equal(alone.table, mixed.table)
    pd.testing.assert_frame_equal(alone.summary, mixed.summary)
    assert mixed.facilities.loc[known.index, "reason"].isna().all()
    assert mixed.facilities.loc["X0", "reason"].startswith("规划不使用的设施类型“library”")
    assert "'图书馆' is not one the standards use: ignored" in mixed.facilities.loc["X1",
                                                                                    "reason"]
    assert mixed.facilities.loc["X1", "kind"] == "图书馆"
    # a facility with no kind at all is still a problem to fix, by row
    blank = pd.concat([known, odd])
    blank.loc["X0", "kind"] = None
    with pytest.raises(LayerValidationError) as err:
        compute_coverage(grid, blank, standards=_two_kinds(std), network=network)
    assert "X0" in str(err.value) and "设施类型为空" in str(err.value)


def test_kind_without_facility_and_completeness(std):
    grid, streets = block_grid(4), lattice_streets(5)
    fac = points([(50, -10)], kind="parking")
    res = compute_coverage(grid, fac, standards=std, network=streets)
    t = res.table
    for kind in ("elderly_care", "ev_charger", "clinic", "market", "kindergarten"):
        assert t[f"walk_minutes_{kind}"].isna().all()
        assert t[f"reason_{kind}"].str.contains("no facility of this kind").all()
        assert not t[f"covered_{kind}"].any()
    assert t["completeness_of"].eq(6).all()
    assert (t["completeness"] == t["covered_parking"].astype(int)).all()
    assert set(res.service_areas["kind"]) == {"parking"}
    # every compound is a whole gap for the kinds nobody offers
    gaps = res.gaps[res.gaps["kind"] == "clinic"]
    assert len(gaps) == 16 and gaps["share"].eq(1.0).all()


def test_summary_counts_households_and_elderly(std):
    grid = block_grid(2, households=lambda r, c: 100 * (1 + r * 2 + c))  # 100, 200, 300, 400
    streets = lattice_streets(3)
    fac = points([(50, -10)], kind="parking")  # by C00's south side
    res = compute_coverage(grid, fac, standards=_two_kinds(std), network=streets)
    minutes = res.table["walk_minutes_parking"]
    s = res.summary.set_index(["kind", "minutes"])
    for level in (5, 10, 15):
        covered = minutes <= level
        row = s.loc[("parking", level)]
        assert row["households_covered"] == grid.loc[covered, "households"].sum()
        elderly = (grid["population"] * grid["elderly_share"])[covered].sum()
        assert row["elderly_covered"] == round(elderly)
        assert row["households_total"] == 1000
    assert s.loc[("parking", 5), "threshold"]
    assert s.loc[("elderly_care", 5), "households_covered"] == 0


def test_areas_false_gives_the_same_table_without_layers(std):
    grid, streets = block_grid(4), lattice_streets(5)
    fac = points([(50, -10), (300, 300)], kind="parking")
    full = compute_coverage(grid, fac, standards=std, network=streets)
    quick = compute_coverage(grid, fac, standards=std, network=streets, areas=False)
    pd.testing.assert_frame_equal(full.table, quick.table)
    pd.testing.assert_frame_equal(full.summary, quick.summary)
    assert len(quick.service_areas) == 0 and len(quick.gaps) == 0
    assert list(quick.gaps.columns) == list(full.gaps.columns)


# ----------------------------------------------------------------------------- no network


def test_straight_line_fallback_is_labelled_and_uses_the_detour_factor(std):
    grid = block_grid(2)
    fac = points([(50, -100), (400, 400)], kind="market")
    res = compute_coverage(grid, fac, standards=std)
    label = straight_line_method(1.3)
    assert res.distance_method == label and res.table["distance_method"].eq(label).all()
    expect = grid.geometry.distance(Point(ORIGIN_X + 50, ORIGIN_Y - 100)).to_numpy()
    expect = np.minimum(expect, grid.geometry.distance(
        Point(ORIGIN_X + 400, ORIGIN_Y + 400)).to_numpy()) * 1.3
    assert res.table["walk_minutes_market"].to_numpy() * MPM == pytest.approx(expect)
    m = walk_distance_matrix(grid, fac, standards=std, cutoff_m=10_000)
    assert m.toarray().min(axis=1) == pytest.approx(expect)
    assert len(res.network_report) == 0
    assert set(res.service_areas["minutes"]) == {5, 10, 15}


# ----------------------------------------------------------------------------- inputs


def test_bad_inputs_are_listed_at_once(std):
    grid = block_grid(2)
    grid.loc["C01", "households"] = np.nan
    grid.loc["C10", "households"] = -5
    fac = points([(0, 0), (10, 10)], kind="parking")
    fac.loc["F1", "kind"] = None  # no kind at all (an unknown one is ignored, tested above)
    with pytest.raises(LayerValidationError) as err:
        compute_coverage(grid, fac, standards=std)
    assert "C01" in str(err.value) and "C10" in str(err.value)
    with pytest.raises(LayerValidationError, match="F1"):
        compute_coverage(block_grid(2), fac, standards=std)
    with pytest.raises(CRSError):
        compute_coverage(block_grid(2).to_crs(4326), points([(0, 0)]), standards=std)


def test_empty_layers(std):
    grid, streets = block_grid(2), lattice_streets(3)
    none = points([(0, 0)]).iloc[:0]
    res = compute_coverage(grid, none, standards=std, network=streets)
    assert len(res.table) == 4 and res.table["walk_minutes_parking"].isna().all()
    assert len(res.service_areas) == 0
    empty = compute_coverage(grid.iloc[:0], points([(0, 0)]), standards=std, network=streets)
    assert len(empty.table) == 0 and len(empty.gaps) == 0


# ----------------------------------------------------------------------------- sample


def test_sample_district_every_compound_comes_out(sample_layers, std):
    comm = sample_layers["communities"]
    res = compute_coverage(comm, sample_layers["facilities"], standards=std,
                           network=network_from_lines(sample_layers["streets"]))
    t = res.table
    assert t.index.equals(comm.index)
    for kind in std.kinds:
        has = t[f"walk_minutes_{kind}"].notna()
        assert (has ^ t[f"reason_{kind}"].notna()).all()  # minutes, or the reason why not
        assert (t[f"walk_minutes_{kind}"] >= 0).where(has, True).all()
    assert len(res.service_areas) == len(std.kinds) * len(std.life_circle)
    assert shapely.is_valid(res.service_areas.geometry.values).all()
    assert shapely.is_valid(res.gaps.geometry.values).all()
    # a compound's gap never exceeds the compound
    area = comm.geometry.area.reindex(res.gaps["community_id"]).to_numpy()
    assert (res.gaps["area_m2"].to_numpy() <= area + 0.05).all()  # area_m2 is rounded to 0.1


def test_the_same_streets_saved_in_another_crs_give_the_same_minutes(sample_layers, std):
    # a planner's streets come back from QGIS in Web Mercator or lon/lat: the coordinates move
    # by micrometres, and the gates must not (ties between equally near streets used to be
    # broken by edge number, and moved C0211's minutes to elderly care from 7.4 to 5.2)
    comm, fac = sample_layers["communities"], sample_layers["facilities"]
    streets = sample_layers["streets"]
    runs = [compute_coverage(comm, fac, standards=std, areas=False,
                             network=network_from_lines(s.to_crs(streets.crs)))
            for s in (streets, streets.to_crs(3857), streets.to_crs(4326))]
    for other in runs[1:]:
        for kind in std.kinds:
            np.testing.assert_allclose(other.table[f"walk_minutes_{kind}"],
                                       runs[0].table[f"walk_minutes_{kind}"], atol=1e-6)
        assert other.table["access_points"].equals(runs[0].table["access_points"])


def test_gates_are_distinct_places_and_streets_that_tie_all_get_one(sample_layers, std):
    net = network_from_lines(sample_layers["streets"])
    polys = sample_layers["communities"].geometry.values
    w, k = std.walking, std.walking.access_points
    join = join_polygons(net, polys, tolerance_m=w.snap_tolerance_m, access_points=k)
    snap = join.snap
    # no compound walks out twice at one place (two streets meeting at a corner used to give
    # it two gates at the corner node, and 179 of the 468 compounds wasted gates that way)
    node = pd.DataFrame({"owner": snap.owner, "node": join.node})
    assert not node.duplicated().any()
    assert node.groupby("owner").size().max() > k  # the sample has ties, all kept
    # brute force, compound by compound: every walkable edge within the tolerance of the
    # outline gives the point of it facing the compound's centre, one per place (at its
    # nearest edge); the gates are the places of the k nearest edges and of every edge as near
    # as the k-th (to the centimetre)
    edges = net.edge_geometry()
    usable = np.flatnonzero(~net.edge_is_fragment)
    gate_at = join.net.xy[join.node]
    for i in range(0, len(polys), 7):  # every 7th compound: 67 of them
        d = shapely.distance(polys[i].boundary, edges[usable])
        near = d <= w.snap_tolerance_m
        at = shapely.line_interpolate_point(
            edges[usable[near]], shapely.line_locate_point(edges[usable[near]],
                                                           polys[i].centroid))
        place = pd.DataFrame({"x": np.round(shapely.get_x(at), 3),
                              "y": np.round(shapely.get_y(at), 3), "d": d[near]})
        place = place.sort_values("d", kind="stable").drop_duplicates(["x", "y"])
        kth = place["d"].iloc[min(k, len(place)) - 1]
        expected = place[place["d"] <= kth + 0.01]
        got = np.round(gate_at[snap.owner == i], 3)
        assert sorted(map(tuple, got)) == sorted(zip(expected["x"], expected["y"], strict=True)), i


# ----------------------------------------------------------------------------- command line


def test_pianqu_coverage_writes_table_and_layers_for_the_sample(tmp_path, capsys):
    import pyogrio

    from planning.cli import main

    assert main(["coverage", "--out", str(tmp_path)]) == 0
    raw = (tmp_path / "coverage_table.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese names
    table = pd.read_csv(tmp_path / "coverage_table.csv", encoding="utf-8-sig",
                        index_col="community_id")
    layers = dict(pyogrio.list_layers(tmp_path / "coverage.gpkg"))
    assert {"communities", "service_areas", "gaps", "summary"} <= set(layers)
    sa = gpd.read_file(tmp_path / "coverage.gpkg", layer="service_areas")
    assert len(sa) == 18 and sa.crs.to_epsg() == 4547
    assert "walk_minutes_elderly_care" in table.columns and len(table) > 100
    assert table["distance_method"].eq("network").all()
    out = capsys.readouterr().out
    assert "步行可达性 / walking coverage" in out and "养老服务设施" in out

    assert main(["coverage", "--no-network", "--out", str(tmp_path / "flat")]) == 0
    flat = pd.read_csv(tmp_path / "flat" / "coverage_table.csv", encoding="utf-8-sig")
    assert flat["distance_method"].str.startswith("straight_line_x1.3").all()


@pytest.mark.slow
def test_pianqu_coverage_on_an_osm_extract(tmp_path, helsinki_pbf):
    """Compounds, facilities and streets all from one PBF (Helsinki, so an explicit CRS)."""
    from planning.cli import main

    out = tmp_path / "hel"
    assert main(["coverage", "--osm", helsinki_pbf, "--crs", "EPSG:3067", "--out", str(out)]) == 0
    table = pd.read_csv(out / "coverage_table.csv", encoding="utf-8-sig")
    assert len(table) > 0 and table["distance_method"].eq("network").all()
    # OpenStreetMap has no households: the table says they are estimates, and how made
    assert table["households_estimated"].all() and table["households_method"].notna().all()
    comps = gpd.read_file(out / "coverage.gpkg", layer="network_components")
    assert comps["fragment"].iloc[1:].all() and not comps["fragment"].iloc[0]
    # every compound has minutes or a reason, for every kind
    for kind in ("parking", "kindergarten"):
        assert (table[f"walk_minutes_{kind}"].notna() ^ table[f"reason_{kind}"].notna()).all()
