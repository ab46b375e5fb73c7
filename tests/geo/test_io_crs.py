"""geo.io and coordinates: accepted CRSs, declared datums, and the swapped/projected heuristics."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
import pytest
from pyproj import CRS
from shapely.geometry import Point, box

from geo.errors import LayerValidationError
from geo.io import read_layer
from geo.io.validate import check_crs
from tests.factories import CRS_GK, block_grid
from tests.geo.test_io import write_csv


def _facilities_csv(path: Path, xy: list[tuple[float, float]], *, x: str = "经度",
                    y: str = "纬度") -> Path:
    return write_csv(path, [{"设施类型": "养老", x: a, y: b} for a, b in xy])


def _crs_message(exc: pytest.ExceptionInfo[LayerValidationError]) -> str:
    return " | ".join(str(p) for p in exc.value.problems)


def _metres_geojson(path: Path) -> Path:
    """A compound in Gauss-Kruger metres in a GeoJSON without a crs member."""
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {"户数": 100}, "geometry": {"type": "Polygon", "coordinates": '
                    '[[[483000, 3766000], [483100, 3766000], [483100, 3766100], '
                    '[483000, 3766000]]]}}]}', encoding="utf-8")
    return path


def _points_in(epsg: int) -> tuple[float, float, gpd.GeoSeries]:
    crs = CRS.from_epsg(epsg)
    w, s, e, n = crs.area_of_use.bounds if epsg not in (4326, 3857, 4490) else (113, 34, 114, 35)
    lon, lat = (w + e) / 2, (s + n) / 2
    pts = gpd.GeoSeries([Point(lon, lat), Point(lon + 0.01, lat + 0.01)],
                        crs=crs.geodetic_crs).to_crs(crs)
    return lon, lat, pts


@pytest.mark.parametrize("epsg", [4326, 4490, 3857, *range(4491, 4555)])
def test_every_accepted_crs_passes_the_checks(epsg: int) -> None:
    _, _, pts = _points_in(epsg)
    crs, source, findings = check_crs(pts.values, pts.crs)
    assert crs is not None and crs.to_epsg() == epsg and source == "file"
    assert findings == []


@pytest.mark.parametrize("epsg", [4326, 4490, 3857, 4491, 4513, 4534, 4547])
def test_accepted_crs_round_trip_through_a_file(tmp_path: Path, epsg: int) -> None:
    lon, lat, pts = _points_in(epsg)
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"kind": ["parking", "clinic"]}, geometry=pts).to_file(path)
    res = read_layer(path, "facilities")
    assert res.gdf.crs.to_epsg() == epsg
    assert res.report.crs == f"EPSG:{epsg}" and res.report.crs_source == "file"
    assert res.report.notes == []
    back = res.gdf.to_crs(res.gdf.crs.geodetic_crs).geometry
    assert np.allclose([back.iloc[0].x, back.iloc[0].y], [lon, lat], atol=1e-7)


def test_outside_china_is_fine(tmp_path: Path) -> None:
    # Helsinki: longitude 24.9 and latitude 60.2 could both be latitudes; not a clear swap
    res = read_layer(_facilities_csv(tmp_path / "f.csv", [(24.94, 60.17), (24.96, 60.19)]),
                     "facilities")
    assert res.gdf.geometry.iloc[0].equals(Point(24.94, 60.17))
    assert res.gdf.crs.to_epsg() == 4326


def test_swapped_lat_lon_is_flagged(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(34.03, 113.82), (34.05, 113.85)])
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "facilities")
    msg = _crs_message(exc)
    assert "look swapped" in msg and "x 34.03…34.05" in msg and "y 113.82…113.85" in msg


def test_swapped_is_flagged_even_with_a_geographic_crs(tmp_path: Path) -> None:
    path = tmp_path / "f.geojson"
    gpd.GeoDataFrame({"kind": ["parking"]}, geometry=[Point(34.03, 113.82)],
                     crs=4326).to_file(path)
    with pytest.raises(LayerValidationError, match="look swapped"):
        read_layer(path, "facilities")


@pytest.mark.parametrize(("xy", "hint", "hint_zh"), [
    ((483_000.0, 3_766_000.0), "EPSG:4534–4554", "3度带高斯-克吕格投影，如东经114°"),  # no prefix
    ((38_483_000.0, 3_766_000.0), "EPSG:4526", "3度带高斯-克吕格投影第38带"),  # zone prefix 38
    ((20_483_000.0, 3_766_000.0), "EPSG:4498", "6度带高斯-克吕格投影第20带"),  # 6-degree zone 20
    ((12_670_000.0, 4_030_000.0), "EPSG:3857", "Web墨卡托"),
])
def test_projected_without_crs_suggests_one(tmp_path: Path, xy: tuple[float, float],
                                            hint: str, hint_zh: str) -> None:
    x, y = xy
    path = _facilities_csv(tmp_path / "f.csv", [(x, y), (x + 500, y + 500)], x="X", y="Y")
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "facilities")
    msg = _crs_message(exc)
    assert "look projected" in msg and "no CRS" in msg and hint in msg
    zh = msg.split(" / ")[0]  # the Chinese half names it in Chinese
    assert "像投影坐标" in zh and f"{hint}（" in zh and hint_zh in zh
    assert "Gauss" not in zh and "Mercator" not in zh


def test_declared_crs_reads_projected_csv(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(483_000.0, 3_766_000.0)], x="X", y="Y")
    res = read_layer(path, "facilities", crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4547 and res.report.crs_source == "declared"


def test_geojson_with_metres_but_no_crs_member(tmp_path: Path) -> None:
    # GDAL stamps EPSG:4326 on any GeoJSON without a crs member; the numbers say otherwise
    path = _metres_geojson(tmp_path / "c.geojson")
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "communities")
    msg = _crs_message(exc)
    assert "look projected" in msg and "the CRS is EPSG:4326 (degrees)" in msg
    res = read_layer(path, "communities", crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4547
    assert any("the file says EPSG:4326" in str(n) for n in res.report.notes)


def test_degrees_in_a_projected_crs(tmp_path: Path) -> None:
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"kind": ["parking"]}, geometry=[Point(113.82, 34.03)],
                     crs=CRS_GK).to_file(path)
    with pytest.raises(LayerValidationError, match=r"look like degrees .* EPSG:4547"):
        read_layer(path, "facilities")


def test_zone_prefixed_eastings_in_a_zone_crs_without_prefix(tmp_path: Path) -> None:
    # 38,483,000 in CM 114E lies far outside the zone: the prefix was left in the numbers.
    # (A wrong zone of the same kind cannot be seen from coordinates: every zone has x≈500 km.)
    prefixed = block_grid(2).translate(38_000_000).values
    gpd.GeoDataFrame({"households": [1, 2, 3, 4]}, geometry=prefixed,
                     crs=CRS_GK).to_file(tmp_path / "p.gpkg")
    with pytest.raises(LayerValidationError) as exc:
        read_layer(tmp_path / "p.gpkg", "communities")
    msg = _crs_message(exc)
    assert "outside the area of EPSG:4547" in msg and "wrong zone" in msg and "EPSG:4526" in msg


def test_unknown_crs_string(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(113.8, 34.0)])
    with pytest.raises(LayerValidationError, match=r"cannot understand the CRS 'EPSG:99999'"):
        read_layer(path, "facilities", crs="EPSG:99999")


@pytest.mark.parametrize(("datum", "to_wgs"), [("gcj02", prcoords.gcj_wgs_bored),
                                              ("bd09", prcoords.bd_wgs_bored)])
def test_declared_datum_is_converted_to_wgs84(tmp_path: Path, datum: str, to_wgs: object) -> None:
    lonlat = [(113.8262, 34.0371), (114.022306, 33.0115324)]
    path = _facilities_csv(tmp_path / "f.csv", lonlat)
    res = read_layer(path, "facilities", datum=datum)
    assert res.gdf.crs.to_epsg() == 4326
    assert res.report.crs_source.startswith(f"shifted from {datum}")
    for (lon, lat), geom in zip(lonlat, res.gdf.geometry, strict=True):
        expected = to_wgs(prcoords.Coords(lat, lon))  # type: ignore[operator]
        # prcoords (an independent implementation) agrees to about 1e-6 degrees (< 0.2 m)
        assert geom.x == pytest.approx(expected.lon, abs=2e-6)
        assert geom.y == pytest.approx(expected.lat, abs=2e-6)
        assert abs(geom.x - lon) > 1e-4  # and it really moved (hundreds of metres)
    # declared, so nothing was assumed: no "no CRS, read as WGS84" note beside the shift
    assert not [n for n in res.report.notes if n.column == "crs"], res.report.notes


def test_datum_names_are_forgiving(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(113.8262, 34.0371)])
    a = read_layer(path, "facilities", datum="GCJ-02").gdf.geometry.iloc[0]
    b = read_layer(path, "facilities", datum="gcj02").gdf.geometry.iloc[0]
    assert a.equals(b)
    with pytest.raises(LayerValidationError, match="unknown datum 'wgs-72'"):
        read_layer(path, "facilities", datum="wgs-72")


def test_datum_on_projected_coordinates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    block_grid(2).reset_index().to_file(path)
    with pytest.raises(LayerValidationError, match=r"datum gcj02 applies to longitude/latitude"):
        read_layer(path, "communities", datum="gcj02")


def test_datum_polygons_keep_their_shape(tmp_path: Path) -> None:
    sq = box(113.82, 34.03, 113.821, 34.031)
    path = tmp_path / "c.geojson"
    gpd.GeoDataFrame({"户数": [10]}, geometry=[sq], crs=4326).to_file(path)
    res = read_layer(path, "communities", datum="gcj02")
    out = res.gdf.geometry.iloc[0]
    assert out.geom_type == "Polygon" and len(out.exterior.coords) == 5
    assert out.bounds[2] - out.bounds[0] == pytest.approx(0.001, abs=1e-5)


# ------------------------------------------------ default_crs: the CRS of files that have none


def test_default_crs_fills_in_a_table_without_one(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(483_000.0, 3_766_000.0)], x="X", y="Y")
    res = read_layer(path, "facilities", default_crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4547 and res.report.crs_source == "declared"
    assert res.report.notes == []


def test_default_crs_keeps_the_files_own(tmp_path: Path) -> None:
    # EPSG:4547 coordinates also fit the next zone (every zone's eastings are ≈ 500 km), so
    # a default that won would move the layer 280 km without a word
    path = tmp_path / "c.gpkg"
    block_grid(2).reset_index().to_file(path)
    res = read_layer(path, "communities", default_crs="EPSG:4546")
    assert res.gdf.crs.to_epsg() == 4547 and res.report.crs_source == "file"
    assert res.report.notes == []
    assert res.gdf.geometry.iloc[0].equals(block_grid(2).geometry.iloc[0])
    # the explicit override (the app's data page) still wins, with its note
    res = read_layer(path, "communities", crs="EPSG:4546")
    assert res.gdf.crs.to_epsg() == 4546
    assert any("the file says EPSG:4547" in str(n) for n in res.report.notes)


def test_default_crs_stands_in_for_a_file_crs_the_coordinates_cannot_be_in(
        tmp_path: Path) -> None:
    path = _metres_geojson(tmp_path / "c.geojson")  # no crs member: GDAL says EPSG:4326
    res = read_layer(path, "communities", default_crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4547
    assert any("the file says EPSG:4326" in str(n) and "(--crs) was used" in str(n)
               for n in res.report.notes)
    # degrees under a projected .prj: the message's "--crs EPSG:4326" does what it says
    deg = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"kind": ["parking"]}, geometry=[Point(113.82, 34.03)],
                     crs=CRS_GK).to_file(deg)
    assert read_layer(deg, "facilities", default_crs="EPSG:4326").gdf.crs.to_epsg() == 4326


def test_lon_lat_under_a_projected_default_is_read_as_wgs84(tmp_path: Path) -> None:
    path = _facilities_csv(tmp_path / "f.csv", [(113.82, 34.03)])
    res = read_layer(path, "facilities", default_crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4326 and res.report.crs_source == "assumed"
    assert any("not the default EPSG:4547" in str(n) for n in res.report.notes)
    # metres that fit neither the default nor degrees: the default's problem is reported
    far = _facilities_csv(tmp_path / "g.csv", [(38_483_000.0, 3_766_000.0)], x="X", y="Y")
    with pytest.raises(LayerValidationError, match="outside the area of EPSG:4547"):
        read_layer(far, "facilities", default_crs="EPSG:4547")


def test_read_layers_passes_the_default_crs_to_every_layer(tmp_path: Path) -> None:
    from geo.io import read_layers

    path = tmp_path / "layers.gpkg"
    block_grid(2).reset_index().to_file(path, layer="communities")
    gpd.GeoDataFrame({"kind": ["parking"]}, geometry=[Point(483_050, 3_766_050)],
                     crs=CRS_GK).to_file(path, layer="facilities")
    layers = read_layers(path, default_crs="EPSG:4546")
    assert {r.gdf.crs.to_epsg() for r in layers.values()} == {4547}
