"""Bureau exports of a plan: every file opened with GDAL, figures checked against the plan."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.io import read_layer
from geo.schema import COMMUNITIES, FACILITY_KINDS, LAYERS
from planning.cli import main
from planning.export import (
    BUREAU_LAYERS,
    SHAPEFILE_OMITTED,
    ZONE_PAGES_MAX,
    ExportResult,
    bureau_layers,
    export_plan,
    field_label,
    field_schema,
    print_maps,
    shapefile_name,
)
from planning.export_tables import (
    SHEETS,
    sheet_title,
    step_status,
    summary_tables,
    write_tables,
)
from planning.scenario import Plan, Scenario, SitingParameters, load_plan, run_plan, save_plan
from planning.siting import reason_in
from planning.standards import load_standards
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points
from tests.planning.test_scenario import assert_plans_equal

OGRINFO = shutil.which("ogrinfo")
PDFTOPPM = shutil.which("pdftoppm")
needs_ogrinfo = pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is not installed "
                                                           "(apt-get install gdal-bin)")


def ogrinfo(path: str | Path) -> str:
    assert OGRINFO is not None
    return subprocess.run([OGRINFO, "-ro", "-so", "-al", str(path)], check=True,
                          capture_output=True, text=True, encoding="utf-8").stdout


def _layers() -> dict[str, gpd.GeoDataFrame]:
    grid = block_grid(4, households=lambda r, c: 240 + 10 * r + 3 * c)
    grid.loc["C03", "built_year"] = 2008  # excluded: built after 2000
    facilities = pd.concat([points([(50, 50)], kind="elderly_care", prefix="FE"),
                            points([(400, 60)], kind="parking", prefix="FP"),
                            points([(60, 400)], kind="market", prefix="FM")])
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2", "S3"], "kinds": ["parking,ev_charger", "elderly_care",
                                                  "ev_charger"],
         "name": ["空地1号", "空地2号", "院内空地"], "capacity": [80.0, 400.0, 20.0],
         "cost": [120.0, 160.0, 10.0],
         "geometry": [Point(ORIGIN_X + 110, ORIGIN_Y + 230), Point(ORIGIN_X + 350,
                                                                   ORIGIN_Y + 350),
                      Point(ORIGIN_X + 230, ORIGIN_Y + 110)]},
        crs=CRS_GK).set_index("site_id")
    return {"communities": grid, "facilities": facilities, "sites": sites,
            "streets": lattice_streets(5)}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_plan(Scenario(layers=_layers(), standards=load_standards(), seed=2,
                             name="测试片区"))


@pytest.fixture(scope="module")
def exported(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_plan(plan, tmp_path_factory.mktemp("export"), lang="zh")


@pytest.fixture(scope="module")
def exported_en(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_plan(plan, tmp_path_factory.mktemp("export_en"), lang="en")


def test_every_file_is_written(exported: ExportResult) -> None:
    assert set(exported.geojson) == set(BUREAU_LAYERS) == set(exported.shapefiles)
    for path in exported.paths:
        assert path.is_file() and path.stat().st_size > 0, path
    assert exported.tables[0].name == "summary.xlsx"
    assert [p.stem for p in exported.tables[1:]] == list(SHEETS)


@needs_ogrinfo
def test_gdal_opens_every_geojson_in_wgs84_with_the_plan_counts(plan: Plan,
                                                                exported: ExportResult) -> None:
    layers = bureau_layers(plan)
    for name, path in exported.geojson.items():
        text = ogrinfo(path)
        assert f"Layer name: {name}" in text
        assert f"Feature Count: {len(layers[name])}" in text
        assert 'ID["EPSG",4326]' in text
        doc = json.loads(path.read_text("utf-8"))
        assert "crs" not in doc
        fields = set(re.findall(r"^(\w+): (?:String|Integer|Integer64|Real)", text, re.M))
        keys = {k for f in doc["features"] for k in f["properties"]}
        assert keys <= fields | {"geometry"}
        # one geometry type per layer: GDAL reads a Polygon + MultiPolygon mix as "Unknown"
        types = {f["geometry"]["type"] for f in doc["features"]}
        assert len(types) <= 1, (name, types)
        if types:  # GDAL spells them "Multi Polygon", "Point"
            assert "Geometry: " + types.pop().replace("Multi", "Multi ") in text


def test_polygon_layers_are_multipolygon_in_the_geojson(plan: Plan) -> None:
    # the sample's gaps mixed 426 Polygons with 1,416 MultiPolygons: "Unknown (any)" to GDAL
    import dataclasses

    from shapely.geometry import MultiPolygon, box

    x, y = plan.communities.total_bounds[:2]
    gaps = gpd.GeoDataFrame(
        {"kind": ["parking", "parking"], "community_id": ["C00", "C01"]}, crs=plan.crs,
        geometry=[box(x, y, x + 10, y + 10),
                  MultiPolygon([box(x + 20, y, x + 30, y + 10), box(x + 40, y, x + 50, y + 10)])])
    layers = bureau_layers(dataclasses.replace(plan, gaps=gaps))
    assert layers["gaps"].geom_type.tolist() == ["MultiPolygon", "MultiPolygon"]
    assert layers["gaps"].geometry.area.tolist() == pytest.approx([100.0, 200.0])
    assert gaps.geom_type.tolist() == ["Polygon", "MultiPolygon"]  # the plan is left as it is


@needs_ogrinfo
def test_gdal_opens_every_shapefile_zip_with_short_names_and_the_analysis_crs(
        plan: Plan, exported: ExportResult) -> None:
    layers = bureau_layers(plan)
    for name, path in exported.shapefiles.items():
        text = ogrinfo(f"/vsizip/{path}")
        assert f"Layer name: {name}" in text
        assert f"Feature Count: {len(layers[name])}" in text
        assert "CGCS2000" in text and "114E" in text
        schema = pd.read_csv(exported.schemas[name], encoding="utf-8-sig",
                             keep_default_na=False)
        omitted = schema["shapefile_name"] == ""
        assert schema.loc[omitted, "field"].tolist() == [
            f for f in SHAPEFILE_OMITTED.get(name, ()) if f in schema["field"].tolist()]
        schema = schema[~omitted]
        fields = re.findall(r"^(\w+): \w+ \(", text, re.M)
        assert fields == schema["shapefile_name"].tolist()
        assert all(len(f) <= 10 and f.isascii() for f in fields)
        with zipfile.ZipFile(path) as zf:
            assert zf.read(f"{name}.cpg") == b"GBK"
            aliases = list(csv.DictReader(zf.read(f"{name}_fields.csv")
                                          .decode("utf-8-sig").splitlines()))
        assert [a["short_name"] for a in aliases] == fields
        assert [a["中文名"] for a in aliases] == schema["label_zh"].tolist()


@needs_ogrinfo
def test_gdal_opens_the_project_geopackage_and_it_reloads_into_the_same_plan(
        plan: Plan, exported: ExportResult) -> None:
    text = ogrinfo(exported.project)
    for layer in ("communities", "facilities", "sites", "streets", "plan_communities",
                  "zones", "planned_facilities", "parameters"):
        assert f"Layer name: {layer}" in text
    n = len(plan.communities)
    assert re.search(rf"Layer name: plan_communities\n(?:.*\n)*?Feature Count: {n}\n", text)
    assert 'ID["EPSG",4547]' in text
    assert_plans_equal(plan, load_plan(exported.project))


def test_geojson_properties_are_the_plan_values(plan: Plan, exported: ExportResult) -> None:
    doc = json.loads(exported.geojson["compounds"].read_text("utf-8"))
    assert [f["id"] for f in doc["features"]] == list(plan.communities.index)
    props = pd.DataFrame([f["properties"] for f in doc["features"]]).set_index("community_id")
    c = plan.communities
    assert props["households"].tolist() == c["households"].tolist()
    zone_ids = [f["properties"]["zone_id"] for f in doc["features"]]
    assert zone_ids == [None if pd.isna(v) else v for v in c["zone_id"]]
    assert props.loc["C03", "excluded_reason"] == c.loc["C03", "excluded_reason"]
    assert "建成" in exported.geojson["compounds"].read_text("utf-8") or \
        c.loc["C03", "excluded_reason"] in exported.geojson["compounds"].read_text("utf-8")


def test_a_field_without_a_value_is_null_in_every_layer(plan: Plan,
                                                       exported: ExportResult) -> None:
    # a zone within its bounds had bounds_note "" and an eligible compound reason_codes "",
    # beside null for every other field without a value ("is empty" vs "is null" in QGIS)
    assert (plan.zones["bounds_note"] == "").any()
    assert (plan.communities["reason_codes"].fillna("") == "").any()
    for name, path in exported.geojson.items():
        for f in json.loads(path.read_text("utf-8"))["features"]:
            blank = [k for k, v in f["properties"].items() if isinstance(v, str) and not v.strip()]
            assert not blank, (name, blank)
    zones = json.loads(exported.geojson["zones"].read_text("utf-8"))["features"]
    assert [f["properties"]["bounds_note"] for f in zones] == [None] * len(zones)  # in bounds


def test_field_schema_gives_every_property_a_chinese_and_english_alias(
        plan: Plan, exported: ExportResult) -> None:
    for name, path in exported.geojson.items():
        schema = pd.read_csv(exported.schemas[name], encoding="utf-8-sig", keep_default_na=False)
        doc = json.loads(path.read_text("utf-8"))
        keys = [k for f in doc["features"][:1] for k in f["properties"]]
        assert keys == schema["field"].tolist()[: len(keys)]
        assert (schema["label_zh"] != "").all() and (schema["label_en"] != "").all()
    schema = field_schema(plan.communities, layer="compounds")
    labels = dict(zip(schema["field"], schema["label_zh"], strict=True))
    assert labels["community_id"] == "小区编号"
    assert labels["households"] == "户数"
    assert labels["zone_id"] == "片区编号"
    assert labels["excluded_reason"] == "未纳入原因"
    # every per-kind column the coverage step wrote is named in Chinese, not left raw
    for col in plan.communities.columns:
        if col.startswith(("walk_minutes_", "covered_", "reason_")):
            assert labels[col] != col and re.search(r"[\u4e00-\u9fff]", labels[col]), col


def test_field_labels_of_per_kind_columns() -> None:
    assert field_label("walk_minutes_kindergarten") == ("步行至幼儿园时间（分钟）",
                                                        "Walking minutes to kindergarten")
    assert field_label("covered_market_10min")[0] == "10分钟内可达菜市场"
    assert field_label("covered_clinic_before")[0] == "现状社区卫生服务站达标"
    assert field_label("floor_area_m2") == ("建筑面积", "Floor area (m²)")
    assert field_label("something_new") == ("something_new", "something_new")
    assert field_label("name", layer="compounds")[0] == "小区名称"
    assert field_label("name", layer="planned_facilities")[0] == "候选点名称"
    assert field_label("community_ids")[0] == "所含小区编号"


def test_tables_match_the_plan(plan: Plan, exported: ExportResult) -> None:
    book = openpyxl.load_workbook(exported.tables[0])
    assert book.sheetnames == [sheet_title(name, "zh") for name in SHEETS]
    for path in exported.tables[1:]:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens Chinese right
        header = next(csv.reader([raw.decode("utf-8-sig").splitlines()[0]]))
        assert header == [c.value for c in book[sheet_title(path.stem, "zh")][1]]
    compounds = pd.read_csv(exported.tables[1 + SHEETS.index("compounds")],
                            encoding="utf-8-sig")
    assert len(compounds) == len(plan.communities)
    assert compounds["户数"].sum() == plan.communities["households"].sum()
    expected_yes = plan.communities["eligible"].map({True: "是", False: "否"})
    assert compounds["符合改造条件"].tolist() == expected_yes.tolist()
    # cost: households of zoned compounds × 万元 per household + every planned facility's cost
    cost = pd.read_csv(exported.tables[1 + SHEETS.index("cost")], encoding="utf-8-sig")
    total = cost.iloc[-1]
    assert total["片区编号"] == "合计"
    zoned = plan.communities["zone_id"].notna()
    per_hh = plan.scenario.standards.cost.per_household_wan
    expected = (plan.communities.loc[zoned, "households"].sum() * per_hh
                + pd.to_numeric(plan.planned_facilities["cost"]).sum())
    assert total["总投资（万元）"] == pytest.approx(expected, abs=0.05)
    facilities = pd.read_csv(exported.tables[1 + SHEETS.index("facilities")],
                             encoding="utf-8-sig")
    assert (facilities["状态"] == "规划").sum() == len(plan.planned_facilities)
    assert (facilities["状态"] == "现有").sum() == len(plan.scenario.layers["facilities"])
    # the demand left unserved: every row of the plan's table, the reason in the sheet's words
    unserved = pd.read_csv(exported.tables[1 + SHEETS.index("unserved")], encoding="utf-8-sig")
    assert len(unserved) == len(plan.unserved)
    assert unserved["未满足"].sum() == pytest.approx(plan.unserved["unserved"].sum(),
                                                  abs=0.05 * len(unserved))  # each to 0.1
    assert len(unserved) > 0  # the test district leaves some demand unserved
    assert not unserved["原因"].str.contains("/").any()  # Chinese only, not "中文 / English"
    assert set(unserved["单位"]) <= {k.capacity_unit_zh for k in FACILITY_KINDS.values()}


def test_run_sheet_keeps_the_siting_notes(plan: Plan) -> None:
    assert plan.notes  # the test district has no budget: the fewest sites, with a note
    for lang, key, value in (("zh", "代码", "值"), ("en", "Key", "Value")):
        run = summary_tables(plan, lang=lang)["run"]
        assert run.loc[run[key] == "note", value].tolist() == [reason_in(n, lang)
                                                               for n in plan.notes]


def test_run_sheet_gives_the_siting_parameters_asked(plan: Plan) -> None:
    import dataclasses

    asked = dataclasses.replace(plan, scenario=dataclasses.replace(
        plan.scenario, siting=SitingParameters(model="capacitated", budget_wan=2500.0,
                                               max_sites=4, time_limit_s=90.0)))
    for lang, key, value, plain, given in (
            ("zh", "代码", "值", ["最少选址（未给预算或数量上限）", "未设", "未设", "30"],
             ["有容量的最大覆盖", "2,500", "4", "90"]),
            ("en", "Key", "Value",
             ["fewest sites (no budget or site limit given)", "none", "none", "30"],
             ["capacitated coverage", "2,500", "4", "90"])):
        for p, expected in ((plan, plain), (asked, given)):
            run = summary_tables(p, lang=lang)["run"].set_index(key)
            assert run.loc[["siting.model", "siting.budget_wan", "siting.max_sites",
                            "siting.time_limit_s"], value].tolist() == expected


def test_compounds_sheet_says_why_a_kind_has_no_minutes(plan: Plan) -> None:
    c = plan.communities
    missing = [k for k in FACILITY_KINDS if c[f"walk_minutes_{k}"].isna().any()]
    assert missing  # the district has no clinic, kindergarten or EV charger today
    for lang, sep in (("zh", "；"), ("en", "; ")):
        table = summary_tables(plan, lang=lang)["compounds"]
        why = table[("无步行时间的原因", "Why no walking minutes")[lang == "en"]]
        for k, (cid, text) in enumerate(zip(table.iloc[:, 0], why, strict=True)):
            kinds = [x for x in FACILITY_KINDS if pd.isna(c.loc[cid, f"walk_minutes_{x}"])]
            if not kinds:
                assert pd.isna(text), (cid, text)
                continue
            parts = str(text).split(sep)
            assert len(parts) == len(kinds), (k, text)
            for kind, part in zip(kinds, parts, strict=True):
                label = (FACILITY_KINDS[kind].label_zh, FACILITY_KINDS[kind].label_en)[
                    lang == "en"]
                reason = str(c.loc[cid, f"reason_{kind}"]).partition("/ ")
                assert part == f"{label}{'：' if lang == 'zh' else ': '}" + (
                    reason[2] if lang == "en" else reason[0]).strip()


def test_zones_sheet_says_why_a_zone_is_off_its_bounds() -> None:
    # the console lists ten such zones and sends the planner to this sheet for the rest;
    # a compound 5 km from the others is a zone of 300 households, below the minimum
    grid = block_grid(3, households=300)
    far = grid.iloc[[0]].set_axis(["FAR"])
    far = far.set_geometry(far.geometry.translate(5000))
    grid = gpd.GeoDataFrame(pd.concat([grid, far]), crs=grid.crs)
    plan = run_plan(Scenario(layers={"communities": grid}, standards=load_standards()))
    z = plan.zones.set_index("zone_id")
    off = ~z["within_bounds"].astype(bool)
    assert off.any() and (~off).any()
    for lang, head, note in (("zh", ("片区编号", "户数范围说明"), "bounds_note"),
                             ("en", ("Zone ID", "Bounds note"), "bounds_note_en")):
        sheet = summary_tables(plan, lang=lang)["zones"].set_index(head[0])[head[1]]
        assert sheet[off[off].index].tolist() == z.loc[off, note].tolist()
        assert all(v == v and v for v in sheet[off[off].index])  # a reason, not blank
        assert sheet[off[~off].index].isna().all()


def test_coverage_sheet_compares_before_and_after(plan: Plan) -> None:
    table = summary_tables(plan, lang="en")["coverage"]
    if plan.steps["coverage"] != "done":
        assert len(table) == 0
        return
    before = plan.coverage_before.set_index(["kind", "minutes"])
    after = plan.coverage_after.set_index(["kind", "minutes"])
    assert len(table) == len(before)
    labels = {v.label_en: k for k, v in FACILITY_KINDS.items()}
    for row in table.itertuples(index=False):
        kind, minutes = labels[row[0]], row[1]
        assert row[4] == before.loc[(kind, minutes), "households_covered"]
        assert row[5] == after.loc[(kind, minutes), "households_covered"]
        assert row[5] >= row[4]  # adding facilities never lowers coverage


def test_english_tables_have_english_headers(plan: Plan) -> None:
    for name, table in summary_tables(plan, lang="en").items():
        for col in table.columns:
            assert not re.search(r"[\u4e00-\u9fff]", str(col)), (name, col)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_the_compounds_shapefile_reads_back_into_the_same_columns_and_values(
        plan: Plan, tmp_path: Path, encoding: Literal["gbk", "utf-8"]) -> None:
    # comm_id, subdist, elderly_sh, parking_sp and ev_charger were not recognised: the ids
    # were generated anew and four input columns dropped
    path = export_plan(plan, tmp_path, shapefile_encoding=encoding).shapefiles["compounds"]
    res = read_layer(path, "communities")
    compounds = bureau_layers(plan)["compounds"]
    inputs = list(COMMUNITIES.column_names[1:])
    assert not res.report.ids_generated
    assert list(res.gdf.index) == [str(i) for i in compounds.index]
    assert sorted(res.report.columns.values()) == sorted(COMMUNITIES.column_names)
    assert res.report.missing_columns == []
    assert not set(inputs) & set(res.report.unknown_columns)
    assert not [n for n in res.report.notes if n.column in inputs]
    pd.testing.assert_frame_equal(res.gdf[inputs], compounds[inputs], check_dtype=False,
                                  check_index_type=False, check_names=False)


@pytest.mark.parametrize("layer", ["communities", "facilities", "sites", "streets", "barriers"])
def test_every_shapefile_name_of_an_input_column_reads_back_as_that_column(layer: str) -> None:
    schema = LAYERS[layer]
    frame = pd.DataFrame(columns=list(schema.column_names)).set_index(schema.id_column)
    names = field_schema(frame, layer=layer)
    assert names["field"].tolist() == list(schema.column_names)
    for field, short in zip(names["field"], names["shapefile_name"], strict=True):
        assert schema.resolve_header(short) == field, short


def test_shapefile_names_of_input_columns_come_from_the_schema() -> None:
    for schema in LAYERS.values():
        for column, short in schema.short_names().items():
            assert shapefile_name(column) == short


def test_utf8_shapefiles_and_unknown_language(plan: Plan, tmp_path: Path) -> None:
    result = export_plan(plan, tmp_path, lang="en", shapefile_encoding="utf-8")
    with zipfile.ZipFile(result.shapefiles["compounds"]) as zf:
        assert zf.read("compounds.cpg") == b"UTF-8"
        assert "小区00".encode() in zf.read("compounds.dbf")
    with pytest.raises(ValueError, match="lang"):
        export_plan(plan, tmp_path, lang="fr")  # type: ignore[arg-type]


def test_a_plan_on_generated_sites_exports_to_gbk_shapefiles(tmp_path: Path) -> None:
    # no candidate sites layer: sites are generated on compound ground, and their note
    # (generated_from) is Pianqu's own text, which the default GBK Shapefiles must hold
    layers = {name: gdf for name, gdf in _layers().items() if name != "sites"}
    plan = run_plan(Scenario(layers=layers, standards=load_standards(), seed=2))
    generated = plan.planned_facilities["generated"].astype(bool)
    assert generated.any()
    result = export_plan(plan, tmp_path, shapefile_encoding="gbk")
    with zipfile.ZipFile(result.shapefiles["planned_facilities"]) as zf:
        dbf = zf.read("planned_facilities.dbf")
    for note in plan.planned_facilities.loc[generated, "generated_from"].unique():
        # in two fields, Chinese and English, as the other notes (gen_from, gen_from_e)
        zh, en = (half.strip() for half in note.split("/ ", 1))
        assert zh.encode("gbk") in dbf and en.encode("gbk") in dbf
        assert note.encode("gbk") not in dbf


def test_text_gbk_cannot_hold_stops_the_export_before_any_file(plan: Plan,
                                                                 tmp_path: Path) -> None:
    import dataclasses

    from geo.errors import LayerValidationError

    compounds = plan.communities.copy()
    compounds.loc["C12", "name"] = "Töölö 小区 🏠"
    odd = dataclasses.replace(plan, communities=compounds)
    with pytest.raises(LayerValidationError) as err:
        export_plan(odd, tmp_path / "x", shapefile_encoding="gbk")
    assert "compounds: name" in str(err.value) and "C12" in str(err.value)
    assert not (tmp_path / "x").exists()
    result = export_plan(odd, tmp_path / "y", shapefile_encoding="utf-8")
    with zipfile.ZipFile(result.shapefiles["compounds"]) as zf:
        assert "Töölö 小区 🏠".encode() in zf.read("compounds.dbf")


@pytest.mark.slow
def test_printed_maps_render_when_there_are_zones(plan: Plan, tmp_path: Path) -> None:
    done: list[int] = []
    maps = print_maps(plan, tmp_path / "maps", lang="zh", date="2026-11-23", pngs=False,
                      progress=lambda k, n: done.append(k))
    if len(plan.zones) == 0:
        assert maps is None
        pytest.skip("zoning has not landed: no zones to print")
    assert maps is not None and maps.pdf.is_file()
    assert maps.pages[0] == "overview" and len(maps.pages) == len(plan.zones) + 1
    assert done == list(range(1, len(maps.pages) + 1))  # one progress step per page
    assert maps.pngs == () and not list((tmp_path / "maps").glob("*.png"))  # PDF only
    if PDFTOPPM is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(maps.pdf), str(tmp_path / "page")],
                   check=True)
    from PIL import Image

    # a missing glyph would have failed this test already: matplotlib warns "Glyph ... missing
    # from font(s)" and pytest turns warnings into errors; and every font must be embedded
    # (offline desktops have no CJK fonts to substitute)
    pdffonts = shutil.which("pdffonts")
    if pdffonts is not None:
        fonts = subprocess.run([pdffonts, str(maps.pdf)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == len(maps.pages)
    for page in pages:
        grey = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert grey.std() > 5, f"{page.name} looks blank"


def _write_inputs(tmp: Path) -> dict[str, Path]:
    paths = {}
    for name, gdf in _layers().items():
        paths[name] = tmp / f"{name}.gpkg"
        gdf.reset_index().to_file(paths[name], layer=name)
    return paths


@pytest.mark.slow
def test_pianqu_plan_writes_everything_and_reruns_a_saved_scenario(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = _write_inputs(tmp_path)
    args = ["plan", "--out", str(tmp_path / "a"), "--seed", "2", "--no-maps"]
    for name, path in inputs.items():
        args += [f"--{name}", str(path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "项目文件 project" in out
    assert "建成于2001年或以后 built in 2001 or later: 1\n" in out  # C03, why it is left out
    first = load_plan(tmp_path / "a" / "plan.gpkg")
    assert len(first.communities) == 16 and first.scenario.seed == 2
    for sub in ("geojson/compounds.geojson", "shapefile/zones.zip", "tables/summary.xlsx",
                "tables/cost.csv"):
        assert (tmp_path / "a" / sub).is_file(), sub
    # where the time went, step by step
    assert re.search(r"用时（秒） time \(s\): metric [\d.]+ · eligibility [\d.]+ · network "
                     r"[\d.]+ · zoning [\d.]+ · siting [\d.]+ · coverage [\d.]+ · export "
                     r"[\d.]+ · total [\d.]+\n", out)
    assert main(["plan", "--scenario", str(tmp_path / "a" / "plan.gpkg"), "--out",
                 str(tmp_path / "b"), "--no-maps"]) == 0
    assert_plans_equal(first, load_plan(tmp_path / "b" / "plan.gpkg"))
    # and which saved plan a rerun started from
    assert f"方案 scenario: {tmp_path / 'a' / 'plan.gpkg'} · 未命名 unnamed · 种子 seed 2 · " \
        "communities 16" in capsys.readouterr().out


def test_pianqu_plan_prints_only_the_zone_pages_asked_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["plan", "--seed", "2", "--dpi", "20"]
    for name, path in _write_inputs(tmp_path).items():
        base += [f"--{name}", str(path)]
    # a zone id mistyped: no map, and the plan is not thrown away (on a city it took minutes)
    assert main([*base, "--out", str(tmp_path / "bad"), "--zones", "Z001,Z999"]) == 2
    err = capsys.readouterr().err
    assert "--zones: 本方案没有片区 Z999" in err
    assert "Z999 is not a zone of this plan (its zones: Z001" in err
    assert (tmp_path / "bad" / "plan.gpkg").exists() and (tmp_path / "bad" / "geojson").is_dir()
    assert not (tmp_path / "bad" / "maps").exists()
    assert main([*base, "--out", str(tmp_path / "one"), "--zones", "Z001"]) == 0
    assert "zone_maps.pdf (2 pages)" in capsys.readouterr().out
    pngs = sorted(p.name for p in (tmp_path / "one" / "maps").glob("*.png"))
    assert pngs == ["zone_maps_p01.png", "zone_maps_p02.png"]


def test_without_zones_asked_a_city_wide_plan_prints_its_overview_only() -> None:
    from planning.commands.plan import zone_pages

    assert zone_pages(None, [f"Z{i:03d}" for i in range(1, ZONE_PAGES_MAX + 1)]) is None
    assert zone_pages(None, [f"Z{i:04d}" for i in range(1, ZONE_PAGES_MAX + 2)]) == []
    assert zone_pages("all", [f"Z{i:04d}" for i in range(1, 1_591)]) is None
    assert zone_pages(" Z0002 ,Z0001,Z0002", ["Z0001", "Z0002"]) == ["Z0002", "Z0001"]


def test_pianqu_plan_writes_utf8_shapefiles_when_gbk_lacks_a_character_unless_gbk_was_asked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    communities = _layers()["communities"]
    communities.loc["C12", "name"] = "Töölö 小区"  # "ö" has no GBK code
    communities.reset_index().to_file(tmp_path / "c.gpkg", layer="communities")
    base = ["plan", "--communities", str(tmp_path / "c.gpkg"), "--no-maps"]
    assert main([*base, "--out", str(tmp_path / "asked"), "--shapefile-encoding", "gbk"]) == 2
    err = capsys.readouterr().err
    assert "compounds: name" in err and "C12" in err
    assert not (tmp_path / "asked").exists()  # the planner asked for GBK: nothing written
    assert main([*base, "--out", str(tmp_path / "default")]) == 0
    captured = capsys.readouterr()
    assert "C12" in captured.err and "UTF-8" in captured.err
    assert "Shapefile (UTF-8)" in captured.out
    with zipfile.ZipFile(tmp_path / "default" / "shapefile" / "compounds.zip") as zf:
        assert zf.read("compounds.cpg") == b"UTF-8"
        assert "Töölö 小区".encode() in zf.read("compounds.dbf")
    assert (tmp_path / "default" / "plan.gpkg").is_file()


def test_pianqu_plan_reports_bad_input_with_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = block_grid(2).drop(columns="households").reset_index()
    bad.to_file(tmp_path / "bad.gpkg", layer="communities")
    code = main(["plan", "--out", str(tmp_path / "o"), "--communities",
                 str(tmp_path / "bad.gpkg")])
    assert code == 2
    err = capsys.readouterr().err
    assert "households" in err
    assert not (tmp_path / "o" / "plan.gpkg").exists()


def test_progress_is_reported_as_each_part_is_written(plan: Plan, tmp_path: Path) -> None:
    seen: list[tuple[int, int, bool, bool]] = []

    def progress(done: int, steps: int) -> None:
        seen.append((done, steps, (tmp_path / "plan.gpkg").is_file(),
                     (tmp_path / "tables" / "summary.xlsx").is_file()))

    export_plan(plan, tmp_path, lang="zh", progress=progress)
    steps = len(BUREAU_LAYERS) + 2  # the project file, each layer, the tables
    assert [s[:2] for s in seen] == [(k, steps) for k in range(1, steps + 1)]
    assert all(project for _, _, project, _ in seen)
    assert [tables for *_, tables in seen] == [False] * (steps - 1) + [True]


def test_workbook_holds_the_csv_values_typed_and_is_the_same_each_time(
        plan: Plan, exported: ExportResult, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(exported.tables[0])
    for path in exported.tables[1:]:
        title = sheet_title(path.stem, "zh")
        sheet = pd.read_excel(exported.tables[0], sheet_name=title)
        pd.testing.assert_frame_equal(sheet, pd.read_csv(path, encoding="utf-8-sig"),
                                      check_dtype=False, obj=path.stem)
        ws = book[title]
        assert ws.freeze_panes == "A2" and ws["A1"].font.b, path.stem
    header = [c.value for c in book["小区"][1]]
    households = book["小区"].cell(2, header.index("户数") + 1).value
    assert isinstance(households, int)  # numbers stay numbers, not text
    # fractions shown as percentages (66.7%, as the reasons write them), still numbers
    consent = book["小区"].cell(2, header.index("同意率") + 1)
    assert consent.number_format == "0.0%" and 0 <= consent.value <= 1
    assert book["小区"].cell(2, header.index("户数") + 1).number_format == "General"
    cov = [c.value for c in book["生活圈覆盖"][1]]
    for col in ("现状覆盖率", "规划后覆盖率", "覆盖率变化"):
        cell = book["生活圈覆盖"].cell(2, cov.index(col) + 1)
        assert cell.number_format == "0.0%" and isinstance(cell.value, int | float), col
    again = write_tables(plan, tmp_path, lang="zh")[0]
    assert again.read_bytes() == exported.tables[0].read_bytes()


def _osm_plan() -> Plan:
    """The grid plan with compounds and streets named as geo.osm.read_osm names them."""
    layers = _layers()
    layers["communities"] = layers["communities"].rename(
        index=lambda c: f"osm_way_{1000 + int(c[1:])}")
    layers["streets"] = layers["streets"].set_axis(
        [f"osm_way_{k}" for k in range(len(layers["streets"]))])
    return run_plan(Scenario(layers=layers, standards=load_standards(), seed=2))


def test_exports_of_a_plan_from_openstreetmap_carry_its_licence(plan: Plan,
                                                                tmp_path: Path) -> None:
    # ODbL: the GeoJSON handed to the bureau and the run sheet say where the data came from
    exported = export_plan(_osm_plan(), tmp_path / "osm", lang="en")
    notice = (tmp_path / "osm" / "geojson" / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in notice and "ODbL" in notice
    run = pd.read_csv(next(p for p in exported.tables if p.stem == "run"),
                      encoding="utf-8-sig")
    source = run.loc[run["Key"] == "data_source", "Value"].tolist()
    assert len(source) == 1 and "© OpenStreetMap contributors" in source[0]
    assert not re.search(r"[\u4e00-\u9fff]", source[0])  # the English half alone
    export_plan(plan, tmp_path / "own")
    assert not (tmp_path / "own" / "geojson" / "ATTRIBUTION.txt").exists()


def test_maps_of_a_plan_from_openstreetmap_credit_it_after_save_and_load(
        plan: Plan, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    osm = _osm_plan()
    assert len(osm.zones)
    reloaded = load_plan(save_plan(osm, tmp_path / "plan.gpkg"))

    def footer(p: Plan, lang: Literal["zh", "en"], out: str) -> str:
        maps = print_maps(p, tmp_path / out, lang=lang, date="2026-11-23", pngs=False,
                          zones=[])
        assert maps is not None
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(maps.pdf), "-"], check=True,
                              capture_output=True, text=True).stdout

    assert "© OpenStreetMap 贡献者" in footer(reloaded, "zh", "zh")
    assert "© OpenStreetMap contributors" in footer(reloaded, "en", "en")
    assert "OpenStreetMap" not in footer(plan, "zh", "own")  # the bureau's own layers


def _sheet(result: ExportResult, name: str, lang: Literal["zh", "en"]) -> pd.DataFrame:
    """One sheet of summary.xlsx as a planner opens it, by its name in the export's language."""
    return pd.read_excel(result.tables[0], sheet_name=sheet_title(name, lang))


def test_sheets_are_named_in_the_export_language_and_csv_names_stay(
        exported: ExportResult, exported_en: ExportResult) -> None:
    zh = openpyxl.load_workbook(exported.tables[0]).sheetnames
    assert zh == ["片区", "小区", "设施", "生活圈覆盖", "未满足需求", "投资估算", "运行信息"]
    assert openpyxl.load_workbook(exported_en.tables[0]).sheetnames == list(SHEETS)
    for result in (exported, exported_en):  # file names scripts read: the same in both
        assert [p.name for p in result.tables[1:]] == [f"{name}.csv" for name in SHEETS]


def test_run_sheet_reads_as_words_in_the_export_language(
        exported: ExportResult, exported_en: ExportResult) -> None:
    zh = _sheet(exported, "run", "zh").set_index("代码")
    assert list(zh.columns) == ["项目", "值"]
    assert zh.loc["cost.per_household_wan", "项目"] == "每户改造费用（万元）"
    assert zh.loc["eligibility.min_consent_rate", ["项目", "值"]].tolist() == ["居民同意率下限",
                                                                             "66.7%"]
    assert zh.loc["eligibility.include_unknown", "值"] == "否"
    assert zh.loc["step.network", ["项目", "值"]].tolist() == ["步骤：构建步行路网", "完成"]
    assert zh.loc["step.siting", "值"] == "完成（最优解）"
    en = _sheet(exported_en, "run", "en").set_index("Key")
    assert en.loc["cost.per_household_wan", "Item"] == "Renovation cost per household (10k CNY)"
    assert en.loc["eligibility.min_consent_rate", "Value"] == "66.7%"
    assert en.loc["step.siting", ["Item", "Value"]].tolist() == ["Step: facility siting",
                                                                 "done (optimal solution)"]
    # what a planner reads is words: no internal key, no "中文 / English" note, one language
    for run, item, value in ((zh, "项目", "值"), (en, "Item", "Value")):
        assert not run[item].str.fullmatch(r"[a-z_.]+").any()
        words = run.drop(index=["scenario", "standards", "crs"])[[item, value]].astype(str)
        cjk = words.apply(lambda col: col.str.contains(r"[\u4e00-\u9fff]"))
        if run is zh:
            assert not words.apply(lambda col: col.str.fullmatch(r"done.*|[a-z_.]+")).any().any()
            assert not words[value].str.contains(" / ").any()
        else:
            assert not cjk.any().any(), words[cjk.any(axis=1)]
    assert zh.loc[["note"], "值"].iloc[0] == "未给预算或数量上限：按最少选址覆盖全部需求"
    assert en.loc[["note"], "Value"].iloc[0].startswith("No budget or site limit given")


def test_step_status_in_words_for_every_outcome() -> None:
    assert step_status("done (time_limit, gap 1.50%)", "en") == (
        "done (time limit reached; best plan so far, at most 1.50% from the optimum)")
    assert step_status("not run: no streets layer (straight-line distances × detour factor)",
                       "zh") == "未运行：无道路图层（按直线距离×绕行系数计）"
    empty = ("not run: 街道图层为空 / the streets layer is empty: straight-line distances × "
             "detour factor")
    assert step_status(empty, "zh") == "未运行：街道图层为空"
    assert step_status(empty, "en").startswith("not run: the streets layer is empty")


def test_planned_facilities_show_their_site_id_and_kind(plan: Plan, exported: ExportResult,
                                                        exported_en: ExportResult) -> None:
    planned = plan.planned_facilities
    assert (planned["site_id"] == "S1").sum() == 2  # S1 is planned for parking and chargers
    for result, lang, status, fid, kind in ((exported, "zh", "状态", "设施编号", "设施类型"),
                                            (exported_en, "en", "Status", "Facility ID",
                                             "Kind")):
        sheet = _sheet(result, "facilities", lang)
        rows = sheet[sheet[status] == ("规划", "planned")[lang == "en"]]
        assert sorted(rows[fid]) == sorted(planned["site_id"])
        assert not rows[fid].str.contains(":").any()
        s1 = rows.loc[rows[fid] == "S1", kind].tolist()
        labels = [FACILITY_KINDS[k] for k in ("ev_charger", "parking")]
        assert sorted(s1) == sorted(k.label_zh if lang == "zh" else k.label_en for k in labels)
        assert not rows.duplicated([fid, kind]).any()  # told apart by the kind


def _decimals(value: float) -> int:
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.partition(".")[2])


@needs_ogrinfo
def test_bureau_layers_round_what_the_plan_computed(plan: Plan, exported: ExportResult) -> None:
    most = {"walk_minutes_elderly_care": 1, "walk_minutes_parking": 1, "area_m2": 1,
            "diameter_m": 1, "compactness": 3, "heterogeneity": 3, "share": 4,
            "demand_served": 1, "cost": 2}
    seen: set[str] = set()
    for name, path in exported.geojson.items():
        props = [f["properties"] for f in json.loads(path.read_text("utf-8"))["features"]]
        for field, decimals in most.items():
            values = [p[field] for p in props if p.get(field) is not None]
            seen |= {field} if values else set()
            assert all(_decimals(v) <= decimals for v in values), (name, field, values[:5])
        if name == "planned_facilities":
            assert all(type(p["households_served"]) is int for p in props)
    assert {"walk_minutes_elderly_care", "area_m2", "compactness", "share"} <= seen
    raw = plan.communities["walk_minutes_elderly_care"].dropna()
    assert (raw.round(1) != raw).any()  # the plan itself keeps the full minutes
    # the Shapefile holds the same rounded values (its DBF prints them with 15 decimals)
    shp = gpd.read_file(f"/vsizip/{exported.shapefiles['compounds']}").set_index("comm_id")
    minutes = shp["wm_eld"].dropna()
    assert ((minutes * 10).round() / 10 == minutes).all()
    assert "hh_served: Integer" in ogrinfo(f"/vsizip/{exported.shapefiles['planned_facilities']}")


def test_tables_write_counts_as_integers_and_amounts_rounded(
        exported: ExportResult, exported_en: ExportResult) -> None:
    for result, lang in ((exported, "zh"), (exported_en, "en")):
        for path in result.tables[1:]:
            text = path.read_text("utf-8-sig")
            assert not re.search(r"(^|,)-?\d+\.0(,|$)", text, re.M), (path.name, text[:300])
        counts = {"coverage": (3, 4, 5, 9, 10), "facilities": (7,), "compounds": (3, 4, 9, 10)}
        book = openpyxl.load_workbook(result.tables[0])
        for name, columns in counts.items():
            ws = book[sheet_title(name, lang)]
            for j in columns:
                cells = [c.value for c in ws[openpyxl.utils.get_column_letter(j + 1)][1:]]
                assert all(v is None or type(v) is int for v in cells), (name, j, cells[:5])
        unserved = pd.read_csv(result.tables[1 + SHEETS.index("unserved")], encoding="utf-8-sig")
        amounts = unserved.iloc[:, 4:7].to_numpy().ravel()
        assert all(_decimals(v) <= 1 for v in amounts)
