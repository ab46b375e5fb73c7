"""Printed zone maps: pages, fonts, text, layout helpers and input checks.

The PDF is looked at the way a person would: poppler's ``pdftoppm`` renders each page to PNG
(pages must not be blank and must show coloured map content), ``pdffonts`` must list the CJK
font as embedded, and ``pdftotext`` must find the words (text stays text, glyphs are there).
Glyphs missing from the font make matplotlib warn, and pytest turns warnings into errors.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from shapely.geometry import Polygon, box

from geo.errors import LayerValidationError
from geo.printmap import LABELS, _north_rotation, crs_note, print_zone_maps
from geo.printmap_font import missing_glyphs
from geo.printmap_layout import (
    Table,
    draw_scale_bar,
    draw_table,
    fit_extent,
    geometry_paths,
    nice_scale_length,
    paper_size_mm,
    table_rows_left_out,
)
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points

POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdffonts", "pdftotext"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdffonts, "
                                                       "pdftotext) not installed")
DATE = "2026-11-23"


# --------------------------------------------------------------------------------------------
# Synthetic zones: the 4x4 grid in three zones, one compound left out
# --------------------------------------------------------------------------------------------
def _zone_of(r: int, c: int) -> str | None:
    if (r, c) == (3, 3):
        return None
    if c >= 2:
        return "Z002"
    return "Z001" if r < 2 else "Z003"


def _synthetic() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    grid = block_grid(4, households=lambda r, c: 100 + 10 * r + c)
    grid["zone_id"] = [_zone_of(r, c) for r in range(4) for c in range(4)]
    zones = (grid.dropna(subset=["zone_id"])
             .dissolve("zone_id", aggfunc={"households": "sum", "name": "count"})
             .rename(columns={"name": "n_communities"}))
    return zones, grid


def _zone_table(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame({"coverage_before_elderly_care": [0.25, 0.5, np.nan],
                         "coverage_after_elderly_care": [0.75, 1.0, 0.4],
                         "cost_wan": [120.5, 80.0, 64.0]}, index=zones.index)


def _pdftoppm(pdf: Path, out: Path, *, dpi: int = 50) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / "page")],
                   check=True, capture_output=True)
    return sorted(out.glob("page-*.png"))


def _pdftotext(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    res = subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True, text=True)
    return res.stdout


def _ink_and_colour(png: Path) -> tuple[float, float]:
    """Share of non-white pixels, and share of clearly coloured (not grey) pixels."""
    img = mpimg.imread(png)[..., :3].astype(float)
    if img.max() > 1.0:
        img = img / 255.0
    ink = float((img.min(axis=2) < 0.9).mean())
    colour = float(((img.max(axis=2) - img.min(axis=2)) > 0.06).mean())
    return ink, colour


@pytest.fixture(scope="module")
def synthetic_print(tmp_path_factory: pytest.TempPathFactory):
    zones, grid = _synthetic()
    facilities = points([(50.0, -10.0), (290.0, 230.0)], kind="elderly_care")
    planned = points([(170.0, 170.0)], kind="ev_charger", prefix="P")
    tmp = tmp_path_factory.mktemp("print")
    out = print_zone_maps(zones, grid, facilities=facilities, planned=planned,
                          zone_table=_zone_table(zones), column_labels={"cost_wan": "投资（万元）"},
                          out_pdf=tmp / "zones.pdf", png_dir=tmp / "png", paper="A4", dpi=30,
                          date=DATE, source="测试数据")
    return out, zones, grid, tmp


# --------------------------------------------------------------------------------------------
# The printed document
# --------------------------------------------------------------------------------------------
@needs_poppler
def test_one_overview_then_one_page_per_zone_none_blank(synthetic_print):
    out, zones, _, tmp = synthetic_print
    assert out.pages == ("overview", "Z001", "Z002", "Z003")
    pages = _pdftoppm(out.pdf, tmp / "ppm")
    assert len(pages) == 1 + len(zones)
    for png in pages:
        ink, colour = _ink_and_colour(png)
        assert ink > 0.03, f"{png.name} looks blank ({ink:.3f} non-white)"
        assert colour > 0.01, f"{png.name} shows no coloured map content ({colour:.4f})"


@needs_poppler
def test_font_is_embedded_and_text_stays_text(synthetic_print):
    out = synthetic_print[0]
    res = subprocess.run(["pdffonts", str(out.pdf)], check=True, capture_output=True, text=True)
    rows = res.stdout.splitlines()[2:]
    assert rows, "no fonts in the PDF: text was drawn as paths"
    assert any("WenQuanYi" in r for r in rows)
    for row in rows:
        cols = row.split()
        emb = cols[-5]
        assert emb == "yes", f"font not embedded: {row}"
        assert "Type 3" not in row, f"font converted to Type 3: {row}"


@needs_poppler
def test_every_page_carries_its_furniture(synthetic_print):
    out, zones, grid, _ = synthetic_print
    zh = LABELS["zh"]
    for k, page in enumerate(out.pages, start=1):
        text = _pdftotext(out.pdf, k)
        assert zh["title"] in text
        assert "图例" in text
        assert "比例尺 1:" in text
        assert "制图日期：2026-11-23" in text
        assert "数据来源：测试数据" in text
        assert "坐标系：CGCS2000 / 3度带高斯-克吕格 CM 114E (EPSG:4547)" in text
        assert f"第 {k}/{len(out.pages)} 页" in text
        assert "北" in text
        if page == "overview":
            assert all(z in text for z in zones.index)
            assert "片区一览" in text
            assert "总览：3 个片区，含 15 个小区、" in text
            assert "（另有 1 个小区未纳入片区）" in text
            continue
        mine = grid[grid["zone_id"] == page]
        for name in mine["name"]:
            assert name in text, f"compound {name} not named on the page of {page}"
        others = grid[grid["zone_id"] != page].dropna(subset=["zone_id"])["name"]
        assert not any(n in text for n in others), "another zone's compounds listed"
        assert f"{int(mine['households'].sum()):,}" in text


@needs_poppler
def test_tables_show_zone_figures_and_coverage(synthetic_print):
    out, zones, grid, _ = synthetic_print
    text = _pdftotext(out.pdf, 2)  # Z001: compounds C00 C01 C10 C11
    hh = int(grid.loc[["C00", "C01", "C10", "C11"], "households"].sum())
    assert hh == 100 + 101 + 110 + 111
    assert f"{hh:,}" in text
    for heading in ("片区概况", "项目", "数值", "设施覆盖", "设施类型", "改造前", "改造后",
                    "小区名录", "序号", "小区名称", "户数"):
        assert heading in text, f"table heading {heading!r} missing"
    assert "25%" in text and "75%" in text  # coverage before / after of Z001
    assert "投资（万元）" in text and "120.5" in text
    overview = _pdftotext(out.pdf, 1)
    # households-weighted before coverage over the zones that report one (Z001, Z002)
    hz = zones["households"]
    expected = (0.25 * hz["Z001"] + 0.5 * hz["Z002"]) / (hz["Z001"] + hz["Z002"])
    assert f"{expected:.0%}" in overview
    assert "合计" in overview and f"{int(hz.sum()):,}" in overview
    # one precision per column: 80.0 and 64.0 beside 120.5 (they printed as 80 and 64)
    assert all(f" {v} " in f" {overview} ".replace("\n", " ") for v in ("80.0", "64.0", "264.5"))
    for heading in ("片区一览", "片区", "户数", "小区数", "现有设施", "规划设施"):
        assert heading in overview, f"table heading {heading!r} missing"


def test_pngs_at_the_requested_resolution(synthetic_print):
    out = synthetic_print[0]
    assert len(out.pngs) == 4 and out.paths[0] == out.pdf
    w_mm, h_mm = paper_size_mm("A4")
    for png in out.pngs:
        h, w = mpimg.imread(png).shape[:2]
        # matplotlib truncates the pixel size: 297 mm at 30 dpi = 350.8 px -> 350
        assert abs(w - w_mm / 25.4 * 30) < 1 and abs(h - h_mm / 25.4 * 30) < 1


@needs_poppler
def test_english_pages_have_no_chinese_furniture(tmp_path):
    zones, grid = _synthetic()
    grid["name"] = [f"Block {i}" for i in range(len(grid))]
    out = print_zone_maps(zones, grid, out_pdf=tmp_path / "en.pdf", lang="en", paper="A4",
                          date=DATE, source="test data")
    text = _pdftotext(out.pdf)
    assert "Zone Z002: 7 compounds" in text
    assert "Scale 1:" in text and "Legend" in text and "Date: 2026-11-23" in text
    assert "CRS: CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547)" in text
    assert not re.search(r"[\u4e00-\u9fff]", text), "Chinese text on an English page"


def test_same_inputs_same_bytes(tmp_path):
    zones, grid = _synthetic()
    zones, grid = zones.loc[["Z001"]], grid[grid["zone_id"] == "Z001"]
    a = print_zone_maps(zones, grid, out_pdf=tmp_path / "a.pdf", paper="A4", date=DATE)
    calls: list[tuple[int, int]] = []
    b = print_zone_maps(zones, grid, out_pdf=tmp_path / "b.pdf", paper="A4", date=DATE,
                        progress=lambda done, pages: calls.append((done, pages)))
    assert a.pdf.read_bytes() == b.pdf.read_bytes()
    assert calls == [(1, 2), (2, 2)]  # the overview, then the one zone's page
    assert b"/CreationDate (D:20261123000000Z)" in a.pdf.read_bytes()


@needs_poppler
def test_geographic_input_is_drawn_in_the_nearest_gauss_kruger_zone(tmp_path):
    zones, grid = _synthetic()
    out = print_zone_maps(zones.to_crs("EPSG:4326"), grid.to_crs("EPSG:4326"),
                          out_pdf=tmp_path / "geo.pdf", paper="A4", date=DATE)
    text = _pdftotext(out.pdf, 1)
    assert "(EPSG:4547)" in text
    ratio = int(re.search(r"比例尺 1:([\d,]+)", text).group(1).replace(",", ""))
    # the grid is 460 m wide; the map frame on A4 is about 190 x 150 mm: 1:2,000 to 1:4,000
    assert 1_500 < ratio < 5_000


@needs_poppler
def test_awkward_shapes_hole_multipart_touching_and_no_facilities(tmp_path):
    x0, y0 = ORIGIN_X, ORIGIN_Y
    courtyard = Polygon([(x0, y0), (x0 + 200, y0), (x0 + 200, y0 + 200), (x0, y0 + 200)],
                        [[(x0 + 60, y0 + 60), (x0 + 140, y0 + 60), (x0 + 140, y0 + 140),
                          (x0 + 60, y0 + 140)]])
    two_parts = box(x0 + 300, y0, x0 + 350, y0 + 50).union(box(x0 + 400, y0, x0 + 450, y0 + 50))
    touching = box(x0 + 200, y0, x0 + 260, y0 + 100)  # shares an edge with the courtyard
    com = gpd.GeoDataFrame(
        {"community_id": ["A", "B", "C"], "name": ["回字院", None, "贴边楼"],
         "households": [300, 40, 80], "zone_id": ["Z1", "Z2", "Z1"],
         "geometry": [courtyard, two_parts, touching]}, crs=CRS_GK).set_index("community_id")
    zones = (com.dissolve("zone_id", aggfunc={"households": "sum", "name": "size"})
             .rename(columns={"name": "n_communities"}))
    out = print_zone_maps(zones, com, facilities=points([])[0:0], out_pdf=tmp_path / "x.pdf",
                          paper="A4", date=DATE)
    text = _pdftotext(out.pdf, 3)
    assert "B" in text  # a compound without a name is labelled by its id
    assert "回字院" in _pdftotext(out.pdf, 2)
    assert len(_pdftoppm(out.pdf, tmp_path / "ppm", dpi=20)) == 3


@needs_poppler
def test_plan_with_every_compound_excluded_prints_its_overview(tmp_path):
    zones, grid = _synthetic()
    grid["zone_id"] = None
    out = print_zone_maps(zones.iloc[0:0], grid, out_pdf=tmp_path / "none.pdf", paper="A4",
                          date=DATE)
    assert out.pages == ("overview",)
    text = _pdftotext(out.pdf)
    assert "总览：0 个片区，含 0 个小区、0 户（另有 16 个小区未纳入片区）" in text
    assert "未纳入片区的小区" in text
    (png,) = _pdftoppm(out.pdf, tmp_path / "ppm")
    assert _ink_and_colour(png)[0] > 0.03


@needs_poppler
def test_planned_facility_of_a_zone_is_on_its_page(tmp_path):
    zones, grid = _synthetic()
    far = points([(900.0, 900.0)], kind="parking", prefix="P").assign(zone_id="Z001")
    out = print_zone_maps(zones, grid, planned=far, out_pdf=tmp_path / "far.pdf", paper="A4",
                          date=DATE)
    assert out.pages[1] == "Z001"
    # Z001's compounds span 220 m (1:1,500 or so on A4); its site 900 m out must fit too
    text = _pdftotext(out.pdf, 2)
    ratio = int(re.search(r"比例尺 1:([\d,]+)", text).group(1).replace(",", ""))
    assert ratio > 4_000
    # the legend lists what the page shows: the site on Z001's page, nothing on Z002's
    assert "停车场（规划）" in text and "（现有）" not in text
    z002 = _pdftotext(out.pdf, 3)
    assert "停车场" not in z002 and "（规划）" not in z002


@needs_poppler
def test_zone_pages_print_the_overview_then_the_zones_asked_in_their_order(tmp_path):
    zones, grid = _synthetic()
    out = print_zone_maps(zones, grid, out_pdf=tmp_path / "some.pdf", paper="A4", date=DATE,
                          zone_pages=["Z003", "Z001"])
    assert out.pages == ("overview", "Z003", "Z001")
    assert len(_pdftoppm(out.pdf, tmp_path / "ppm")) == 3
    assert "总览：3 个片区" in _pdftotext(out.pdf, 1)  # the overview still shows every zone
    assert "片区 Z003：" in _pdftotext(out.pdf, 2) and "第 2/3 页" in _pdftotext(out.pdf, 2)
    assert "片区 Z001：" in _pdftotext(out.pdf, 3)
    none = print_zone_maps(zones, grid, out_pdf=tmp_path / "none.pdf", paper="A4", date=DATE,
                           zone_pages=[])
    assert none.pages == ("overview",) and len(_pdftoppm(none.pdf, tmp_path / "ppm1")) == 1


def test_zone_pages_naming_unknown_or_repeated_zones_are_rejected(tmp_path):
    zones, grid = _synthetic()
    with pytest.raises(LayerValidationError) as err:
        print_zone_maps(zones, grid, out_pdf=tmp_path / "x.pdf",
                        zone_pages=["Z001", "Z009", "Z002", "Z001", "Z010"])
    msg = str(err.value)
    assert "zone_pages: not a zone of this plan (rows: Z009, Z010)" in msg
    assert "zone_pages: asked for more than once (rows: Z001)" in msg
    with pytest.raises(LayerValidationError, match="list of zone ids, got the text 'Z001'"):
        print_zone_maps(zones, grid, out_pdf=tmp_path / "x.pdf", zone_pages="Z001")
    assert not (tmp_path / "x.pdf").exists()


def test_every_problem_reported_at_once(tmp_path):
    zones, grid = _synthetic()
    zones = zones.drop(columns="n_communities")
    grid.loc["C00", "zone_id"] = "Z999"
    fac = points([(0.0, 0.0), (10.0, 10.0)], kind="sauna")
    with pytest.raises(LayerValidationError) as err:
        print_zone_maps(zones, grid, facilities=fac, zone_table=pd.DataFrame(
            {"coverage_after_parking": [1.5]}, index=["Z001"]),
            out_pdf=tmp_path / "x.pdf", paper="B5", lang="fr", date="23/11/2026")
    msg = str(err.value)
    for needle in ("paper", "lang", "date", "zones.n_communities", "communities.zone_id",
                   "C00", "facilities.kind", "F0, F1", "zone_table.zone_id", "Z002, Z003",
                   "zone_table.coverage_after_parking", "between 0 and 1"):
        assert needle in msg, f"{needle!r} missing from:\n{msg}"
    assert not (tmp_path / "x.pdf").exists(), "nothing is written when the input is bad"


def test_zone_without_crs_and_duplicate_ids_rejected(tmp_path):
    zones, grid = _synthetic()
    zones = pd.concat([zones, zones.iloc[[0]]]).set_crs(None, allow_override=True)
    with pytest.raises(LayerValidationError) as err:
        print_zone_maps(zones, grid, out_pdf=tmp_path / "x.pdf")
    assert "zones.crs: has no coordinate reference system" in str(err.value)
    assert "zones.zone_id: must be unique (one row per zone) (rows: Z001)" in str(err.value)


# The name below has a CJK Extension B character no bundled font has: matplotlib warns
# "Glyph ... missing from font(s)" while drawing it, which is what this test is about.
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_unprintable_characters_are_reported(tmp_path):
    zones, grid = _synthetic()
    grid.loc["C00", "name"] = "𠮷祥小区"
    out = print_zone_maps(zones, grid, out_pdf=tmp_path / "x.pdf", paper="A4", date=DATE,
                          source="住建局")
    assert out.missing_glyphs == "𠮷"
    fine = print_zone_maps(zones.loc[["Z002"]], grid[grid["zone_id"] == "Z002"],
                           out_pdf=tmp_path / "y.pdf", paper="A4", date=DATE)
    assert fine.missing_glyphs == ""


def test_compound_names_all_have_glyphs_in_the_sample(sample_layers):
    names = "".join(sample_layers["communities"]["name"].dropna())
    labels = "".join(v for lang in LABELS.values() for v in lang.values())
    assert missing_glyphs(names + labels) == ""


@pytest.mark.slow
@needs_poppler
def test_sample_district_by_subdistrict(sample_layers, tmp_path):
    com = sample_layers["communities"].copy()
    subs = sorted(com["subdistrict"].unique())
    com["zone_id"] = com["subdistrict"].map({s: f"Z{i:03d}" for i, s in enumerate(subs, 1)})
    com.loc[com["built_year"] > 2000, "zone_id"] = None
    zones = (com.dropna(subset=["zone_id"])
             .dissolve("zone_id", aggfunc={"households": "sum", "name": "count"})
             .rename(columns={"name": "n_communities"}))
    sites = sample_layers["sites"]
    planned = sites.assign(kind=sites["kinds"].astype(str).str.split(",").str[0])
    out = print_zone_maps(zones, com, facilities=sample_layers["facilities"],
                          planned=planned, streets=sample_layers["streets"],
                          out_pdf=tmp_path / "sample.pdf", date=DATE, source="示例片区")
    pages = _pdftoppm(out.pdf, tmp_path / "ppm", dpi=30)
    assert len(pages) == 1 + len(subs)
    for png in pages:
        ink, colour = _ink_and_colour(png)
        assert ink > 0.05 and colour > 0.005, png.name
    text = _pdftotext(out.pdf, 1)
    assert f"{int(zones['households'].sum()):,}" in text


@pytest.mark.slow
@needs_poppler
def test_zones_from_planning_zoning_print(sample_layers, tmp_path):
    from planning.standards import load_standards
    from planning.zoning import zone_communities

    res = zone_communities(sample_layers["communities"], standards=load_standards(),
                           barriers=sample_layers["barriers"], streets=sample_layers["streets"],
                           seed=0)
    zones = res.zones.iloc[:3]  # ZoningResult.zones as it is: zone_id column, extra columns
    keep = res.assignments["zone_id"].where(res.assignments["zone_id"].isin(zones["zone_id"]))
    com = sample_layers["communities"].assign(zone_id=keep)
    out = print_zone_maps(zones, com, facilities=sample_layers["facilities"],
                          out_pdf=tmp_path / "z.pdf", paper="A4", date=DATE)
    assert out.pages == ("overview", *zones["zone_id"])
    for k, zid in enumerate(zones["zone_id"], start=2):
        text = _pdftotext(out.pdf, k)
        mine = com[com["zone_id"] == zid]
        assert all(name in text for name in mine["name"])
        assert f"{int(mine['households'].sum()):,}" in text


# --------------------------------------------------------------------------------------------
# Layout helpers
# --------------------------------------------------------------------------------------------
def test_nice_scale_length_is_the_longest_round_length_that_fits():
    candidates = sorted({m * 10.0 ** e for m in (1, 2, 4, 5) for e in range(-1, 6)})
    for room in (0.7, 3.0, 99.0, 100.0, 101.0, 380.0, 999.0, 1234.0, 47_000.0):
        expected = max(c for c in candidates if c <= room)
        assert nice_scale_length(room) == pytest.approx(expected)
    with pytest.raises(ValueError):
        nice_scale_length(0.0)


def test_scale_bar_length_on_paper_matches_its_label():
    fig = Figure(figsize=(4, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    length = draw_scale_bar(ax, x=5.0, y=5.0, max_mm=60.0, metres_per_mm=7.7, size=7.0,
                            lang="zh", label="比例尺")
    assert length == 400.0  # 60 mm x 7.7 m/mm = 462 m -> 400 m
    rects = ax.patches
    drawn_mm = max(r.get_x() + r.get_width() for r in rects) - min(r.get_x() for r in rects)
    assert drawn_mm * 7.7 == pytest.approx(400.0)
    assert [t.get_text() for t in ax.texts] == ["0", "100", "200", "300", "400 米", "比例尺"]
    fig = Figure(figsize=(4, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    length = draw_scale_bar(ax, x=5.0, y=5.0, max_mm=60.0, metres_per_mm=40.0, size=7.0,
                            lang="en", label="Scale")
    assert length == 2000.0  # 2,400 m of room -> 2 km, ticks in km like the end label
    assert [t.get_text() for t in ax.texts] == ["0", "0.5", "1", "1.5", "2 km", "Scale"]


def test_fit_extent_one_scale_and_covers_the_bounds():
    bounds = (100.0, 200.0, 700.0, 500.0)
    xmin, xmax, ymin, ymax, m_per_mm = fit_extent(bounds, width_mm=250.0, height_mm=200.0,
                                                  pad=0.05)
    assert (xmax - xmin) / 250.0 == pytest.approx(m_per_mm)
    assert (ymax - ymin) / 200.0 == pytest.approx(m_per_mm)
    assert xmin <= 100.0 - 30.0 and xmax >= 700.0 + 30.0  # 5 % of the 600 m span each side
    assert ymin <= 200.0 and ymax >= 500.0
    tiny = fit_extent((0.0, 0.0, 1.0, 1.0), width_mm=100.0, height_mm=100.0, pad=0.0)
    assert tiny[1] - tiny[0] == pytest.approx(100.0)  # never closer than min_span_m


@needs_poppler
@pytest.mark.parametrize("flip", [False, True])
def test_polygon_holes_stay_empty_when_filled(tmp_path, flip):
    ring = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(3, 3), (7, 3), (7, 7), (3, 7)]  # same orientation as the exterior when not flipped
    poly = Polygon(ring, [hole[::-1] if flip else hole])
    fig = Figure(figsize=(1, 1))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    ax.add_collection(PathCollection(geometry_paths([poly, None, Polygon()]),
                                     facecolors="red", edgecolors="none"))
    fig.savefig(tmp_path / "hole.png", dpi=50)
    fig.savefig(tmp_path / "hole.pdf")
    pdf_png = _pdftoppm(tmp_path / "hole.pdf", tmp_path / "ppm", dpi=50)[0]
    for png in (tmp_path / "hole.png", pdf_png):
        img = mpimg.imread(png)[..., :3]
        img = img / 255.0 if img.max() > 1 else img
        assert img[25, 25].tolist() == pytest.approx([1.0, 1.0, 1.0]), f"{png.name}: hole filled"
        assert img[5, 5].tolist() == pytest.approx([1.0, 0.0, 0.0], abs=0.02), png.name


def test_table_that_does_not_fit_says_how_many_rows_were_left_out():
    fig = Figure(figsize=(4, 4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    rows = [[f"小区{i}", str(i)] for i in range(40)]
    size = 8.0
    row_h = size * 25.4 / 72 * 1.55
    used = draw_table(ax, Table("名录", ["名称", "户数"], rows, more="另有 {n} 项"),
                      x=0.0, top=100.0, width=60.0, max_height=50.0, size=size)
    assert used <= 50.0
    n_rows = int((50.0 - row_h * 1.15) // row_h) - 1  # the header takes one row
    texts = [t.get_text() for t in ax.texts]
    shown = [t for t in texts if t.startswith("小区")]
    assert len(shown) == n_rows - 1
    assert f"另有 {40 - (n_rows - 1)} 项" in texts
    assert table_rows_left_out(Table("名录", ["名称", "户数"], rows), width=60.0,
                               max_height=50.0, size=size) == 40 - (n_rows - 1)
    assert table_rows_left_out(Table("名录", ["名称", "户数"], rows), width=60.0,
                               max_height=500.0, size=size) == 0


def test_north_arrow_turns_by_the_grid_convergence():
    import pyproj

    crs = pyproj.CRS("EPSG:4547")  # central meridian 114E
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_grid.transform(114.0, 34.0)
    assert _north_rotation(crs, x, y) == pytest.approx(0.0, abs=1e-6)
    x, y = to_grid.transform(115.5, 34.0)
    # convergence = atan(tan(dlon) sin(lat)); east of the meridian true north is left of up
    expected = math.degrees(math.atan(math.tan(math.radians(1.5)) * math.sin(math.radians(34))))
    assert _north_rotation(crs, x, y) == pytest.approx(expected, abs=0.01)


def test_crs_note_names_the_gauss_kruger_zone_in_chinese():
    import pyproj

    assert crs_note(pyproj.CRS("EPSG:4547"), "zh") == \
        "CGCS2000 / 3度带高斯-克吕格 CM 114E (EPSG:4547)"
    assert crs_note(pyproj.CRS("EPSG:4547"), "en") == \
        "CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547)"


def test_map_labels_do_not_overlap_when_there_is_room():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from geo.printmap_layout import place_labels

    fig = Figure(figsize=(4, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    extent = (0.0, 1000.0, 0.0, 1000.0)
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    m_per_mm = 1000.0 / (4 * 25.4)
    items = [(500.0, 500.0, "第一小区名称很长", "1"), (505.0, 500.0, "第二小区名称很长", "2"),
             (500.0, 505.0, "第三小区", "3"), (100.0, 100.0, "远处小区", "4"),
             (900.0, 900.0, "另一个", "")]
    place_labels(ax, items, size=8.0, m_per_mm=m_per_mm, colour="black", extent=extent,
                  box=False, taken=[])
    texts = {t.get_text(): t for t in ax.texts}
    assert "第一小区名称很长" in texts and "远处小区" in texts and "另一个" in texts
    assert len(texts) == 5, "every item with a short text gets a label"
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(),
                                                     ax.texts[j].get_text())


def test_a_few_crowded_labels_overlap_but_a_crowded_map_leaves_them_off():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from geo.printmap_layout import place_labels

    def place(items, share):
        fig = Figure(figsize=(4, 4))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1000)
        ax.set_ylim(0, 1000)
        left = place_labels(ax, items, size=8.0, m_per_mm=1000.0 / (4 * 25.4), colour="k",
                             extent=(0.0, 1000.0, 0.0, 1000.0), box=False, taken=[],
                             crowded_share=share)
        return left, [t.get_text() for t in ax.texts]

    # ten labels, two on one spot: the one that cannot move still gets its label
    few = [(100.0 + 80 * i, 500.0, f"Z{i:03d}", f"Z{i:03d}") for i in range(10)]
    few.append((100.0, 500.0, "Z999", "Z999"))
    assert place(few, 0.2) == (0, [f"Z{i:03d}" for i in range(10)] + ["Z999"])
    # 400 labels in a 20 x 20 grid 50 map units apart (labels ~40 wide): most cannot be
    # placed without covering another, so they are left off and counted
    grid = [(25.0 + 50 * (i % 20), 25.0 + 50 * (i // 20), f"Z{i:03d}", f"Z{i:03d}")
            for i in range(400)]
    left, texts = place(grid, 0.2)
    assert left > 80 and len(texts) == 400 - left
    assert place(grid, 1.0) == (0, [f"Z{i:03d}" for i in range(400)])  # zone pages: all drawn


def _district(n: int, *, ids: str = "Z{i:03d}", sites: bool = True
              ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """A district of n x n compounds, one zone each, and (``sites``) the three sites a plan
    generates at every compound's point (charger, parking, elderly care), as in QA's city."""
    grid = block_grid(n)  # 100 m blocks: n = 30 is 3.6 km across, about 1:19,000 on A4
    grid["zone_id"] = [ids.format(i=i) for i in range(len(grid))]
    zones = (grid.dissolve("zone_id", aggfunc={"households": "sum", "name": "count"})
             .rename(columns={"name": "n_communities"}))
    if not sites:
        return zones, grid, None
    at = shapely.get_coordinates(grid.geometry.representative_point().values)
    xy = [(x - ORIGIN_X, y - ORIGIN_Y) for x, y in at]
    planned = pd.concat([points(xy, kind=k, prefix=f"P{k}").assign(zone_id=grid["zone_id"].values)
                         for k in ("ev_charger", "parking", "elderly_care")])
    return zones, grid, planned


def _print_capturing(monkeypatch: pytest.MonkeyPatch, *args, **kwargs):
    """print_zone_maps, and the map pages it drew (overview first)."""
    import geo.printmap as pm

    figures: list[Figure] = []
    draw = pm._draw_page

    def keep(*a, **kw):
        figures.append(draw(*a, **kw))
        return figures[-1]

    monkeypatch.setattr(pm, "_draw_page", keep)
    return print_zone_maps(*args, **kwargs), figures


@needs_poppler
def test_a_district_overview_names_every_zone_and_keeps_its_markers_small(
        monkeypatch, tmp_path):
    # 900 zones and 2,700 planned sites on one A4 sheet: at full size (5.5 pt, sites dodged
    # around their spot with hairlines) the markers covered the zones and 780 zone ids were
    # left off, the side table listed 30 zones, and no page named the others
    zones, grid, planned = _district(30)
    out, figures = _print_capturing(monkeypatch, zones, grid, planned=planned,
                                    out_pdf=tmp_path / "d.pdf", paper="A4", date=DATE,
                                    zone_pages=[])
    overview = _pdftotext(out.pdf, 1)
    assert "图面拥挤" not in overview
    assert set(re.findall(r"Z\d{3}", overview)) == set(zones.index)  # every zone on the map
    ax = figures[0].axes[1]
    full_pt = 5.5 * math.sqrt(297 / 420) * 1.35  # a planned marker on a sparse A4 map
    sizes = [float(np.sqrt(c.get_sizes()).max()) for c in ax.collections
             if (c.get_gid() or "").startswith("facility_planned_")]
    assert len(sizes) == 3 and max(sizes) <= 0.5 * full_pt  # drawn smaller, each kind
    assert sum(len(c.get_offsets()) for c in ax.collections
               if (c.get_gid() or "").startswith("facility_planned_")) == len(planned)
    gids = {c.get_gid() for c in ax.collections}
    assert "facility_leaders" not in gids  # 2,700 hairlines would hide the zones again
    # the side table cannot list 900 zones: the list follows, every zone with its figures
    n_list = sum(p == "zone_list" for p in out.pages)
    assert out.pages == ("overview", *["zone_list"] * n_list) and n_list >= 2
    assert f"全部片区见第 2–{1 + n_list} 页" in overview
    assert len(_pdftoppm(out.pdf, tmp_path / "ppm", dpi=10)) == 1 + n_list
    listed = "".join(_pdftotext(out.pdf, k) for k in range(2, 2 + n_list))
    assert set(re.findall(r"Z\d{3}", listed)) == set(zones.index)
    assert "片区一览：共 900 个片区（Z000 – " in listed and "位置" in listed
    assert f"{int(zones['households'].sum()):,}" in listed  # the total, on the last page
    assert "第 2/" + str(1 + n_list) + " 页" in _pdftotext(out.pdf, 2)


def _list_cells(pdf: Path, page: int) -> dict[str, str]:
    """Zone id -> grid square as a zone list page prints them (pdftotext -layout)."""
    res = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(page), "-l",
                          str(page), str(pdf), "-"], check=True, capture_output=True, text=True)
    return dict(re.findall(r"(Z-\S+)\s+([A-Z]+\d+)\s", res.stdout))


@needs_poppler
def test_a_crowded_overview_points_to_the_zone_list_and_its_grid(monkeypatch, tmp_path):
    # ids too long for 900 zones on A4: some cannot be named on the map
    zones, grid, _ = _district(30, ids="Z-北大街道-第{i:04d}号片区", sites=False)
    out, figures = _print_capturing(monkeypatch, zones, grid, out_pdf=tmp_path / "c.pdf",
                                    paper="A4", date=DATE, zone_pages=[])
    n_list = sum(p == "zone_list" for p in out.pages)
    overview = _pdftotext(out.pdf, 1)
    found = re.search(r"图面拥挤：([\d,]+) 个片区编号未标注；\s*"
                      r"第 2–(\d+) 页片区一览列出每个片区所在网格", overview)
    assert found, overview[-400:]
    left = int(found.group(1).replace(",", ""))
    named = set(re.findall(r"Z-北大街道-第\d{4}号片区", overview))
    assert 0 < left < 900 and len(named) + left >= 900 and int(found.group(2)) == 1 + n_list
    ax = figures[0].axes[1]
    assert any(c.get_gid() == "key_grid" for c in ax.collections)
    letters = [t.get_text() for t in figures[0].axes[0].texts]
    assert "A" in letters and "1" in letters
    cells: dict[str, str] = {}
    for k in range(2, 2 + n_list):
        cells.update(_list_cells(out.pdf, k))
    assert set(cells) == set(zones.index)  # every zone, named and placed
    # block_grid row 0 is at the bottom: the first zone is bottom left, the last top right
    rows = sorted({c[1:] for c in cells.values()}, key=int)
    assert cells["Z-北大街道-第0000号片区"] == f"A{rows[-1]}"
    assert cells["Z-北大街道-第0899号片区"][1:] == "1" and cells["Z-北大街道-第0899号片区"][0] > "A"


def test_labels_set_off_their_area_are_tied_to_it():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from geo.printmap_layout import place_labels

    fig = Figure(figsize=(4, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    m_per_mm = 1000.0 / (4 * 25.4)
    # eight small areas side by side at the centre: their labels cannot all sit on them
    areas = [box(440.0 + 15 * i, 495.0, 450.0 + 15 * i, 505.0) for i in range(8)]
    items = [(a.centroid.x, a.centroid.y, f"Z00{i}", f"Z00{i}") for i, a in enumerate(areas)]
    taken: list[tuple[float, float, float, float]] = []
    left = place_labels(ax, items, size=8.0, m_per_mm=m_per_mm, colour="k",
                        extent=(0.0, 1000.0, 0.0, 1000.0), box=False, taken=taken,
                        targets=areas, reach_mm=10.0)
    assert left == 0 and len(taken) == 8
    labels = [shapely.box(*r) for r in taken]
    away = [i for i, lab in enumerate(labels) if lab.distance(areas[i]) > 1.5 * m_per_mm]
    assert away, "the test should set some labels off their areas"
    assert max(lab.distance(a) for lab, a in zip(labels, areas, strict=True)) <= 10 * m_per_mm
    (leaders,) = [c for c in ax.collections if c.get_gid() == "label_leaders"]
    segs = leaders.get_segments()
    assert len(segs) == len(away)
    for seg, i in zip(segs, away, strict=True):  # from the label's box to its own area
        assert labels[i].exterior.distance(shapely.Point(seg[0])) < 1e-6
        assert areas[i].distance(shapely.Point(seg[1])) < 1e-6
    for a in range(8):
        for b in range(a):
            assert not labels[a].intersects(labels[b]), (a, b)


@needs_poppler
def test_a_small_overview_is_drawn_as_before(monkeypatch, tmp_path):
    # every label fits and the side table lists every zone: no zone list, no grid, markers
    # at full size with their hairlines
    zones, grid = _synthetic()
    planned = _at_c00(["ev_charger", "parking"], prefix="P")
    out, figures = _print_capturing(monkeypatch, zones, grid, planned=planned,
                                    out_pdf=tmp_path / "few.pdf", paper="A4", date=DATE,
                                    zone_pages=[])
    assert out.pages == ("overview",) and "第 1/1 页" in _pdftotext(out.pdf, 1)
    gids = {c.get_gid() for c in figures[0].axes[1].collections}
    assert "key_grid" not in gids and "label_leaders" not in gids
    assert "facility_leaders" in gids
    full_pt = 5.5 * math.sqrt(297 / 420) * 1.35
    sizes = [float(np.sqrt(c.get_sizes()).max()) for c in figures[0].axes[1].collections
             if (c.get_gid() or "").startswith("facility_planned_")]
    assert sizes == pytest.approx([full_pt, full_pt])


def test_streets_are_drawn_as_one_path_per_width_with_every_piece():
    from geo.printmap_layers import _draw_streets

    streets = lattice_streets(4)
    streets["road_class"] = ["primary" if i % 5 == 0 else "residential"
                             for i in range(len(streets))]
    fig = Figure(figsize=(4, 4))
    ax = fig.add_axes((0, 0, 1, 1))
    _draw_streets(ax, streets)
    assert len(ax.collections) == 2  # minor, then major (wider, drawn on top)
    minor, major = (c.get_paths() for c in ax.collections)
    assert len(minor) == len(major) == 1
    assert [c.get_linewidth()[0] for c in ax.collections] == [0.4, 1.1]
    starts = sum(int((p.codes == MplPath.MOVETO).sum()) for p in (*minor, *major))
    assert starts == len(shapely.get_parts(streets.geometry.values))  # every piece, once
    verts = np.vstack([p.vertices for p in (*minor, *major)])
    assert len(verts) == len(shapely.get_coordinates(streets.geometry.values))


def test_neighbouring_zones_get_different_colours():
    from geo.printmap_layers import zone_colours

    grid = block_grid(12)  # 144 zones touching on four sides, across 16 m streets
    colours = zone_colours(grid.geometry)
    tree = shapely.STRtree(grid.geometry.values)
    left, right = tree.query(grid.geometry.values, predicate="dwithin", distance=60.0)
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    assert pairs and all(colours[i] != colours[j] for i, j in pairs)
    assert len(set(colours)) <= 6


# --------------------------------------------------------------------------------------------
# Facilities at one spot, the legend of what is drawn, labels clear of markers, OSM credit
# --------------------------------------------------------------------------------------------
def _drawn_pages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **kwargs) -> list[Figure]:
    """The figures print_zone_maps draws, page by page (the same that go into the PDF)."""
    import geo.printmap as pm

    figures: list[Figure] = []
    draw = pm._draw_page

    def keep(*args, **kw):
        figures.append(draw(*args, **kw))
        return figures[-1]

    monkeypatch.setattr(pm, "_draw_page", keep)
    zones, grid = _synthetic()
    kwargs = {"paper": "A4", "date": DATE, **kwargs}
    print_zone_maps(zones, kwargs.pop("communities", grid), out_pdf=tmp_path / "z.pdf",
                    **kwargs)
    return figures


def _markers_mm(fig: Figure) -> dict[str, np.ndarray]:
    """Facility markers of a page's map by gid ("facility_planned_parking"), in mm on paper."""
    ax = fig.axes[1]
    out = {}
    for coll in ax.collections:
        gid = coll.get_gid() or ""
        if gid.startswith("facility_") and gid.split("_")[1] in ("existing", "planned"):
            out[gid] = ax.transData.transform(coll.get_offsets()) / fig.dpi * 25.4
    return out


def _at_c00(kinds: list[str], *, prefix: str) -> gpd.GeoDataFrame:
    """Facilities of ``kinds`` at the label point of compound C00 (zone Z001)."""
    _, grid = _synthetic()
    p = grid.geometry["C00"].representative_point()
    layer = pd.concat([points([(p.x - ORIGIN_X, p.y - ORIGIN_Y)], kind=k, prefix=f"{prefix}{k}")
                       for k in kinds])
    return layer.assign(zone_id="Z001")


def test_facilities_at_one_spot_are_each_drawn_apart_and_tied_to_it(monkeypatch, tmp_path):
    from geo.printmap import FACILITY_STYLE

    planned = _at_c00(["ev_charger", "parking", "elderly_care"], prefix="P")
    near = planned.iloc[:1].copy()  # a fourth, 0.5 m off: the same spot at any print scale
    near.index = ["P_near"]
    near["geometry"] = near.geometry.translate(0.5, 0.0)
    planned = pd.concat([planned, near])
    existing = _at_c00(["parking"], prefix="F").drop(columns="zone_id")
    page = _drawn_pages(monkeypatch, tmp_path, planned=planned, facilities=existing,
                        zone_pages=["Z001"])[1]
    drawn = _markers_mm(page)
    assert sum(len(xy) for gid, xy in drawn.items() if "planned" in gid) == len(planned) == 4
    assert sum(len(xy) for gid, xy in drawn.items() if "existing" in gid) == 1
    xy = np.vstack(list(drawn.values()))
    width_mm = 5.5 * math.sqrt(297 / 420) * 1.35 * 25.4 / 72  # a planned marker on A4
    gaps = [math.dist(a, b) for i, a in enumerate(xy) for b in xy[:i]]
    assert min(gaps) >= width_mm, f"markers overlap: {min(gaps):.2f} mm apart"
    assert max(gaps) < 4 * width_mm  # still together, around their spot
    ax = page.axes[1]
    for gid, coll in ((c.get_gid(), c) for c in ax.collections):
        if gid and gid.startswith("facility_planned_"):  # filled in the kind's colour
            kind = gid.removeprefix("facility_planned_")
            assert tuple(coll.get_facecolor()[0]) == pytest.approx(
                to_rgba(FACILITY_STYLE[kind][1]))
    leaders = [c for c in ax.collections if c.get_gid() == "facility_leaders"]
    assert len(leaders) == 1 and len(leaders[0].get_segments()) == 5  # one per marker moved


def _legend_symbols(fig: Figure) -> list[tuple]:
    """(marker path, size, face, edge, edge width) of each marker row of a page's legend."""
    from matplotlib.markers import MarkerStyle

    rows = []
    for line in fig.axes[0].lines:
        if line.get_marker() in ("None", None, "") or line.get_linestyle() != "None":
            continue
        ms = MarkerStyle(line.get_marker())
        path = ms.get_path().transformed(ms.get_transform())
        rows.append((tuple(np.round(path.vertices, 6).ravel()),
                     round(line.get_markersize() ** 2, 6),
                     tuple(np.round(to_rgba(line.get_markerfacecolor()), 6)),
                     tuple(np.round(to_rgba(line.get_markeredgecolor()), 6)),
                     round(line.get_markeredgewidth(), 6)))
    return rows


def _map_symbols(fig: Figure) -> list[tuple]:
    rows = []
    for coll in fig.axes[1].collections:
        if not (coll.get_gid() or "").startswith(("facility_existing", "facility_planned")):
            continue
        rows.append((tuple(np.round(coll.get_paths()[0].vertices, 6).ravel()),
                     round(float(coll.get_sizes()[0]), 6),
                     tuple(np.round(coll.get_facecolor()[0], 6)),
                     tuple(np.round(coll.get_edgecolor()[0], 6)),
                     round(float(coll.get_linewidths()[0]), 6)))
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_shows_exactly_the_facility_symbols_drawn(monkeypatch, tmp_path, lang):
    from geo.printmap import FACILITY_STYLE

    planned = pd.concat([_at_c00(["ev_charger", "parking"], prefix="P"),
                         points([(400.0, 400.0)], kind="clinic", prefix="PC")
                         .assign(zone_id="Z002")])
    existing = pd.concat([points([(50.0, -10.0)], kind="elderly_care"),
                          points([(60.0, 60.0)], kind="parking", prefix="FP")])
    pages = _drawn_pages(monkeypatch, tmp_path, planned=planned, facilities=existing, lang=lang)
    for fig in pages:
        drawn, legend = _map_symbols(fig), _legend_symbols(fig)
        assert sorted(legend) == sorted(drawn)  # one row per symbol drawn, drawn as it is
        leaders = any(c.get_gid() == "facility_leaders" for c in fig.axes[1].collections)
        text = LABELS[lang]
        labels = [t.get_text() for t in fig.axes[0].texts]
        assert (text["shared_spot"] in labels) == leaders
        n_states = sum(("（现有）" if lang == "zh" else "(existing)") in t
                       or ("（规划）" if lang == "zh" else "(planned)") in t for t in labels)
        assert n_states == len(drawn)
    overview = _map_symbols(pages[0])
    assert len(overview) == 5  # elderly care, parking existing; charger, parking, clinic planned
    assert len({(s[2], s[3]) for s in overview}) == 5  # existing: white, outlined in colour
    fills = ["white", *(FACILITY_STYLE[k][1] for k in ("ev_charger", "parking", "clinic"))]
    assert {s[2] for s in overview} == {tuple(np.round(to_rgba(c), 6)) for c in fills}
    labels = [t.get_text() for t in pages[0].axes[0].texts]
    zh_or_en = {"zh": ("停车场（现有）", "停车场（规划）", "养老服务设施（现有）"),
                "en": ("Parking (existing)", "Parking (planned)", "Elderly care (existing)")}
    assert all(label in labels for label in zh_or_en[lang])


def test_compound_names_are_not_hidden_by_the_markers_on_their_spot(monkeypatch, tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    planned = _at_c00(["ev_charger", "parking", "elderly_care"], prefix="P")
    page = _drawn_pages(monkeypatch, tmp_path, planned=planned, zone_pages=["Z001"])[1]
    FigureCanvasAgg(page)
    renderer = page.canvas.get_renderer()
    ax = page.axes[1]
    (label,) = [t for t in ax.texts if t.get_text() == "小区00"]
    box = label.get_window_extent(renderer)
    width_pt = 5.5 * math.sqrt(297 / 420) * 1.35  # a planned marker on A4
    half = width_pt / 72 * page.dpi / 2  # in pixels
    centres = np.vstack([ax.transData.transform(c.get_offsets()) for c in ax.collections
                         if isinstance(c, PathCollection) and len(c.get_sizes())
                         and np.allclose(c.get_sizes(), width_pt ** 2)])
    assert len(centres) == 3
    for x, y in centres:
        assert not (box.x0 < x + half and x - half < box.x1
                    and box.y0 < y + half and y - half < box.y1), \
            "the compound's name is under a facility marker"


def _footer_source(fig: Figure) -> tuple[str, float, float]:
    """The footer's source text, its right end and the date's left end (mm on paper)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    paper = fig.axes[0]
    texts = {t.get_text(): t for t in paper.texts}
    src = next(t for s, t in texts.items() if s.startswith(("数据来源", "Data source")))
    date = next(t for s, t in texts.items() if s.startswith(("制图日期", "Date:")))
    to_mm = paper.transData.inverted()
    right = to_mm.transform(src.get_window_extent(renderer).get_points())[1, 0]
    left = to_mm.transform(date.get_window_extent(renderer).get_points())[0, 0]
    return src.get_text(), right, left


@pytest.mark.parametrize(("lang", "credit"), [("zh", "© OpenStreetMap 贡献者"),
                                              ("en", "© OpenStreetMap contributors")])
def test_layers_from_openstreetmap_are_credited_in_full_on_one_footer_line(
        monkeypatch, tmp_path, lang, credit):
    _, grid = _synthetic()
    osm = grid.rename(index=lambda c: f"osm_way_{100 + int(c[1:])}")
    long_source = "某某市住房和城乡建设局老旧小区改造普查数据库（2026 年第三季度更新版）" * 3
    for source in (None, long_source):
        pages = _drawn_pages(monkeypatch, tmp_path, communities=osm, lang=lang,
                             source=source, zone_pages=["Z001"])
        for fig in pages[-2:]:
            text, right, date_left = _footer_source(fig)
            assert credit in text and text.endswith("openstreetmap.org/copyright）"
                                                    if lang == "zh" else
                                                    "openstreetmap.org/copyright)")
            assert "\n" not in text and right < date_left  # one line, clear of the date
        pages.clear()
    plain = _drawn_pages(monkeypatch, tmp_path, zone_pages=[])
    assert "OpenStreetMap" not in _footer_source(plain[-1])[0]
    told = _drawn_pages(monkeypatch, tmp_path, zone_pages=[], openstreetmap=True)
    assert "© OpenStreetMap 贡献者" in _footer_source(told[-1])[0]


@needs_poppler
def test_openstreetmap_credit_is_text_in_the_pdf(tmp_path):
    zones, grid = _synthetic()
    streets = lattice_streets(4).rename(index=lambda s: f"osm_way_{abs(hash(s)) % 10**9}")
    out = print_zone_maps(zones, grid, streets=streets, out_pdf=tmp_path / "osm.pdf",
                          paper="A4", date=DATE, lang="en", zone_pages=["Z001"])
    for page in (1, 2):
        assert "© OpenStreetMap contributors" in _pdftotext(out.pdf, page)


def test_dodged_points_are_apart_and_lone_points_stay():
    from geo.printmap_layout import dodge_points

    spot = [(0.0, 0.0)] * 4 + [(0.2, 0.1)]  # four on one point, one just beside
    pair = [(10.0, 0.0), (10.0, 0.0)]
    lone = [(5.0, 5.0), (-5.0, 3.0)]
    xy = np.array(spot + pair + lone)
    out = dodge_points(xy, spacing=1.0)
    assert min(math.dist(a, b) for i, a in enumerate(out) for b in out[:i]) >= 1.0 - 1e-9
    assert np.array_equal(out[-2:], xy[-2:])  # nothing near them: not moved
    assert np.abs(out[:5] - [0.04, 0.02]).max() < 1.0  # a ring around the spot's centre
    assert out[5, 0] < 10.0 < out[6, 0] and max(abs(out[5, 1]), abs(out[6, 1])) < 1e-9  # a row
    assert np.array_equal(dodge_points(xy, spacing=1.0), out)  # the same every time
    # a crowded map: each still near its own point
    rng = np.random.default_rng(0)
    crowd = rng.uniform(0, 30, (400, 2))
    moved = np.hypot(*(dodge_points(crowd, spacing=1.0) - crowd).T)
    assert moved.max() < 4.0
