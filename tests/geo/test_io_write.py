"""Writers: RFC 7946 GeoJSON rules, GeoPackage layers, Shapefile zip names/encoding/.prj/.cpg."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.errors import CRSError, LayerValidationError, PlanningInputError
from geo.io.write import (
    geojson_dict,
    shapefile_field_names,
    write_geojson,
    write_geopackage,
    write_shapefile_zip,
)
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y

OGRINFO = shutil.which("ogrinfo")
needs_ogrinfo = pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed "
                                                           "(apt-get install gdal-bin)")


def ogrinfo(path: str | Path, *extra: str) -> str:
    assert OGRINFO is not None
    done = subprocess.run([OGRINFO, "-ro", "-so", "-al", *extra, str(path)], check=True,
                          capture_output=True, text=True, encoding="utf-8")
    return done.stdout


def _awkward_layer() -> gpd.GeoDataFrame:
    """Clockwise outer ring with a counter-clockwise hole, a multipolygon, a point, no geometry."""
    x, y = ORIGIN_X, ORIGIN_Y
    cw_outer = [(x, y), (x, y + 100), (x + 100, y + 100), (x + 100, y), (x, y)]
    ccw_hole = [(x + 40, y + 40), (x + 60, y + 40), (x + 60, y + 60), (x + 40, y + 60)]
    holed = Polygon(cw_outer, [ccw_hole])
    assert not shapely.is_ccw(holed.exterior) and shapely.is_ccw(holed.interiors[0])
    two = MultiPolygon([Polygon([(x + 200, y), (x + 200, y + 50), (x + 250, y + 50),
                                 (x + 250, y)]),
                        Polygon([(x + 300, y), (x + 350, y), (x + 350, y + 50),
                                 (x + 300, y + 50)])])
    return gpd.GeoDataFrame(
        {"name": ["建设路小区", "两块地", "菜市场", None],
         "households": pd.array([120, 80, None, 5], dtype="Int64"),
         "share": [0.25, np.nan, 1.0, 0.5],
         "flag": [True, False, True, False]},
        geometry=[holed, two, Point(x + 10, y + 10), None],
        index=pd.Index(["C1", "C2", "F1", "X9"], name="community_id"), crs=CRS_GK)


def _rings(geometry: dict[str, Any]) -> list[tuple[list[list[float]], bool]]:
    """(ring, is_outer) for every ring of a GeoJSON Polygon/MultiPolygon."""
    polys = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
             else geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [])
    return [(ring, k == 0) for poly in polys for k, ring in enumerate(poly)]


def _positions(obj: Any) -> list[list[float]]:
    if isinstance(obj, list) and obj and isinstance(obj[0], (int, float)):
        return [obj]
    return [p for item in (obj or []) for p in _positions(item)]


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


# --- GeoJSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("precision", [6, 7])
def test_geojson_follows_rfc7946(tmp_path: Path, precision: int) -> None:
    layer = _awkward_layer()
    path = write_geojson(layer, tmp_path / "c.geojson", precision=precision, name="compounds")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # RFC 7946 §11: no byte order mark
    doc = json.loads(raw.decode("utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # §4: no crs member
    assert all("crs" not in f and "crs" not in (f["geometry"] or {}) for f in doc["features"])
    assert len(doc["features"]) == 4
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and "properties" in feature
        assert isinstance(feature["id"], str)
    # §3.1.6: exterior rings counter-clockwise, holes clockwise; rings closed, >= 4 positions
    rings = [r for f in doc["features"] if f["geometry"] for r in _rings(f["geometry"])]
    assert len(rings) == 4
    for ring, outer in rings:
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert (_signed_area(ring) > 0) == outer
    # §4: WGS84 longitude, latitude; coordinates rounded to the precision asked
    positions = [p for f in doc["features"] if f["geometry"]
                 for p in _positions(f["geometry"]["coordinates"])]
    for lon, lat in positions:
        assert 113 < lon < 115 and 33 < lat < 35  # lon first: Xuchang
        assert round(lon, precision) == lon and round(lat, precision) == lat
    # the numbers are the true WGS84 position (pyproj directly, not via geopandas)
    to_wgs = Transformer.from_crs(CRS_GK, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(ORIGIN_X + 10, ORIGIN_Y + 10)
    point = next(f for f in doc["features"] if f["id"] == "F1")["geometry"]["coordinates"]
    assert point == pytest.approx([lon, lat], abs=0.6 * 10 ** -precision)
    # §5: bbox is [west, south, east, north] of every position
    xs, ys = zip(*positions, strict=True)
    assert doc["bbox"] == pytest.approx([min(xs), min(ys), max(xs), max(ys)])


def test_geojson_keeps_chinese_as_text_and_missing_as_null(tmp_path: Path) -> None:
    path = write_geojson(_awkward_layer(), tmp_path / "c.geojson")
    raw = path.read_bytes()
    assert "建设路小区".encode() in raw
    assert b"\\u" not in raw
    doc = json.loads(raw)
    props = {f["id"]: f["properties"] for f in doc["features"]}
    assert props["C1"] == {"community_id": "C1", "name": "建设路小区", "households": 120,
                           "share": 0.25, "flag": True}
    assert props["F1"]["households"] is None and props["C2"]["share"] is None
    assert props["X9"]["name"] is None
    assert next(f for f in doc["features"] if f["id"] == "X9")["geometry"] is None


def test_geojson_properties_of_every_column_type() -> None:
    # properties are converted a column at a time; each value must come out as it would alone
    n = 4
    pts = [Point(ORIGIN_X + i, ORIGIN_Y) for i in range(n)]
    layer = gpd.GeoDataFrame({
        "count": np.arange(n, dtype=np.int64),
        "small": np.arange(n, dtype=np.int16),
        "ratio": [0.5, np.nan, np.inf, -0.0],
        "f32": np.array([0.1, 1.5, np.nan, 2.0], dtype=np.float32),
        "ok": [True, False, True, False],
        "maybe_n": pd.array([1, None, 3, 4], dtype="Int64"),
        "maybe_ok": pd.array([True, None, False, True], dtype="boolean"),
        "text": pd.array(["小区", None, "b", ""], dtype="string[pyarrow]"),
        "when": pd.to_datetime(["2024-01-02", None, "2025-06-30", "2026-01-01"]),
        "mixed": [["a", 1], None, np.float64(2.5), "x"],
    }, geometry=pts, crs=CRS_GK, index=pd.Index([f"C{i}" for i in range(n)], name="community_id"))
    props = [f["properties"] for f in geojson_dict(layer)["features"]]
    assert props[0] == {"community_id": "C0", "count": 0, "small": 0, "ratio": 0.5,
                        "f32": float(np.float32(0.1)), "ok": True, "maybe_n": 1,
                        "maybe_ok": True, "text": "小区", "when": "2024-01-02T00:00:00",
                        "mixed": ["a", 1]}
    assert props[1] == {"community_id": "C1", "count": 1, "small": 1, "ratio": None,
                        "f32": 1.5, "ok": False, "maybe_n": None, "maybe_ok": None,
                        "text": None, "when": None, "mixed": None}
    assert props[2]["ratio"] is None and props[2]["f32"] is None  # inf and NaN: null
    assert props[3]["mixed"] == "x" and props[3]["text"] == ""
    json.dumps(props, allow_nan=False)  # plain JSON values only
    assert all(type(p["count"]) is int and type(p["ok"]) is bool for p in props)


def test_geojson_of_an_empty_layer_is_an_empty_collection(tmp_path: Path) -> None:
    empty = _awkward_layer().iloc[:0]
    doc = json.loads(write_geojson(empty, tmp_path / "e.geojson").read_text("utf-8"))
    assert doc["features"] == [] and "bbox" not in doc


def test_geojson_refuses_a_layer_without_crs_and_odd_precision() -> None:
    layer = _awkward_layer()
    with pytest.raises(CRSError):
        geojson_dict(layer.set_crs(None, allow_override=True))
    with pytest.raises(PlanningInputError, match="6 or 7"):
        geojson_dict(layer, precision=9)


@needs_ogrinfo
def test_gdal_opens_the_geojson(tmp_path: Path) -> None:
    path = write_geojson(_awkward_layer(), tmp_path / "compounds.geojson", name="compounds")
    text = ogrinfo(path)
    assert "Layer name: compounds" in text
    assert "Feature Count: 4" in text
    for field in ("community_id: String", "name: String", "households: Integer",
                  "share: Real", "flag: Integer(Boolean)"):
        assert field in text
    assert 'ID["EPSG",4326]' in text


# --- GeoPackage -----------------------------------------------------------------------------


@needs_ogrinfo
def test_geopackage_holds_layers_and_tables_as_written(tmp_path: Path) -> None:
    layer = _awkward_layer()
    table = pd.DataFrame({"key": ["seed", "名称"], "value": ["1", "测试"]})
    empty = layer.iloc[:0]
    path = write_geopackage({"compounds": layer, "parameters": table, "nothing": empty},
                            tmp_path / "p.gpkg")
    text = ogrinfo(path)
    counts = dict(re.findall(r"Layer name: (\w+)\n(?:.*\n)*?Feature Count: (\d+)", text))
    assert counts == {"compounds": "4", "parameters": "2", "nothing": "0"}
    assert "GeoPackage user_version" not in text  # version 1.2: no "partially supported"
    assert 'ID["EPSG",4547]' in text
    back = pyogrio.read_dataframe(path, layer="compounds")
    assert back.geometry.geom_type.tolist()[:3] == ["Polygon", "MultiPolygon", "Point"]
    assert shapely.equals_exact(back.geometry.to_numpy()[:3], layer.geometry.to_numpy()[:3],
                                tolerance=0).all()
    assert back["community_id"].tolist() == ["C1", "C2", "F1", "X9"]


def test_geopackage_types_a_polygon_and_multipolygon_layer_as_multipolygon(tmp_path: Path
                                                                          ) -> None:
    # service areas and gaps mix the two; a GEOMETRY-typed table does not open as one layer in
    # ArcGIS, so the layer is declared MultiPolygon and every feature keeps its shape
    a = Polygon([(ORIGIN_X, ORIGIN_Y), (ORIGIN_X + 50, ORIGIN_Y), (ORIGIN_X, ORIGIN_Y + 50)])
    b = MultiPolygon([shapely.affinity.translate(a, 100), shapely.affinity.translate(a, 200)])
    layer = gpd.GeoDataFrame({"kind": ["parking", "clinic"]}, geometry=[a, b], crs=CRS_GK)
    path = write_geopackage({"gaps": layer}, tmp_path / "g.gpkg")
    assert pyogrio.list_layers(path).tolist() == [["gaps", "MultiPolygon"]]
    back = pyogrio.read_dataframe(path, layer="gaps")
    assert back.geometry.geom_type.tolist() == ["MultiPolygon", "MultiPolygon"]
    assert shapely.equals(back.geometry.to_numpy(), layer.geometry.to_numpy()).all()


def test_geopackage_is_byte_identical_when_rewritten(tmp_path: Path) -> None:
    layer = _awkward_layer()
    a = write_geopackage({"compounds": layer}, tmp_path / "a.gpkg").read_bytes()
    b = write_geopackage({"compounds": layer}, tmp_path / "b.gpkg").read_bytes()
    assert a == b


# --- Shapefile names ------------------------------------------------------------------------


def test_short_names_are_unique_ascii_and_at_most_ten_characters() -> None:
    cols = ["community_id", "walk_minutes_elderly_care", "walk_minutes_ev_charger",
            "walk_minutes_parking", "covered_parking_5min", "covered_parking_10min",
            "covered_parking_15min", "covered_parking", "户数", "floor_area_m2", "Households",
            "households"]
    names = shapefile_field_names(cols)
    assert list(names) == cols
    values = list(names.values())
    assert all(v.isascii() and 0 < len(v) <= 10 for v in values)
    assert len({v.lower() for v in values}) == len(values)  # DBF names are case-insensitive
    assert names["community_id"] == "communi_id"
    assert names["households"] == "househol_2"  # clashes with "Households" -> suffix
    assert names["户数"] == "f8"  # nothing ASCII left: f + position
    assert shapefile_field_names(cols) == names  # deterministic


def test_fixed_short_names_are_kept_and_checked() -> None:
    names = shapefile_field_names(["zone_id", "walk_minutes_parking"],
                                  fixed={"walk_minutes_parking": "wm_park"})
    assert names == {"zone_id": "zone_id", "walk_minutes_parking": "wm_park"}
    with pytest.raises(PlanningInputError, match="at most 10"):
        shapefile_field_names(["a"], fixed={"a": "much_too_long"})
    with pytest.raises(PlanningInputError, match="used twice"):
        shapefile_field_names(["a", "b"], fixed={"a": "X", "b": "x"})
    with pytest.raises(PlanningInputError):
        shapefile_field_names(["a"], fixed={"a": "户数"})


# --- Shapefile zip --------------------------------------------------------------------------


def _zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.mark.parametrize(("encoding", "cpg"), [("gbk", "GBK"), ("utf-8", "UTF-8")])
def test_shapefile_zip_has_prj_cpg_alias_table_and_encoded_dbf(tmp_path: Path, encoding: str,
                                                               cpg: str) -> None:
    layer = _awkward_layer().iloc[[0, 1]]  # polygons only
    path = write_shapefile_zip(layer, tmp_path / "c.zip", layer="compounds", encoding=encoding,
                               field_names={"households": "HH"},
                               aliases={"households": ("户数", "Households")})
    members = _zip_members(path)
    assert sorted(members) == sorted(["compounds.shp", "compounds.shx", "compounds.dbf",
                                      "compounds.prj", "compounds.cpg", "compounds_fields.csv"])
    assert members["compounds.cpg"].decode() == cpg
    assert b"CGCS2000_3_Degree_GK_CM_114E" in members["compounds.prj"]  # ESRI WKT
    dbf = members["compounds.dbf"]
    assert "建设路小区".encode(encoding) in dbf
    other = "utf-8" if encoding == "gbk" else "gbk"
    assert "建设路小区".encode(other) not in dbf
    rows = list(csv.reader(io.StringIO(members["compounds_fields.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["short_name", "canonical", "中文名", "English"]
    assert ["HH", "households", "户数", "Households"] in rows
    assert ["name", "name", "name", "name"] in rows  # no alias given: its own name
    assert [r[1] for r in rows[1:]] == ["community_id", "name", "households", "share", "flag"]


@needs_ogrinfo
@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_gdal_reads_the_shapefile_zip_with_its_encoding(tmp_path: Path, encoding: str) -> None:
    layer = _awkward_layer().iloc[[0, 1]]
    path = write_shapefile_zip(layer, tmp_path / "c.zip", layer="compounds", encoding=encoding)
    text = ogrinfo(f"/vsizip/{path}")
    assert "Layer name: compounds" in text and "Feature Count: 2" in text
    assert "Polygon" in text
    assert "CGCS2000" in text
    for field in ("communi_id: String", "name: String", "households: Integer64",
                  "share: Real", "flag: "):
        assert field in text
    full = subprocess.run([str(OGRINFO), "-ro", "-al", f"/vsizip/{path}"], check=True,
                          capture_output=True, text=True, encoding="utf-8").stdout
    assert "name (String) = 建设路小区" in full  # GDAL decoded the .dbf with the .cpg


def test_shapefile_zip_of_an_empty_layer_needs_its_type(tmp_path: Path) -> None:
    empty = _awkward_layer().iloc[:0]
    path = write_shapefile_zip(empty, tmp_path / "e.zip", layer="gaps",
                               geometry_type="MultiPolygon")
    back = pyogrio.read_dataframe(f"/vsizip/{path}/gaps.shp")
    assert len(back) == 0
    assert pyogrio.read_info(f"/vsizip/{path}/gaps.shp")["geometry_type"] in (
        "Polygon", "MultiPolygon")


def _dbf_fields(dbf: bytes) -> dict[str, tuple[str, int, int]]:
    """Name -> (type, width, decimals) from a .dbf header (32-byte field descriptors)."""
    out = {}
    for at in range(32, len(dbf), 32):
        if dbf[at] == 0x0D:
            break
        name = dbf[at:at + 11].split(b"\0")[0].decode("ascii")
        out[name] = (chr(dbf[at + 11]), dbf[at + 16], dbf[at + 17])
    return out


def test_shapefile_reals_keep_the_decimals_they_have(tmp_path: Path) -> None:
    # GDAL declares floats Real(24.15): a rounded 17.2 was stored and shown (ogrinfo, QGIS,
    # ArcGIS) as 17.199999999999999
    layer = gpd.GeoDataFrame(
        {"minutes": [17.2, 3.25, np.nan], "share": [0.5, 0.6667, 1.0], "whole": [2.0, 40.0, 7.0],
         "name": ["建设路小区", None, "南门"], "nothing": [None, None, None]},
        geometry=[Point(ORIGIN_X, ORIGIN_Y)] * 3, crs=CRS_GK)
    path = write_shapefile_zip(layer, tmp_path / "r.zip", layer="r")
    with zipfile.ZipFile(path) as zf:
        dbf = zf.read("r.dbf")
    fields = _dbf_fields(dbf)
    assert fields["minutes"] == ("N", 6, 2) and fields["share"] == ("N", 7, 4)
    assert fields["whole"] == ("N", 5, 1)  # still a real field, whatever this data holds
    assert b" 17.20" in dbf and b"17.19999" not in dbf
    back = pyogrio.read_dataframe(f"/vsizip/{path}/r.shp")
    assert back["minutes"].tolist()[:2] == [17.2, 3.25] and pd.isna(back["minutes"][2])
    assert back["share"].tolist() == [0.5, 0.6667, 1.0]
    assert back["name"].tolist()[::2] == ["建设路小区", "南门"]  # GBK text as before
    assert "建设路小区".encode("gbk") in dbf


def test_text_the_encoding_cannot_hold_is_reported_by_row_and_column(tmp_path: Path) -> None:
    layer = _awkward_layer().iloc[[0, 1]].copy()
    layer.loc["C2", "name"] = "小区🏠"  # not in GBK
    layer.loc["C1", "name"] = "长" * 200  # 400 GBK bytes > 254
    with pytest.raises(LayerValidationError) as err:
        write_shapefile_zip(layer, tmp_path / "c.zip", layer="compounds", encoding="gbk")
    text = str(err.value)
    assert "name" in text and "C2" in text and "GBK" in text
    assert "C1" in text and "254" in text
    assert len(err.value.problems) == 2
    with pytest.raises(PlanningInputError, match="encoding"):
        write_shapefile_zip(layer, tmp_path / "c.zip", layer="compounds", encoding="big5")
    with pytest.raises(PlanningInputError, match="ASCII"):
        write_shapefile_zip(layer, tmp_path / "c.zip", layer="小区")
