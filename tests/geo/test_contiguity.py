from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from geo.contiguity import adjacency, links_within
from geo.errors import CRSError, LayerValidationError
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y

# block_grid: 100 m blocks, 20 m streets. Rook neighbours are 20 m apart, diagonal ones
# sqrt(20² + 20²) = 28.28 m apart.
DIAG = float(np.hypot(20, 20))


def _brute_force(gdf: gpd.GeoDataFrame, tol: float) -> set[tuple[str, str]]:
    out = set()
    for a, b in itertools.combinations(gdf.index, 2):
        if gdf.geometry[a].distance(gdf.geometry[b]) <= tol:
            out.add((a, b))
    return out


def _edge_set(adj) -> set[tuple[str, str]]:
    return {tuple(sorted((a, b))) for a, b, _ in adj.edges()}


def test_rook_neighbours_across_streets_match_a_grid_graph(grid4) -> None:
    adj = adjacency(grid4, gap_tolerance_m=25)
    expected = nx.relabel_nodes(nx.grid_2d_graph(4, 4), lambda rc: f"C{rc[0]}{rc[1]}")
    assert _edge_set(adj) == {tuple(sorted(e)) for e in expected.edges()}
    assert np.allclose(adj.gap_m, 20.0)
    assert adj.n_blocked == 0 and len(adj.islands()) == 0


def test_tolerance_decides_diagonals_and_islands(grid4) -> None:
    wide = adjacency(grid4, gap_tolerance_m=30)
    assert _edge_set(wide) == _brute_force(grid4, 30)
    assert len(wide.pairs) == 24 + 18  # rook plus both diagonals of the 9 street crossings
    assert np.isclose(wide.gap_m.max(), DIAG)
    narrow = adjacency(grid4, gap_tolerance_m=10)
    assert len(narrow.pairs) == 0
    assert list(narrow.islands()) == list(grid4.index)
    assert narrow.degree().eq(0).all()


def test_railway_between_columns_cuts_every_crossing_link(grid4) -> None:
    x = ORIGIN_X + 2 * 120 - 10  # the middle of the street between columns 1 and 2
    rail = gpd.GeoDataFrame({"barrier_id": ["B1"]},
                            geometry=[LineString([(x, ORIGIN_Y - 50), (x, ORIGIN_Y + 500)])],
                            crs=CRS_GK).set_index("barrier_id")
    adj = adjacency(grid4, gap_tolerance_m=25, barriers=rail)
    assert len(adj.pairs) == 24 - 4
    assert adj.n_blocked == 4
    assert set(adj.blocked_by) == {"B1"}
    assert {tuple(sorted((grid4.index[i], grid4.index[j]))) for i, j in adj.blocked} == {
        (f"C{r}1", f"C{r}2") for r in range(4)}
    g = adj.to_networkx()
    comps = sorted(sorted(c) for c in nx.connected_components(g))
    assert comps == [sorted(f"C{r}{c}" for r in range(4) for c in (0, 1)),
                     sorted(f"C{r}{c}" for r in range(4) for c in (2, 3))]


def test_river_polygon_and_partial_barrier(grid4) -> None:
    y = ORIGIN_Y + 120 - 10  # street between rows 0 and 1
    river = gpd.GeoSeries([box(ORIGIN_X - 50, y - 5, ORIGIN_X + 600, y + 5)], crs=CRS_GK)
    adj = adjacency(grid4, gap_tolerance_m=25, barriers=river)
    assert adj.n_blocked == 4 and len(adj.pairs) == 20
    # a wall that stops after the first column blocks only that link
    wall = gpd.GeoSeries([LineString([(ORIGIN_X - 20, y), (ORIGIN_X + 100, y)])], crs=CRS_GK)
    part = adjacency(grid4, gap_tolerance_m=25, barriers=wall)
    assert [tuple(sorted((grid4.index[i], grid4.index[j]))) for i, j in part.blocked] == [
        ("C00", "C10")]


def test_barrier_in_another_crs_is_reprojected(grid4) -> None:
    x = ORIGIN_X + 2 * 120 - 10
    rail = gpd.GeoSeries([LineString([(x, ORIGIN_Y - 50), (x, ORIGIN_Y + 500)])],
                         crs=CRS_GK).to_crs(4326)
    assert adjacency(grid4, gap_tolerance_m=25, barriers=rail).n_blocked == 4


def test_touching_and_overlapping_polygons() -> None:
    gdf = gpd.GeoDataFrame(
        {"community_id": ["A", "B", "C"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(190, 0, 300, 100)],
        crs=CRS_GK).set_index("community_id")
    adj = adjacency(gdf, gap_tolerance_m=0)
    assert adj.edges() == [("A", "B", 0.0), ("B", "C", 0.0)]
    wall = gpd.GeoSeries([LineString([(100, 0), (100, 100)])], crs=CRS_GK)
    assert adjacency(gdf, gap_tolerance_m=0, barriers=wall).edges() == [("B", "C", 0.0)]


def test_group_keeps_links_within_subdistricts(grid4) -> None:
    adj = adjacency(grid4, gap_tolerance_m=25, group="subdistrict")
    sub = grid4["subdistrict"]
    assert all(sub.iloc[i] == sub.iloc[j] for i, j in adj.pairs)
    assert len(adj.pairs) == 24 - 4


def test_missing_group_label_and_bad_geometry_are_listed_together(grid4) -> None:
    g = grid4.copy()
    g.loc["C01", "subdistrict"] = None
    g.loc["C22", "geometry"] = Polygon()
    with pytest.raises(LayerValidationError) as err:
        adjacency(g, gap_tolerance_m=25, group="subdistrict")
    rows = {p.column: p.rows for p in err.value.problems}
    assert rows == {"subdistrict": ("C01",), "geometry": ("C22",)}


def test_degrees_are_refused(grid4) -> None:
    with pytest.raises(CRSError):
        adjacency(grid4.to_crs(4326), gap_tolerance_m=25)


def test_empty_layer() -> None:
    empty = gpd.GeoDataFrame({"community_id": []}, geometry=[], crs=CRS_GK)
    adj = adjacency(empty.set_index("community_id"), gap_tolerance_m=50)
    assert adj.n == 0 and adj.pairs.shape == (0, 2) and adj.matrix.shape == (0, 0)


def test_island_links_within_a_distance(grid4) -> None:
    far = box(ORIGIN_X - 180, ORIGIN_Y, ORIGIN_X - 100, ORIGIN_Y + 80)  # 100 m west of C00
    g = pd.concat([grid4, gpd.GeoDataFrame({"households": [80]}, geometry=[far],
                                           index=pd.Index(["X"], name="community_id"),
                                           crs=CRS_GK)])
    adj = adjacency(g, gap_tolerance_m=25)
    assert list(adj.islands()) == ["X"]
    links = links_within(g, ["X"], max_distance_m=150)
    # nearest first: C00 (100 m), then C10 (hypot(100, 40))
    assert links["target"].tolist()[:2] == ["C00", "C10"]
    assert np.allclose(links["gap_m"].to_numpy()[:2], [100.0, np.hypot(100, 40)])
    assert (links["gap_m"] <= 150).all() and (links["source"] == "X").all()
    river = gpd.GeoSeries([LineString([(ORIGIN_X - 50, ORIGIN_Y - 100),
                                       (ORIGIN_X - 50, ORIGIN_Y + 600)])], crs=CRS_GK)
    assert links_within(g, ["X"], max_distance_m=150, barriers=river).empty


def test_sample_links_never_cross_a_barrier_or_an_arterial(sample_layers) -> None:
    c = sample_layers["communities"]
    streets = sample_layers["streets"]
    bars = pd.concat([sample_layers["barriers"].geometry,
                      streets.loc[streets["road_class"] == "primary"].geometry])
    adj = adjacency(c, gap_tolerance_m=60, barriers=gpd.GeoSeries(bars, crs=c.crs))
    free = adjacency(c, gap_tolerance_m=60)
    assert adj.n_blocked > 0
    assert len(adj.pairs) + adj.n_blocked == len(free.pairs)
    geoms = c.geometry.to_numpy()
    a, b = adj.pairs[:, 0], adj.pairs[:, 1]
    seg = shapely.shortest_line(geoms[a], geoms[b])
    gaps = shapely.length(seg) > 0
    union = shapely.union_all(bars.to_numpy())
    assert not shapely.intersects(seg[gaps], union).any()
    assert np.allclose(adj.gap_m, shapely.distance(geoms[a], geoms[b]))
    assert (adj.gap_m <= 60).all()
