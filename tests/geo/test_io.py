"""geo.io.read_layer / read_layers: every format, every alias, each rejection naming its rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo.errors import LayerValidationError
from geo.io import read_communities, read_layer, read_layers
from geo.schema import COMMUNITIES, LAYERS
from tests.factories import CRS_GK, block_grid, lattice_streets, points

LON0, LAT0 = 113.82, 34.03  # Xuchang old town


def _square_wkt(i: int, size: float = 0.001) -> str:
    x, y = LON0 + i * 0.002, LAT0
    return box(x, y, x + size, y + size).wkt


def write_csv(path: Path, rows: list[dict[str, object]], *, encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def community_rows(n: int = 3) -> list[dict[str, object]]:
    return [{"小区名称": f"幸福里{i}", "户数": 100 + i, "建成年代": 1985 + i, "同意率": 0.9,
             "几何": _square_wkt(i)} for i in range(n)]


def problems_of(exc: pytest.ExceptionInfo[LayerValidationError]) -> dict[str, list[str]]:
    """Column -> messages with their rows, from a raised LayerValidationError."""
    out: dict[str, list[str]] = {}
    for p in exc.value.problems:
        out.setdefault(p.column, []).append(str(p))
    return out


# --- formats -------------------------------------------------------------------------------


def test_geopackage_canonical_round_trip(tmp_path: Path) -> None:
    grid = block_grid(4)
    path = tmp_path / "grid.gpkg"
    grid.reset_index().to_file(path, layer="communities")
    res = read_layer(path, "communities")
    gdf = res.gdf
    assert gdf.index.name == "community_id"
    assert list(gdf.index) == list(grid.index)
    assert gdf.crs.to_epsg() == 4547
    assert list(gdf.columns) == [*COMMUNITIES.column_names[1:], "geometry"]
    assert gdf["households"].tolist() == grid["households"].tolist()
    assert gdf["consent_rate"].tolist() == grid["consent_rate"].tolist()
    assert gdf.geometry.geom_equals(grid.geometry).all()
    assert not res.report.ids_generated
    assert res.report.repairs == [] and res.report.notes == []
    assert res.report.columns["community_id"] == "community_id"


def test_geojson_in_wgs84(tmp_path: Path) -> None:
    grid = block_grid(2).to_crs(4326)
    path = tmp_path / "c.geojson"
    grid.reset_index().to_file(path, driver="GeoJSON")
    res = read_layer(path, "communities")
    assert res.gdf.crs.to_epsg() == 4326
    assert res.report.driver == "GeoJSON"
    assert list(res.gdf.index) == ["C00", "C01", "C10", "C11"]
    assert np.allclose(shapely.area(res.gdf.geometry.values), shapely.area(grid.geometry.values))


def _chinese_shapefile(path: Path, *, encoding: str) -> gpd.GeoDataFrame:
    # DBF field names hold 10 bytes: 2-character Chinese headers fit in UTF-8 and GBK alike
    grid = block_grid(2)
    gdf = gpd.GeoDataFrame({"名称": ["幸福里", "建设路小区", "红旗街", "东风"],
                            "户数": ["120户", "300", "1,050", "88"],
                            "同意率": ["85%", "0.9", "0.7", "66.7"],
                            "备注": ["老旧", "", "需加装电梯", "平房"]},
                           geometry=grid.geometry.values, crs=CRS_GK)
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    return gdf


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_shapefile_with_cpg(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.shp"
    _chinese_shapefile(path, encoding=encoding)
    assert path.with_suffix(".cpg").read_text().strip() == encoding
    res = read_layer(path, "communities")
    assert res.gdf["name"].tolist() == ["幸福里", "建设路小区", "红旗街", "东风"]
    assert res.gdf["households"].tolist() == [120, 300, 1050, 88]
    assert res.gdf["consent_rate"].tolist() == pytest.approx([0.85, 0.9, 0.7, 0.667])
    assert res.gdf["备注"].tolist()[0] == "老旧"
    assert res.report.unknown_columns == ["备注"]
    assert res.report.encoding == encoding and res.report.encoding_source == ".cpg"
    assert res.report.ids_generated and list(res.gdf.index) == ["C0001", "C0002", "C0003",
                                                                  "C0004"]
    # 66.7 was read as a percentage and the report says so, naming the row; 0.9 and 0.7
    # sit in the same column as percentages, so they are named for checking
    scaled, mixed = [n for n in res.report.notes if n.column == "consent_rate"]
    assert scaled.rows == ("C0004 (row 4)",) and "66.7 → 0.667" in scaled.message
    assert mixed.rows == ("C0002 (row 2)", "C0003 (row 3)")


def _strip_encoding_hints(shp: Path) -> None:
    """Remove the .cpg and zero the DBF language-driver byte, as old bureau exports have it."""
    shp.with_suffix(".cpg").unlink()
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0
    dbf.write_bytes(bytes(data))


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_shapefile_without_cpg_is_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.shp"
    _chinese_shapefile(path, encoding=encoding)
    _strip_encoding_hints(path)
    if encoding == "GBK":  # GDAL alone reads these bytes as Latin-1: why detection exists
        assert "名称" not in pyogrio.read_dataframe(path).columns
    res = read_layer(path, "communities")
    assert res.gdf["name"].tolist() == ["幸福里", "建设路小区", "红旗街", "东风"]
    assert res.report.columns["户数"] == "households"
    assert res.report.encoding == encoding and res.report.encoding_source == "detected"


def test_declared_encoding_wins(tmp_path: Path) -> None:
    path = tmp_path / "c.shp"
    _chinese_shapefile(path, encoding="GBK")
    path.with_suffix(".cpg").write_text("UTF-8")  # wrong .cpg
    res = read_layer(path, "communities", encoding="GBK")
    assert res.gdf["name"].iloc[1] == "建设路小区"
    assert res.report.encoding_source == "declared"


def test_wrong_cpg_falls_back_to_detection_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "c.shp"
    _chinese_shapefile(path, encoding="GBK")
    path.with_suffix(".cpg").write_text("UTF-8")
    res = read_layer(path, "communities")
    assert res.gdf["name"].iloc[1] == "建设路小区"
    assert res.report.encoding == "GBK"
    assert "the .cpg says UTF-8" in str(res.report.encoding_source)


def test_shapefile_without_prj_needs_a_crs(tmp_path: Path) -> None:
    path = tmp_path / "c.shp"
    _chinese_shapefile(path, encoding="UTF-8")
    path.with_suffix(".prj").unlink()
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "communities")
    (msg,) = problems_of(exc)["crs"]
    assert "look projected" in msg and "no CRS" in msg and "EPSG:4534–4554" in msg
    res = read_layer(path, "communities", crs="EPSG:4547")
    assert res.gdf.crs.to_epsg() == 4547 and res.report.crs_source == "declared"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _shapefile_members(shp: Path, *, stem: str, folder: str = "") -> dict[str, bytes]:
    return {f"{folder}{stem}{f.suffix}": f.read_bytes()
            for f in shp.parent.glob(shp.stem + ".*")}


def test_zipped_shapefile_gbk_without_cpg(tmp_path: Path) -> None:
    shp = tmp_path / "src" / "c.shp"
    shp.parent.mkdir()
    _chinese_shapefile(shp, encoding="GBK")
    _strip_encoding_hints(shp)
    z = _zip(tmp_path / "bureau.zip", _shapefile_members(shp, stem="xq", folder="导出/"))
    res = read_layer(z, "communities")
    assert res.gdf["name"].tolist()[1] == "建设路小区"
    assert res.report.encoding == "GBK" and res.report.file_layer == "xq"
    assert res.gdf.crs.to_epsg() == 4547


def test_zip_with_two_shapefiles_picks_by_name(tmp_path: Path) -> None:
    shp = tmp_path / "src" / "c.shp"
    shp.parent.mkdir()
    _chinese_shapefile(shp, encoding="UTF-8")
    streets = tmp_path / "src" / "s.shp"
    lattice_streets(3).reset_index().to_file(streets)
    members = {**_shapefile_members(shp, stem="communities"),
               **_shapefile_members(streets, stem="streets")}
    z = _zip(tmp_path / "two.zip", members)
    assert len(read_layer(z, "communities").gdf) == 4
    assert len(read_layer(z, "streets").gdf) == len(lattice_streets(3))
    layers = read_layers(z)
    assert set(layers) == {"communities", "streets"}
    with pytest.raises(LayerValidationError, match="2 layers"):
        read_layer(z, "facilities")


def test_zip_member_with_dotdot_is_refused(tmp_path: Path) -> None:
    shp = tmp_path / "src" / "c.shp"
    shp.parent.mkdir()
    _chinese_shapefile(shp, encoding="UTF-8")
    members = _shapefile_members(shp, stem="c")
    members["../../evil.txt"] = b"x"
    z = _zip(tmp_path / "evil.zip", members)
    with pytest.raises(LayerValidationError, match=r"'\.\.' are refused"):
        read_layer(z, "communities")
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_with_wkt_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "c.csv", community_rows(3), encoding=encoding)
    res = read_layer(path, "communities")
    assert res.gdf["name"].tolist() == ["幸福里0", "幸福里1", "幸福里2"]
    assert res.gdf["built_year"].tolist() == [1985, 1986, 1987]
    assert res.gdf.crs.to_epsg() == 4326 and res.report.crs_source == "assumed"
    assert res.report.geometry_from == "几何 (WKT)"
    assert res.report.encoding in ({"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)",
                                    "gbk": "GBK"}[encoding],)
    assert any("assumed WGS84" in str(n) for n in res.report.notes)


@pytest.mark.parametrize(("lon", "lat"), [("经度", "纬度"), ("lon", "lat"), ("lng", "lat"),
                                          ("Longitude", "Latitude"), ("X", "Y")])
def test_csv_with_lon_lat_columns(tmp_path: Path, lon: str, lat: str) -> None:
    rows = [{"设施类型": "日间照料中心", lon: "113.8201", lat: "34.0302"},
            {"设施类型": "充电桩", lon: "１１３.８２", lat: "34.03"}]
    res = read_layer(write_csv(tmp_path / "f.csv", rows), "facilities")
    assert res.gdf["kind"].tolist() == ["elderly_care", "ev_charger"]
    assert res.gdf.geometry.iloc[0].equals(Point(113.8201, 34.0302))
    assert res.gdf.geometry.iloc[1].equals(Point(113.82, 34.03))
    assert list(res.gdf.columns) == ["kind", "name", "capacity", "geometry"]  # lon/lat consumed


def test_xlsx_with_lon_lat(tmp_path: Path) -> None:
    path = tmp_path / "sites.xlsx"
    pd.DataFrame({"候选点编号": ["S-1", "S-2"], "可建设施类型": ["停车场、充电桩", "养老"],
                  "造价（万元）": [120, "85.5"], "经度": [113.82, 113.83],
                  "纬度": [34.03, 34.04]}).to_excel(path, index=False)
    res = read_layer(path, "sites")
    assert list(res.gdf.index) == ["S-1", "S-2"]
    assert res.gdf["kinds"].tolist() == ["parking,ev_charger", "elderly_care"]
    assert res.gdf["cost"].tolist() == [120.0, 85.5]
    assert res.report.driver == "XLSX"


def test_read_layers_multi_layer_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "district.gpkg"
    block_grid(3).reset_index().to_file(path, layer="communities")
    points([(0, 0), (200, 50)]).reset_index().to_file(path, layer="facilities")
    lattice_streets(4).reset_index().to_file(path, layer="streets")
    gpd.GeoDataFrame({"zone_id": ["Z001"]}, geometry=[box(0, 0, 1, 1)],
                     crs=CRS_GK).to_file(path, layer="zones")  # a plan layer: left alone
    layers = read_layers(path)
    assert list(layers) == ["communities", "facilities", "streets"]
    assert len(layers["communities"].gdf) == 9
    assert list(layers["facilities"].gdf.index) == ["F0", "F1"]
    assert layers["streets"].report.file_layer == "streets"


def test_read_layers_reports_every_layer_at_once(tmp_path: Path) -> None:
    path = tmp_path / "district.gpkg"
    grid = block_grid(2).reset_index()
    grid.loc[1, "households"] = -1
    grid.to_file(path, layer="communities")
    fac = points([(0, 0), (10, 0)]).reset_index()
    fac["facility_id"] = "F0"
    fac.to_file(path, layer="facilities")
    with pytest.raises(LayerValidationError) as exc:
        read_layers(path)
    found = problems_of(exc)
    assert set(found) == {"communities.households", "facilities.facility_id"}
    assert "C01 (row 2)" in found["communities.households"][0]
    assert "F0 (row 1), F0 (row 2)" in found["facilities.facility_id"][0]


def test_read_layers_without_canonical_layers(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    block_grid(2).reset_index().to_file(path, layer="xiaoqu")
    with pytest.raises(LayerValidationError, match="the file has: xiaoqu"):
        read_layers(path)


def test_bundled_sample_district() -> None:
    from planning.sample import SAMPLE_PATH

    layers = read_layers(SAMPLE_PATH)
    assert set(layers) == set(LAYERS)
    raw = pyogrio.read_dataframe(SAMPLE_PATH, layer="communities").set_index("community_id")
    com = layers["communities"].gdf
    assert com.crs.to_epsg() == 4547
    assert list(com.index) == list(raw.index)
    assert com["households"].tolist() == raw["households"].tolist()
    assert com.geometry.is_valid.all()
    assert len(layers["communities"].report.repairs) == (~raw.geometry.is_valid).sum()
    kinds = set(layers["facilities"].gdf["kind"])
    assert kinds <= {"elderly_care", "ev_charger", "parking", "clinic", "market",
                     "kindergarten"}


# --- aliases -------------------------------------------------------------------------------

_GEOM_FOR = {"polygon": _square_wkt(0), "point": Point(LON0, LAT0).wkt,
             "line": LineString([(LON0, LAT0), (LON0 + 0.001, LAT0)]).wkt,
             "point_or_polygon": Point(LON0, LAT0).wkt,
             "line_or_polygon": LineString([(LON0, LAT0), (LON0 + 0.001, LAT0)]).wkt}
_VALUE_FOR = {"int": ("12", 12), "float": ("3.5", 3.5), "fraction": ("0.5", 0.5),
              "year": ("1990", 1990), "str": ("甲", "甲"), "kinds": ("停车场", "parking")}


def _alias_cases() -> list[tuple[str, str, str]]:
    cases = []
    for layer in LAYERS.values():
        headers = [("id", layer.id_column)]
        for col in layer.columns:
            headers += [(h, col.name) for h in (col.name, col.label_zh, col.label_en,
                                                 *col.aliases)]
        headers += [(h, layer.id_column) for h in ("编号", "ID", "OBJECTID", "小区编号",
                                                    layer.id_column)]
        cases += [(layer.name, h, c) for h, c in headers]
    return cases


@pytest.mark.parametrize(("layer", "header", "canonical"), _alias_cases())
def test_every_alias_maps_to_its_column(tmp_path: Path, layer: str, header: str,
                                        canonical: str) -> None:
    schema = LAYERS[layer]
    row: dict[str, object] = {}
    for col in schema.columns:  # the required columns, under their Chinese label
        if col.required and col.name != canonical:
            row[col.label_zh] = _VALUE_FOR[col.dtype][0]
    if canonical == schema.id_column:
        text, value = "X-1", "X-1"
    elif layer == "facilities" and canonical == "kind":
        text, value = "停车场", "parking"
    else:
        text, value = _VALUE_FOR[schema.column(canonical).dtype]
    row[header] = text
    row["WKT"] = _GEOM_FOR[schema.geometry]
    if len({schema.resolve_header(h) for h in row if h != "WKT"}) < len(row) - 1:
        pytest.skip("the required column's label is itself this alias")
    res = read_layer(write_csv(tmp_path / "a.csv", [row]), layer)
    assert res.report.columns[header] == canonical
    got = res.gdf.index[0] if canonical == schema.id_column else res.gdf[canonical].iloc[0]
    assert got == value


@pytest.mark.parametrize(("header", "canonical"), [
    ("户数（户）", "households"), ("建筑面积(m²)", "floor_area_m2"), (" Built Year ", "built_year"),
    ("建成年份", "built_year"), ("所属街道", "subdistrict"), ("所属区县", "district"),
    ("栋数", "buildings"), ("同意率（%）", "consent_rate")])
def test_headers_with_units_and_spaces(tmp_path: Path, header: str, canonical: str) -> None:
    rows = [{**community_rows(1)[0], header: "12"}]
    if canonical == "households":
        del rows[0]["户数"]
    if canonical == "built_year":
        del rows[0]["建成年代"]
        rows[0][header] = "1990"
    if canonical == "consent_rate":
        del rows[0]["同意率"]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.report.columns[header.strip()] == canonical  # CSV headers are stripped


def test_unknown_columns_survive_and_are_listed(tmp_path: Path) -> None:
    rows = [{**r, "产权单位": f"单位{i}", "备注": ""} for i, r in enumerate(community_rows(2))]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.report.unknown_columns == ["产权单位", "备注"]
    assert res.gdf["产权单位"].tolist() == ["单位0", "单位1"]
    assert list(res.gdf.columns)[-3:] == ["产权单位", "备注", "geometry"]
    assert "产权单位" in res.report.summary()


def test_two_headers_for_one_column_keep_the_first(tmp_path: Path) -> None:
    rows = [{**r, "建成年份": 2001} for r in community_rows(1)]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.gdf["built_year"].iloc[0] == 1985
    assert res.gdf["建成年份"].iloc[0] == "2001"
    assert any("both '建成年代' and '建成年份'" in str(n) for n in res.report.notes)


def test_missing_optional_columns_are_added_empty(tmp_path: Path) -> None:
    res = read_layer(write_csv(tmp_path / "c.csv", community_rows(2)), "communities")
    assert res.gdf["elderly_share"].isna().all()
    assert str(res.gdf["parking_spaces"].dtype) == "Int64"
    assert "elderly_share" in res.report.missing_columns
    assert "households" not in res.report.missing_columns


# --- ids -----------------------------------------------------------------------------------


def test_generated_ids_are_stable_and_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", community_rows(3))
    first = read_layer(path, "communities")
    again = read_communities(path)
    assert list(first.gdf.index) == ["C0001", "C0002", "C0003"] == list(again.gdf.index)
    assert first.report.ids_generated
    assert "generated from row order C0001…C0003" in first.report.summary()
    fac = read_layer(write_csv(tmp_path / "f.csv", [{"类型": "诊所", "经度": 1, "纬度": 2}]),
                     "facilities")
    assert list(fac.gdf.index) == ["F0001"]


def test_numeric_ids_become_strings(tmp_path: Path) -> None:
    grid = block_grid(2).reset_index(drop=True)
    grid["OBJECTID"] = [10, 11, 12, 13]
    path = tmp_path / "c.gpkg"
    grid.to_file(path)
    res = read_layer(path, "communities")
    assert list(res.gdf.index) == ["10", "11", "12", "13"]
    assert res.gdf.index.dtype == "str"


# --- rejections: each names the rows ---------------------------------------------------------


def test_missing_required_column(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "户数"} for r in community_rows(2)]
    with pytest.raises(LayerValidationError) as exc:
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    (msg,) = problems_of(exc)["households"]
    assert "missing required column households (户数)" in msg
    assert "小区名称" in msg  # says which columns it did find


def test_every_problem_at_once_with_rows(tmp_path: Path) -> None:
    # a CSV: rows are named by their line as Excel numbers it (the header is line 1)
    rows = community_rows(8)
    rows[0]["户数"] = "很多"            # non-numeric
    rows[1]["户数"] = "-20"             # negative
    rows[2]["建成年代"] = "19850"       # not a year
    rows[3]["建成年代"] = "85"          # two-digit year
    rows[4]["同意率"] = "185"           # out of range even as a percentage
    rows[5]["几何"] = "POINT (113.82 34.03)"  # not a polygon
    rows[6]["几何"] = ""                # no geometry
    rows[7]["户数"] = ""                # required value missing
    with pytest.raises(LayerValidationError) as exc:
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    found = problems_of(exc)
    text = str(exc.value)
    assert text.startswith(f"{tmp_path / 'c.csv'}: ")
    assert len(exc.value.problems) == 8
    hh = " | ".join(found["households"])
    assert "not a number: '很多' (rows: C0001 (line 2))" in hh
    assert "'-20' out of range; allowed >= 0 (rows: C0002 (line 3))" in hh
    assert "empty, but households (户数) is required (rows: C0008 (line 9))" in hh
    yr = " | ".join(found["built_year"])
    assert "not a year" in yr and "C0003 (line 4)" in yr
    assert "did you mean 1985?" in yr and "C0004 (line 5)" in yr
    assert "C0005 (line 6)" in found["consent_rate"][0]
    geom = " | ".join(found["geometry"])
    assert "几何类型不符：点（Point），需要面（边界）；小区需要边界面（WKT 面列或 GIS" in geom
    assert "Point where polygons (outlines) are needed; compounds need their outlines" in geom
    assert "(rows: C0006 (line 7))" in geom
    assert "no geometry (rows: C0007 (line 8))" in geom


def test_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    rows = [{"小区编号": i, **r} for i, r in zip(["A1", "A2", "A1"], community_rows(3),
                                                strict=True)]
    with pytest.raises(LayerValidationError) as exc:
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    (msg,) = problems_of(exc)["community_id"]
    assert "duplicate ids" in msg and "A1 (line 2), A1 (line 4)" in msg
    assert "A2" not in msg


def test_empty_geometry_and_empty_id(tmp_path: Path) -> None:
    rows = [{"编号": i, **r} for i, r in zip(["A1", "", "A3"], community_rows(3), strict=True)]
    rows[2]["几何"] = "POLYGON EMPTY"
    with pytest.raises(LayerValidationError) as exc:
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    found = problems_of(exc)
    assert found["community_id"] == ["community_id: 编号为空 / empty id (rows: line 3)"]
    assert found["geometry"] == ["geometry: 几何为空 / empty geometry (rows: A3 (line 4))"]


def test_unreadable_wkt_names_rows(tmp_path: Path) -> None:
    rows = community_rows(3)
    rows[1]["几何"] = "POLYGON((1 2, 3"
    rows[2]["几何"] = ""
    with pytest.raises(LayerValidationError) as exc:
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    unreadable, missing = problems_of(exc)["geometry"]
    assert "cannot read the geometry from 几何 (WKT)" in unreadable
    assert unreadable.endswith("(rows: C0002 (line 3))")
    assert missing == "geometry: 缺少几何 / no geometry (rows: C0003 (line 4))"  # C0002 once


def test_lines_in_communities_and_polygons_in_streets(tmp_path: Path) -> None:
    line = LineString([(LON0, LAT0), (LON0 + 0.001, LAT0)]).wkt
    rows = community_rows(2)
    rows[0]["几何"] = line
    with pytest.raises(LayerValidationError, match=r"LineString where polygons .*C0001"):
        read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    streets = [{"道路名称": "建设路", "geometry": _square_wkt(0)}]
    with pytest.raises(LayerValidationError, match=r"Polygon where lines are needed"):
        read_layer(write_csv(tmp_path / "s.csv", streets), "streets")


def test_empty_layers(tmp_path: Path) -> None:
    empty = gpd.GeoDataFrame({"kind": pd.Series([], dtype=str)}, geometry=[], crs=CRS_GK)
    fac = tmp_path / "f.gpkg"
    empty.to_file(fac, layer="facilities")
    res = read_layer(fac, "facilities")
    assert len(res.gdf) == 0 and res.report.rows == 0
    assert "empty layer" in res.report.summary()
    com = tmp_path / "c.gpkg"
    gpd.GeoDataFrame({"households": pd.Series([], dtype=int)}, geometry=[],
                     crs=CRS_GK).to_file(com, layer="communities")
    with pytest.raises(LayerValidationError, match="communities layer has no rows"):
        read_layer(com, "communities")


def test_consent_85_is_read_as_085_and_reported(tmp_path: Path) -> None:
    rows = community_rows(3)
    rows[1]["同意率"] = "85"
    rows[2]["同意率"] = "80%"
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.gdf["consent_rate"].tolist() == pytest.approx([0.9, 0.85, 0.8])
    note = next(n for n in res.report.notes if n.column == "consent_rate")
    assert note.rows == ("C0002 (line 3)",)
    assert "85 → 0.85" in res.report.summary()


def test_decade_is_read_with_a_note(tmp_path: Path) -> None:
    rows = community_rows(2)
    rows[0]["建成年代"] = "80年代"
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.gdf["built_year"].tolist() == [1985, 1986]
    assert any(n.column == "built_year" and n.rows == ("C0001 (line 2)",)
               for n in res.report.notes)


# --- geometry repair -----------------------------------------------------------------------


def test_invalid_polygons_are_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = Polygon([(0, 0), (20, 20), (20, 0), (0, 20)])  # two triangles of 100 m² each
    spike = Polygon([(0, 0), (10, 0), (10, 10), (10, 20), (10, 10), (0, 10)])
    holed = Polygon(box(0, 0, 30, 30).exterior.coords, [box(10, 10, 20, 20).exterior.coords])
    two = MultiPolygon([box(0, 0, 5, 5), box(10, 0, 15, 5)])
    g = gpd.GeoDataFrame({"households": [1, 2, 3, 4]},
                         geometry=[shapely.affinity.translate(x, 483000, 3766000)
                                   for x in (bowtie, spike, holed, two)], crs=CRS_GK)
    path = tmp_path / "c.gpkg"
    g.to_file(path)
    res = read_layer(path, "communities")
    assert res.gdf.geometry.is_valid.all()
    assert [r.row for r in res.report.repairs] == ["C0001 (row 1)", "C0002 (row 2)"]
    assert "Self-intersection" in res.report.repairs[0].reason
    assert res.gdf.geometry.iloc[0].area == pytest.approx(200.0)
    assert res.gdf.geometry.iloc[1].area == pytest.approx(100.0)   # spike dropped
    assert res.gdf.geometry.iloc[1].geom_type == "Polygon"
    assert res.gdf.geometry.iloc[2].area == pytest.approx(800.0)   # hole kept
    assert res.gdf.geometry.iloc[3].geom_type == "MultiPolygon"    # multipolygons are fine
    assert "repaired geometries 已修复几何 (2)" in res.report.summary()
    # said in words, in the page's language: not GEOS's "Self-intersection[483010 3766010]"
    zh, en = res.report.summary("zh"), res.report.summary("en")
    assert "C0001（第1行）：自相交（483,010.0, 3,766,010.0 处），修复为多部分面" in zh
    assert "C0001 (row 1): self-intersection at (483,010.0, 3,766,010.0), repaired as a " \
        "multi-part polygon" in en and "Self-intersection[" not in zh + en


def test_overlapping_and_touching_compounds_are_not_errors(tmp_path: Path) -> None:
    g = gpd.GeoDataFrame({"households": [1, 2, 3]},
                         geometry=[box(0, 0, 10, 10), box(5, 5, 15, 15), box(15, 0, 25, 10)],
                         crs=CRS_GK).translate(483000, 3766000)
    path = tmp_path / "c.gpkg"
    gpd.GeoDataFrame({"households": [1, 2, 3]}, geometry=g, crs=CRS_GK).to_file(path)
    res = read_layer(path, "communities")
    assert len(res.gdf) == 3 and res.report.repairs == []


def test_z_coordinates_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"kind": ["parking"]}, geometry=[Point(483000, 3766000, 55.0)],
                     crs=CRS_GK).to_file(path)
    res = read_layer(path, "facilities")
    assert not res.gdf.geometry.has_z.any()
    assert any("Z values dropped" in str(n) for n in res.report.notes)


def test_single_part_multipoint_becomes_point(tmp_path: Path) -> None:
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"kind": ["parking", "clinic"]},
                     geometry=[shapely.MultiPoint([(483000, 3766000)]),
                               shapely.MultiPoint([(483000, 3766000), (483010, 3766000)])],
                     crs=CRS_GK).to_file(path)
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "facilities")
    assert problems_of(exc)["geometry"] == [
        "geometry: 几何类型不符：多部分点（MultiPoint），需要点 / MultiPoint where points are "
        "needed (rows: F0002 (row 2))"]


def test_sites_take_points_or_polygons_barriers_lines_or_polygons(tmp_path: Path) -> None:
    sites = gpd.GeoDataFrame({"kinds": ["停车场", "养老"]},
                             geometry=[Point(483000, 3766000), box(483000, 3766000, 483050,
                                                                  3766050)], crs=CRS_GK)
    sites.to_file(tmp_path / "s.gpkg")
    assert len(read_layer(tmp_path / "s.gpkg", "sites").gdf) == 2
    barriers = gpd.GeoDataFrame({"类型": ["河流", "铁路"]},
                                geometry=[box(483000, 3766000, 483050, 3766050),
                                          LineString([(483000, 3766000), (484000, 3766000)])],
                                crs=CRS_GK)
    barriers.to_file(tmp_path / "b.gpkg")
    res = read_layer(tmp_path / "b.gpkg", "barriers")
    assert res.gdf["barrier_kind"].tolist() == ["河流", "铁路"]


def test_spreadsheet_with_title_rows_and_blank_tail(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["魏都区2024年候选点清单"])  # a merged title line, as bureaus send them
    ws.append([])
    ws.append(["序号", "候选点名称", "可建设施类型", "造价（万元）", "经度", "纬度", None])
    ws.append([1, "幸福里北侧空地", "停车场、充电桩", 120, 113.82, 34.03, None])
    ws.append([2, "建设路口", "养老", "85.5万", 113.83, 34.04, None])
    ws.append([None] * 7)
    ws.append([None] * 7)
    wb.save(path)
    res = read_layer(path, "sites")
    assert res.gdf["name"].tolist() == ["幸福里北侧空地", "建设路口"]
    assert res.gdf["kinds"].tolist() == ["parking,ev_charger", "elderly_care"]
    assert res.gdf["cost"].tolist() == [120.0, 85.5]  # the column counts in 万元 already
    assert res.report.unknown_columns == ["序号"]
    assert any("header on line 3" in str(n) for n in res.report.notes)


def test_csv_trailing_blank_lines_and_ragged_rows(tmp_path: Path) -> None:
    text = ("小区名称,户数,几何\n"
            f'甲,10,"{_square_wkt(0)}"\n'
            f'乙,20,"{_square_wkt(1)}",\n'   # a trailing comma: one more (blank) cell
            ",,\n\n")
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    res = read_layer(path, "communities")
    assert res.gdf["households"].tolist() == [10, 20]
    assert res.report.unknown_columns == []


def test_spreadsheet_problems_name_the_excel_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "list.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["候选点清单"])
    ws.append(["名称", "可建设施类型", "经度", "纬度"])
    ws.append(["甲", "停车场", 113.82, 34.03])
    ws.append(["乙", "健身房", 113.83, 34.04])   # Excel row 4: an unknown kind
    wb.save(path)
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "sites")
    (msg,) = problems_of(exc)["kinds"]
    assert "'健身房'" in msg and "(rows: S0002 (line 4))" in msg


def test_folder_of_shapefiles(tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    _chinese_shapefile(folder / "communities.shp", encoding="GBK")
    _strip_encoding_hints(folder / "communities.shp")
    lattice_streets(3).reset_index().to_file(folder / "streets.shp")
    (folder / "readme.txt").write_text("说明", encoding="utf-8")  # not a layer
    layers = read_layers(folder)
    assert list(layers) == ["communities", "streets"]
    assert layers["communities"].gdf["name"].iloc[1] == "建设路小区"
    assert layers["communities"].report.encoding == "GBK"
    assert layers["streets"].report.file_layer == "streets"


def test_zip_with_chinese_layer_names_and_a_notes_spreadsheet(tmp_path: Path) -> None:
    shp = tmp_path / "src" / "c.shp"
    shp.parent.mkdir()
    _chinese_shapefile(shp, encoding="GBK")
    notes = tmp_path / "src" / "说明.xlsx"
    pd.DataFrame({"说明": ["数据来源：住建局"]}).to_excel(notes, index=False)
    members = {**_shapefile_members(shp, stem="小区"), "说明.xlsx": notes.read_bytes()}
    z = _zip(tmp_path / "delivery.zip", members)
    assert read_layer(z, "communities").report.file_layer == "小区"   # by its Chinese name
    assert list(read_layers(z)) == ["communities"]
    members = {**_shapefile_members(shp, stem="xq2024"), "说明.xlsx": notes.read_bytes()}
    z = _zip(tmp_path / "other.zip", members)
    assert read_layer(z, "communities").report.file_layer == "xq2024"  # the only vector one


def test_osm_extract_is_pointed_to_geo_osm(helsinki_pbf: str) -> None:
    with pytest.raises(LayerValidationError, match="--osm.*geo.osm.read_osm"):
        read_layer(helsinki_pbf, "streets")


def test_geojson_with_numbers_and_text_in_one_property_reads_without_a_warning(
        tmp_path: Path) -> None:
    # GDAL types such a property as JSON and pyogrio warned that it could not parse it; the
    # app showed that warning to the planner
    import warnings

    g = block_grid(2).to_crs(4326)
    g["households"] = g["households"].astype(object)
    g.loc["C01", "households"] = "约200"
    path = tmp_path / "小区.geojson"
    path.write_text(g.to_json(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = read_layer(path, "communities")
    assert res.gdf.loc["C01", "households"] == 200
    assert res.gdf.loc["C00", "households"] == g.loc["C00", "households"]
    assert any("约数按所写数字计" in f for f in res.report.summary().splitlines())


def test_read_report_in_one_language_names_layer_and_columns_by_their_labels(
        tmp_path: Path) -> None:
    # the app showed the command line's bilingual summary, with canonical column names
    rows = [{"name": f"幸福里{i}", "households": "约148" if i == 0 else 100 + i,
             "built_year": 1990, "wkt": _square_wkt(i)} for i in range(3)]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    bilingual = res.report.summary()
    assert "to check 请核对:" in bilingual
    assert "约数按所写数字计，请核对：'约148' → 148 / approximate" in bilingual
    en = res.report.summary("en").splitlines()
    assert en[0].startswith("Compounds: 3 rows · CRS EPSG:4326 (assumed) · CSV")
    assert "  columns: name → Name, households → Households, built_year → Built year" in en
    assert "  to check:" in en
    notes = [line for line in en if line.startswith("    - ")]
    assert notes[0].startswith("    - Households: approximate values read as the number "
                               "written: '约148' → 148 (rows: C0001 (line 2))")
    assert notes[1].startswith("    - CRS: no CRS in the file")
    zh = res.report.summary("zh").splitlines()
    assert zh[0].startswith("小区：3 行 · 坐标系 EPSG:4326（假定） · CSV")
    assert "  请核对：" in zh
    assert "    - 户数：约数按所写数字计，请核对：'约148' → 148（行：C0001（第2行））" in zh
    assert "    - 坐标系：文件无坐标系，坐标像经纬度，按 WGS84（EPSG:4326）读取" in zh
    assert not any("approximate" in line or "assumed" in line for line in zh)


def test_chinese_half_of_a_reading_message_carries_the_values_and_the_allowed_range(
        tmp_path: Path) -> None:
    # the Chinese page shows only the text before " / ": 超出范围 alone told nothing to fix,
    # 约数按所写数字计，请核对 not which values were read how
    rows = [{"name": f"幸福里{i}", "households": "约300" if i == 0 else 100 + i,
             "consent_rate": "120%" if i == 1 else "85%", "wkt": _square_wkt(i)}
            for i in range(3)]
    with pytest.raises(LayerValidationError) as exc:  # out of range is an error, not a note
        read_layer(write_csv(tmp_path / "bad.csv", rows), "communities")
    zh = [p.message.partition(" / ")[0] for p in exc.value.problems]
    assert "超出范围：'120%'，允许 0–1" in zh
    rows[1]["consent_rate"] = "85%"
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    summary = res.report.summary("zh").splitlines()
    assert "    - 户数：约数按所写数字计，请核对：'约300' → 300（行：C0001（第2行））" in summary
    assert not any("approximate" in line for line in summary)


# --- Shapefile field names and the units headers state ----------------------------------


def _write_quietly(gdf: gpd.GeoDataFrame, path: Path, **kwargs: object) -> None:
    import warnings

    with warnings.catch_warnings():  # GDAL warns that it cuts long names: the case under test
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **kwargs)


_GRID_COLUMNS = ["name", "district", "subdistrict", "households", "population", "buildings",
                 "floor_area_m2", "built_year", "consent_rate", "elderly_share",
                 "parking_spaces", "ev_chargers"]


@pytest.mark.parametrize("names", ["canonical", "english"])
def test_names_gdal_cut_to_ten_characters_are_read_as_their_columns(tmp_path: Path,
                                                                    names: str) -> None:
    # QGIS and GDAL save consent_rate as consent_ra; read as unknown, every compound was left
    # out as "consent unknown"
    grid = block_grid(2)
    table = grid.reset_index()
    if names == "english":
        table = table.rename(columns={c.name: c.label_en for c in COMMUNITIES.columns})
    path = tmp_path / "c.shp"
    _write_quietly(table, path, encoding="UTF-8")
    fields = list(pyogrio.read_info(path)["fields"])
    assert ("consent_ra" if names == "canonical" else "Consent ra") in fields
    res = read_layer(path, "communities")
    assert res.report.unknown_columns == [] and res.report.missing_columns == []
    assert set(res.report.columns.values()) == {"community_id", *_GRID_COLUMNS}
    assert not res.report.ids_generated and list(res.gdf.index) == list(grid.index)
    pd.testing.assert_frame_equal(res.gdf[_GRID_COLUMNS], grid[_GRID_COLUMNS],
                                  check_dtype=False, check_index_type=False)


def _cut(header: str, encoding: str) -> str:
    """A header as a Shapefile keeps it: 10 bytes, a character cut in two dropped."""
    return header.encode(encoding)[:10].decode(encoding, errors="ignore")


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_chinese_headers_cut_at_ten_bytes_are_read_as_their_columns(tmp_path: Path,
                                                                    encoding: str) -> None:
    # 老年人口占比 is 老年人口占 in a GBK Shapefile: it was kept as it is and every elderly
    # share read as missing
    grid = block_grid(2)
    full = {"小区名称": "name", "户数": "households", "建成年代": "built_year",
            "居民同意率": "consent_rate", "老年人口占比": "elderly_share",
            "建筑面积_m2": "floor_area_m2", "现有充电桩": "ev_chargers"}
    cut = {_cut(h, encoding): c for h, c in full.items()}
    if encoding == "GBK":
        assert {"老年人口占", "建筑面积_m"} <= set(cut)
    else:
        assert {"老年人", "建筑面", "现有充"} <= set(cut)
    table = gpd.GeoDataFrame({h: grid[c].to_numpy() for h, c in cut.items()},
                             geometry=grid.geometry.to_numpy(), crs=CRS_GK)
    path = tmp_path / "c.shp"
    _write_quietly(table, path, encoding=encoding)
    assert set(pyogrio.read_info(path, encoding=encoding)["fields"]) == set(cut)
    res = read_layer(path, "communities")
    assert res.report.columns == cut
    assert res.report.unknown_columns == []
    for h, c in cut.items():
        assert res.gdf[c].tolist() == grid[c].tolist(), h


def test_a_cut_is_read_as_its_column_only_from_a_shapefile(tmp_path: Path) -> None:
    # in a CSV, 老年人 heads a count of elderly people: read as 老年人口占比 cut at 10 bytes,
    # 45 and 80 would have become shares of 0.45 and 0.8
    path = tmp_path / "c.csv"
    grid = block_grid(2).to_crs(4326)
    frame = pd.DataFrame({"户数": grid["households"], "老年人": [45, 80, 30, 60],
                          "wkt": grid.geometry.to_wkt()})
    frame.to_csv(path, index=False)
    res = read_layer(path, "communities")
    assert "老年人" in res.report.unknown_columns and res.gdf["elderly_share"].isna().all()
    assert res.gdf["老年人"].tolist() == ["45", "80", "30", "60"]  # kept as written
    assert COMMUNITIES.resolve_header("老年人", cuts=False) is None
    assert COMMUNITIES.resolve_header("老年人") == "elderly_share"  # a DBF's cut of it


@pytest.mark.parametrize(("header", "canonical"), [
    ("造价（万元", "cost"), ("Cost (10k ", "cost"), ("老年人口占", "elderly_share"),
    ("consent_ra", "consent_rate"), ("floor_area", "floor_area_m2"),
    ("subdistric", "subdistrict"), ("community_", "community_id"), ("comm_id", "community_id"),
    ("subdist", "subdistrict"), ("elderly_sh", "elderly_share"), ("parking_sp", "parking_spaces"),
    ("ev_charger", "ev_chargers"), ("cost_wan", "cost"), ("barr_kind", "barrier_kind")])
def test_cut_and_short_headers_resolve(header: str, canonical: str) -> None:
    layer = next(s for s in LAYERS.values() if canonical in s.column_names)
    assert layer.resolve_header(header) == canonical


def test_a_cut_header_two_columns_share_is_left_alone() -> None:
    # 候选点名称 (name) and 候选点编号 (the id) both lose their last characters to 候选点 in a
    # UTF-8 Shapefile: which one it was cannot be told
    from geo.schema import SITES

    assert _cut("候选点名称", "UTF-8") == _cut("候选点编号", "UTF-8") == "候选点"
    assert SITES.resolve_header("候选点") is None


def test_normalise_header_drops_a_unit_bracket_left_open() -> None:
    from geo.schema import normalise_header

    assert normalise_header("造价（万元") == "造价"
    assert normalise_header("Cost (10k ") == "cost"
    assert normalise_header("造价（万元）") == "造价"


def _sites_csv(path: Path, header: str, costs: list[object]) -> Path:
    rows = [{"候选点名称": f"空地{i}", "可建设施类型": "养老", "容量": 500,
             header: c, "经度": LON0 + 0.001 * i, "纬度": LAT0} for i, c in enumerate(costs)]
    return write_csv(path, rows)


@pytest.mark.parametrize("header", ["造价(元)", "造价（元）", "cost (CNY)", "cost_yuan",
                                    "投资(元)"])
def test_cost_in_yuan_is_read_in_wan_with_a_note(tmp_path: Path, header: str) -> None:
    # 造价(元) was read as 万元: every cost 10,000 times too high and a budget of 2000 built
    # nothing, without a word
    res = read_layer(_sites_csv(tmp_path / "s.csv", header, [4_050_000, "330,000", "85万元"]),
                     "sites")
    assert res.report.columns[header] == "cost"
    assert res.gdf["cost"].tolist() == pytest.approx([405.0, 33.0, 85.0])
    (note,) = [n for n in res.report.notes if n.column == "cost"]
    assert "10,000" in note.message and "万元" in note.message and header in note.message
    assert "换算" in res.report.summary("zh")


@pytest.mark.parametrize("header", ["造价（万元）", "造价（万元", "Cost (10k CNY)", "cost_wan"])
def test_cost_in_wan_is_read_as_it_is_without_a_note(tmp_path: Path, header: str) -> None:
    res = read_layer(_sites_csv(tmp_path / "s.csv", header, [405.0, 33]), "sites")
    assert res.report.columns[header] == "cost"
    assert res.gdf["cost"].tolist() == [405.0, 33.0]
    assert not [n for n in res.report.notes if n.column == "cost"]


def test_floor_area_in_ten_thousand_m2_is_read_in_m2_with_a_note(tmp_path: Path) -> None:
    rows = [{**r, "建筑面积(万平方米)": a}
            for r, a in zip(community_rows(3), [1.2, "0.85", "3,000平方米"], strict=True)]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.report.columns["建筑面积(万平方米)"] == "floor_area_m2"
    assert res.gdf["floor_area_m2"].tolist() == pytest.approx([12_000.0, 8_500.0, 3_000.0])
    (note,) = [n for n in res.report.notes if n.column == "floor_area_m2"]
    assert "10,000" in note.message and "万平方米" in note.message


def test_a_unit_the_column_is_not_counted_in_gives_a_note(tmp_path: Path) -> None:
    rows = [{("户数(人)" if k == "户数" else k): v for k, v in r.items()}
            for r in community_rows(2)]
    res = read_layer(write_csv(tmp_path / "c.csv", rows), "communities")
    assert res.report.columns["户数(人)"] == "households"
    assert res.gdf["households"].tolist() == [100, 101]
    (note,) = [n for n in res.report.notes if n.column == "households"]
    assert "人" in note.message and "户" in note.message and "as they are" in note.message
