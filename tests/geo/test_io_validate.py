"""geo.io.validate layer-wide warnings: compounds far from the rest, overlapping or duplicated."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import Polygon, box

from geo.io.coerce import Finding
from geo.io.validate import check_crs, check_geometries
from tests.factories import ORIGIN_X, ORIGIN_Y, block_grid


def _geoms(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    return np.array(gdf.geometry.to_numpy(), dtype=object)  # a copy: fixtures are shared


def _layout(findings: list[Finding]) -> list[Finding]:
    """The warnings about where features lie (overlaps, duplicates, far away)."""
    return [f for f in findings if any(w in f.message for w in ("overlap", "identical",
                                                                "from the rest"))]


# --- far from the rest of the layer --------------------------------------------------------


def test_a_compound_500_km_away_is_named(sample_layers) -> None:
    # QA s10 (cases/com_typo500km.gpkg): C0006 moved 500 km north became a zone of its own
    geoms = _geoms(sample_layers["communities"])
    geoms[5] = shapely.affinity.translate(geoms[5], 0, 500_000)
    crs, _, findings = check_crs(geoms, CRS.from_epsg(4547))
    assert crs is not None and crs.to_epsg() == 4547
    [far] = _layout(findings)
    assert not far.fatal and far.positions == (5,) and far.column == "geometry"
    zh = far.message.split(" / ")[0]  # the Chinese half says as much as the English one
    assert zh.startswith("距图层其余要素 499 km") and "坐标输错" in zh
    km = re.search(r"/ (\d+) km from the rest of the layer", far.message)
    assert km is not None and 495 <= int(km.group(1)) <= 505
    assert "typo in the coordinates or a wrong CRS" in far.message


def test_far_rows_in_longitude_latitude_are_measured_in_km(sample_layers) -> None:
    lonlat = sample_layers["communities"].to_crs(4326)
    geoms = _geoms(lonlat)
    geoms[3] = shapely.affinity.translate(geoms[3], 1.0, 0)     # one degree east: ~92 km
    geoms[9] = shapely.affinity.translate(geoms[9], 0, -0.2)    # 22 km south
    _, _, findings = check_crs(geoms, CRS.from_epsg(4326))
    [far] = _layout(findings)
    assert far.positions == (3, 9)
    km = re.search(r"/ (\d+) km, (\d+) km from the rest", far.message)  # in row order
    assert km is not None and 90 <= int(km.group(1)) <= 94 and 20 <= int(km.group(2)) <= 25


@pytest.mark.parametrize("layer", ["communities", "facilities", "sites", "streets", "barriers"])
def test_the_sample_district_has_nothing_far_away(sample_layers, layer: str) -> None:
    gdf = sample_layers[layer]
    _, _, findings = check_crs(_geoms(gdf), gdf.crs)
    assert findings == []


def test_two_districts_in_one_file_are_not_far_from_each_other() -> None:
    # 25 compounds 40 km from 36 others: a file of two areas, not a typo
    grid = block_grid(6)
    other = block_grid(5).translate(40_000, 0)
    geoms = np.concatenate([_geoms(grid), _geoms(other)])
    _, _, findings = check_crs(geoms, CRS.from_epsg(4547))
    assert _layout(findings) == []


def test_a_compound_a_little_apart_is_not_far() -> None:
    # a small layer (300 m across) and one compound 3 km off: within a district, not a typo
    grid = block_grid(3)
    geoms = _geoms(grid)
    geoms[0] = shapely.affinity.translate(geoms[0], 3_000, 0)
    _, _, findings = check_crs(geoms, CRS.from_epsg(4547))
    assert _layout(findings) == []


# --- overlapping and duplicated outlines ---------------------------------------------------


def _squares(*boxes: tuple[float, float, float, float]) -> np.ndarray:
    return np.array([shapely.affinity.translate(box(*b), ORIGIN_X, ORIGIN_Y) for b in boxes],
                    dtype=object)


def test_overlapping_compounds_are_named_in_pairs() -> None:
    geoms = _squares((0, 0, 10, 10), (5, 5, 15, 15), (15, 0, 25, 10), (30, 0, 40, 10),
                     (39.7, 0, 49.7, 10))
    _, findings, _ = check_geometries(geoms, "polygon")
    found = _layout(findings)
    # 0 and 1 overlap by a quarter; 2 touches 1 at a corner and 0 along no area: fine;
    # 3 and 4 overlap by a 0.3 m strip, 3% of either: a digitising sliver
    assert [(f.positions, f.fatal) for f in found] == [((0, 1), False)]
    zh, en = found[0].message.split(" / ")
    assert zh.startswith("小区边界重叠，重叠部分占较小者面积的 25%") and zh.endswith("请修正边界")
    assert en.startswith("outlines overlap by 25% of the smaller")


def test_identical_outlines_are_named_as_duplicates() -> None:
    # QA s10 (cases/com_geomprob2.gpkg): C0111 = C0112, and C0051 scaled 1.6x over others
    geoms = _squares((0, 0, 10, 10), (0, 0, 10, 10), (20, 0, 30, 10), (25, 0, 35, 10))
    geoms[1] = shapely.Polygon(list(geoms[1].exterior.coords)[::-1])  # other winding
    _, findings, _ = check_geometries(geoms, "polygon")
    found = _layout(findings)
    assert [f.positions for f in found] == [(0, 1), (2, 3)]
    assert "identical outlines" in found[0].message and "50%" in found[1].message
    assert not any(f.fatal for f in found)


def test_a_compound_inside_another_overlaps_it_fully() -> None:
    geoms = _squares((0, 0, 100, 100), (10, 10, 20, 20))
    _, findings, _ = check_geometries(geoms, "polygon")
    [found] = _layout(findings)
    assert found.positions == (0, 1) and "100%" in found.message


def test_touching_compounds_islands_and_holes_stay_quiet(sample_layers) -> None:
    # the sample has touching neighbours, a compound in two parts and a courtyard hole
    _, findings, _ = check_geometries(_geoms(sample_layers["communities"]), "polygon")
    assert _layout(findings) == []
    # an island compound in the hole of its host, touching the hole's edge
    host = Polygon(box(0, 0, 30, 30).exterior.coords, [box(10, 10, 20, 20).exterior.coords])
    island = box(10, 10, 20, 15)
    neighbour = box(30, 0, 60, 30)
    _, findings, _ = check_geometries(np.array([host, island, neighbour], dtype=object),
                                      "polygon")
    assert findings == []


def test_many_overlaps_are_named_in_a_few_lines() -> None:
    # 30 pairs: the first ten by pair, the rest in one line naming their rows
    geoms = np.array([box(i * 100 + j * 5, 0, i * 100 + j * 5 + 10, 10)
                      for i in range(30) for j in range(2)], dtype=object)
    _, findings, _ = check_geometries(geoms, "polygon")
    found = _layout(findings)
    assert len(found) == 11
    assert [f.positions for f in found[:10]] == [(2 * i, 2 * i + 1) for i in range(10)]
    assert found[10].positions == tuple(range(20, 60))
    assert "20 more overlapping pairs" in found[10].message


def test_only_compounds_are_checked_for_overlaps() -> None:
    geoms = _squares((0, 0, 10, 10), (0, 0, 10, 10))
    for kind in ("point_or_polygon", "line_or_polygon"):
        _, findings, _ = check_geometries(geoms, kind)  # type: ignore[arg-type]
        assert findings == []


def test_the_sample_read_has_no_layout_notes() -> None:
    from geo.io import read_layers
    from planning.sample import SAMPLE_PATH

    for name, res in read_layers(SAMPLE_PATH).items():
        assert not [n for n in res.report.notes if "overlap" in n.message
                    or "from the rest" in n.message or "identical" in n.message], name


@pytest.mark.parametrize(("epsg", "words"), [(2435, "北京54"), (2383, "西安80")])
def test_an_old_chinese_datum_is_read_with_a_note_that_positions_are_approximate(
        sample_layers, epsg: int, words: str) -> None:
    # PROJ takes Beijing 1954 and Xian 1980 to WGS84 by a ballpark offset (67 m on the sample)
    old = sample_layers["communities"].to_crs(epsg)
    crs, _, findings = check_crs(old.geometry.to_numpy(), old.crs)
    assert crs.to_epsg() == epsg and not any(f.fatal for f in findings)
    [note] = [f for f in findings if "approximately" in f.message]
    assert words in note.message and "tens of metres" in note.message
    # CGCS2000 itself (the sample's own CRS) says nothing of the kind
    _, _, quiet = check_crs(sample_layers["communities"].geometry.to_numpy(),
                            sample_layers["communities"].crs)
    assert not [f for f in quiet if "approximately" in f.message]
