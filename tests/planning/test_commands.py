"""The ``pianqu`` commands: which layers they read, in which CRS, and what they say.

planning.commands._layers decides where each layer comes from and how files are read (``--crs``
fills in a file without a CRS, ``--analysis-crs`` is the metric CRS); the commands' own tests
(the sample district, each command's outputs) live beside their modules' tests.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from planning.cli import main
from planning.commands._layers import EMPTY_STREETS, command_layers
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points


def _args(**paths: object) -> argparse.Namespace:
    base = {"communities": None, "streets": None, "barriers": None, "crs": None}
    return argparse.Namespace(**{**base, **paths})


def test_a_layer_file_replaces_the_samples_layer_and_is_put_in_its_crs(tmp_path: Path,
                                                                       sample_layers) -> None:
    streets = lattice_streets(3).to_crs(4326)  # degrees: must come back in the sample's metres
    path = tmp_path / "道路.geojson"
    streets.to_file(path)
    layers = command_layers(_args(streets=str(path)), ["streets", "barriers"])
    assert len(layers["communities"]) == len(sample_layers["communities"])
    assert len(layers["barriers"]) == len(sample_layers["barriers"])  # still the sample's
    assert len(layers["streets"]) == len(streets)  # the file, not the sample's streets
    assert layers["streets"].crs == layers["communities"].crs
    assert layers["streets"].crs.axis_info[0].unit_name == "metre"


def test_plan_without_communities_replaces_the_samples_layers_by_the_files(
        tmp_path: Path, sample_layers) -> None:
    from planning.cli import build_parser
    from planning.commands.plan import build_scenario

    # a facilities CSV with its header only (nothing to place, so no CRS to infer)
    (tmp_path / "设施.csv").write_text("设施编号,设施类型,经度,纬度\n", encoding="utf-8")
    args = build_parser().parse_args(["plan", "--facilities", str(tmp_path / "设施.csv"),
                                      "--out", str(tmp_path / "out")])
    scenario = build_scenario(args)
    assert len(scenario.layers["communities"]) == len(sample_layers["communities"])
    assert len(scenario.layers["streets"]) == len(sample_layers["streets"])
    assert len(scenario.layers["facilities"]) == 0  # the file's, not the sample's
    from planning.scenario import run_plan

    plan = run_plan(scenario)  # the empty layer takes the analysis CRS: nothing to move
    assert plan.communities.index.equals(sample_layers["communities"].index)


def test_with_communities_given_only_the_files_given_are_used(tmp_path: Path) -> None:
    path = tmp_path / "小区.gpkg"
    block_grid(2).reset_index().to_file(path)
    layers = command_layers(_args(communities=str(path)), ["streets", "barriers"])
    assert list(layers) == ["communities", "streets", "barriers"]
    assert len(layers["communities"]) == 4
    assert layers["streets"] is None and layers["barriers"] is None


# ------------------------------------------------------------------ shared inputs of the tests


def _write(gdf: gpd.GeoDataFrame, path: Path) -> str:
    gdf.reset_index().to_file(path)
    return str(path)


def _wkt_csv(gdf: gpd.GeoDataFrame, path: Path) -> str:
    """The layer as a CSV with a WKT column and no CRS (the numbers only)."""
    frame = pd.DataFrame(gdf.drop(columns="geometry")).assign(wkt=gdf.geometry.to_wkt())
    frame.to_csv(path, encoding="utf-8")
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two_zones(tmp_path: Path) -> dict[str, str]:
    """Files in two CRSs: compounds as X/Y numbers of EPSG:4546 in a CSV (no CRS), the
    facilities and a barrier in GeoPackages that declare EPSG:4547. ``--crs EPSG:4546`` is
    right for the CSV; were it to win over the GeoPackages it would move them 280 km."""
    grid = block_grid(3)
    barrier = gpd.GeoDataFrame({"barrier_id": ["B1"], "kind": ["railway"]},
                               geometry=[LineString([(ORIGIN_X + 110, ORIGIN_Y - 50),
                                                     (ORIGIN_X + 110, ORIGIN_Y + 400)])],
                               crs=CRS_GK).set_index("barrier_id")
    return {"communities": _wkt_csv(grid.to_crs(4546), tmp_path / "小区.csv"),
            "facilities": _write(points([(170, 170)]), tmp_path / "设施.gpkg"),
            "barriers": _write(barrier, tmp_path / "阻隔.gpkg"),
            "out": str(tmp_path / "out")}


def _same_place(layer: gpd.GeoSeries, expected: gpd.GeoSeries) -> bool:
    moved = layer.to_crs(expected.crs).geometry.to_numpy()
    return bool(np.allclose(shapely.get_coordinates(moved),
                            shapely.get_coordinates(expected.geometry.to_numpy()), atol=0.01))


# ------------------------------------------- --crs: the CRS of files that declare none, everywhere


def test_coverage_reads_a_csv_with_crs_and_keeps_a_files_own(two_zones, capsys) -> None:
    f = two_zones
    code, _, err = _run(capsys, "coverage", "--communities", f["communities"], "--facilities",
                        f["facilities"], "--no-network", "--crs", "EPSG:4546", "--out", f["out"])
    assert code == 0, err
    gpkg = Path(f["out"]) / "coverage.gpkg"
    assert _same_place(gpd.read_file(gpkg, layer="communities"), block_grid(3))
    assert _same_place(gpd.read_file(gpkg, layer="facilities"), points([(170, 170)]))
    table = pd.read_csv(Path(f["out"]) / "coverage_table.csv", encoding="utf-8-sig")
    assert (table["walk_minutes_elderly_care"] < 5).all()


def test_siting_keeps_a_files_own_crs(two_zones, capsys) -> None:
    f = two_zones
    code, _, err = _run(capsys, "siting", "--communities", f["communities"], "--facilities",
                        f["facilities"], "--crs", "EPSG:4546", "--no-zones", "--kinds",
                        "elderly_care", "--out", f["out"])
    assert code == 0, err
    before = pd.read_csv(Path(f["out"]) / "coverage_before_after.csv", encoding="utf-8-sig")
    # the existing facility in the middle of the compounds serves all of them already
    assert (before["households_before"] == before["households_total"]).all()


def test_siting_leaves_out_the_elderly_when_no_compound_counts_them(tmp_path, capsys) -> None:
    # OpenStreetMap compounds have no population: "elderly <NA> -> <NA>" said nothing
    grid = block_grid(3).assign(population=np.nan)
    communities = _write(grid, tmp_path / "c.gpkg")
    code, out, err = _run(capsys, "siting", "--communities", communities, "--no-zones",
                          "--kinds", "elderly_care", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "<NA>" not in out and "households" in out and "elderly" not in out.split(
        "min: households")[-1]
    code, out, err = _run(capsys, "siting", "--communities", _write(block_grid(3),
                          tmp_path / "c2.gpkg"), "--no-zones", "--kinds", "elderly_care",
                          "--out", str(tmp_path / "out2"))
    assert code == 0 and "; elderly " in out


def test_zoning_keeps_a_files_own_crs(two_zones, capsys) -> None:
    f = two_zones
    code, out, err = _run(capsys, "zoning", "--communities", f["communities"], "--barriers",
                          f["barriers"], "--crs", "EPSG:4546", "--out", f["out"])
    assert code == 0, err
    blocked = re.search(r"(\d+) blocked by barriers", out)
    assert blocked is not None and int(blocked.group(1)) > 0  # the railway between columns


def test_plan_keeps_a_files_own_crs(two_zones, capsys) -> None:
    f = two_zones
    code, _, err = _run(capsys, "plan", "--communities", f["communities"], "--facilities",
                        f["facilities"], "--crs", "EPSG:4546", "--no-maps", "--out", f["out"])
    assert code == 0, err
    plan = gpd.read_file(Path(f["out"]) / "plan.gpkg", layer="plan_communities")
    assert plan.crs.to_epsg() == 4546  # --crs in metres is the analysis CRS too
    assert _same_place(plan, block_grid(3))
    assert (plan["walk_minutes_elderly_care"] < 5).all()


def test_validate_keeps_a_files_own_crs(two_zones, capsys) -> None:
    f = two_zones
    code, out, _ = _run(capsys, "validate", f["facilities"], f["communities"], "--crs",
                        "EPSG:4546")
    assert code == 0
    assert "CRS EPSG:4547 (file)" in out and "CRS EPSG:4546 (declared)" in out


def test_a_crs_that_is_not_one_is_an_input_error(two_zones, capsys) -> None:
    f = two_zones
    code, _, err = _run(capsys, "zoning", "--crs", "EPSG:1", "--out", f["out"])
    assert code == 2 and "--crs: 无法识别的坐标系 / not a CRS: 'EPSG:1'" in err
    code, _, err = _run(capsys, "zoning", "--analysis-crs", "EPSG:4326", "--out", f["out"])
    assert code == 2 and "--analysis-crs EPSG:4326: 不是米制投影坐标系" in err


# ------------------------------------------------ --analysis-crs: data outside China, in metres


@pytest.fixture
def helsinki(tmp_path: Path) -> dict[str, str]:
    """The synthetic grid and lattice moved to Helsinki, in EPSG:3067 (metres)."""
    dx, dy = 385_000 - ORIGIN_X, 6_672_000 - ORIGIN_Y

    def there(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return gdf.set_geometry(gdf.translate(dx, dy)).set_crs(3067, allow_override=True)

    return {"communities": _write(there(block_grid(3)), tmp_path / "communities.gpkg"),
            "streets": _write(there(lattice_streets(4)), tmp_path / "streets.gpkg"),
            "facilities": _write(there(points([(170, 170)])), tmp_path / "facilities.gpkg"),
            "out": str(tmp_path / "out")}


@pytest.mark.parametrize("command", ["zoning", "siting", "coverage", "plan"])
def test_analysis_crs_outside_china(helsinki, capsys, command: str) -> None:
    f = helsinki
    lonlat = {}
    for name in ("communities", "streets"):  # the same layers in longitude-latitude
        lonlat[name] = _write(gpd.read_file(f[name]).to_crs(4326),
                              Path(f["out"]).parent / f"{name}_4326.gpkg")
    extra = {"siting": ["--kinds", "elderly_care"], "plan": ["--no-maps"]}.get(command, [])
    written, layer = {"zoning": ("zones.gpkg", "zones"),
                      "siting": ("planned_facilities.gpkg", "candidates"),
                      "coverage": ("coverage.gpkg", "communities"),
                      "plan": ("plan.gpkg", "plan_communities")}[command]
    # in degrees outside the CGCS2000 zones: no CRS to choose, and the message says which to give
    files = ["--communities", lonlat["communities"], "--streets", lonlat["streets"]]
    code, _, err = _run(capsys, command, *files, *extra, "--out", f["out"])
    assert code == 2 and "--analysis-crs EPSG:XXXX" in err and "24.9" in err
    code, _, err = _run(capsys, command, *files, *extra, "--analysis-crs", "EPSG:3067",
                        "--out", f["out"])
    assert code == 0, err
    assert gpd.read_file(Path(f["out"]) / written, layer=layer).crs.to_epsg() == 3067
    # already in the local metric CRS (EPSG:3067): analysed in it, nothing to give
    files = ["--communities", f["communities"], "--streets", f["streets"]]
    code, _, err = _run(capsys, command, *files, *extra, "--out", f["out"] + "2")
    assert code == 0, err
    assert gpd.read_file(Path(f["out"] + "2") / written, layer=layer).crs.to_epsg() == 3067
    # a CRS made for another continent is refused, with how far off its distances are
    code, _, err = _run(capsys, command, *files, *extra, "--analysis-crs", "EPSG:4547",
                        "--out", f["out"])
    assert code == 2 and "+15.2%" in err and "EPSG:32635" in err, err


def test_coverage_crs_in_metres_is_the_analysis_crs(helsinki, capsys) -> None:
    """The documented ``pianqu coverage --osm X --crs EPSG:3067``, here with files."""
    f = helsinki
    code, _, err = _run(capsys, "coverage", "--communities", f["communities"], "--streets",
                        f["streets"], "--facilities", f["facilities"], "--crs", "EPSG:3067",
                        "--out", f["out"])
    assert code == 0, err
    table = pd.read_csv(Path(f["out"]) / "coverage_table.csv", encoding="utf-8-sig")
    assert table["distance_method"].eq("network").all()
    assert table["walk_minutes_elderly_care"].notna().all()


# ----------------------------------------------- coverage: the sample only without --communities


def test_coverage_with_communities_and_no_facilities_uses_none(tmp_path, capsys) -> None:
    com = _write(block_grid(3), tmp_path / "c.gpkg")
    code, out, err = _run(capsys, "coverage", "--communities", com, "--no-network", "--out",
                          str(tmp_path / "out"))
    assert code == 0, err
    assert "facilities: none given (--facilities)" in out
    table = pd.read_csv(tmp_path / "out" / "coverage_table.csv", encoding="utf-8-sig")
    reasons = table[[c for c in table.columns if c.startswith("reason_")]]
    assert reasons.eq("无此类设施 / no facility of this kind").all().all()
    assert len(gpd.read_file(tmp_path / "out" / "coverage.gpkg", layer="facilities")) == 0
    assert "9 小区 compounds（全部 6 类 all kinds）: 无此类设施" in out


def test_coverage_without_communities_says_it_uses_the_samples_facilities(tmp_path,
                                                                          capsys) -> None:
    code, out, _ = _run(capsys, "coverage", "--no-network", "--out", str(tmp_path))
    assert code == 0 and "facilities: the bundled sample district's 40" in out


# ------------------------------------------------------------------- an empty streets layer


@pytest.fixture
def empty_streets(tmp_path: Path) -> dict[str, str]:
    return {"communities": _write(block_grid(3), tmp_path / "c.gpkg"),
            "facilities": _write(points([(170, 170), (-400, 0)]), tmp_path / "f.gpkg"),
            "streets": _write(lattice_streets(4).iloc[:0], tmp_path / "s.gpkg"),
            "out": str(tmp_path / "out")}


def test_coverage_with_an_empty_streets_layer_measures_straight(empty_streets, capsys) -> None:
    f = empty_streets
    files = ["--communities", f["communities"], "--facilities", f["facilities"]]
    code, out, err = _run(capsys, "coverage", *files, "--streets", f["streets"], "--out",
                          f["out"])
    assert code == 0, err
    assert EMPTY_STREETS in out
    assert _run(capsys, "coverage", *files, "--no-network", "--out", f["out"] + "2")[0] == 0
    empty = pd.read_csv(Path(f["out"]) / "coverage_table.csv", encoding="utf-8-sig")
    flat = pd.read_csv(Path(f["out"] + "2") / "coverage_table.csv", encoding="utf-8-sig")
    assert empty["distance_method"].str.startswith("straight_line_x1.3").all()
    pd.testing.assert_frame_equal(empty, flat)


def test_siting_and_plan_with_an_empty_streets_layer_say_so(empty_streets, capsys) -> None:
    f = empty_streets
    files = ["--communities", f["communities"], "--facilities", f["facilities"], "--streets",
             f["streets"]]
    code, out, err = _run(capsys, "siting", *files, "--kinds", "elderly_care", "--out",
                          f["out"])
    assert code == 0, err
    assert f"路网 network: {EMPTY_STREETS}" in out and "distances: straight_line_x1.3" in out
    code, out, err = _run(capsys, "plan", *files, "--no-maps", "--out", f["out"] + "p")
    assert code == 0, err
    assert "network: not run: 街道图层为空 / the streets layer is empty: straight-line " \
           "distances × detour factor" in out
    plan = gpd.read_file(Path(f["out"] + "p") / "plan.gpkg", layer="plan_communities")
    assert plan["distance_method"].str.startswith("straight_line_x1.3").all()


def test_streets_none_of_them_walkable_is_a_bilingual_error(tmp_path, capsys) -> None:
    code, _, err = _run(capsys, "coverage", "--communities",
                        _write(block_grid(3), tmp_path / "c.gpkg"), "--streets",
                        _write(lattice_streets(4, road_class="motorway"), tmp_path / "s.gpkg"),
                        "--out", str(tmp_path / "out"))
    assert code == 2 and "没有可步行的道路 / no walkable street" in err


# ------------------------------------------------- coverage: reasons, unconnected facilities


def test_coverage_counts_compounds_per_reason_and_names_unconnected_facilities(
        tmp_path, capsys) -> None:
    far = [(3000 + 50 * i, 3000) for i in range(11)]  # 3 km from any street
    facilities = points([(170, 170), *far])
    code, out, err = _run(capsys, "coverage",
                          "--communities", _write(block_grid(3), tmp_path / "c.gpkg"),
                          "--facilities", _write(facilities, tmp_path / "f.gpkg"),
                          "--streets", _write(lattice_streets(4), tmp_path / "s.gpkg"),
                          "--out", str(tmp_path / "out"))
    assert code == 0, err
    others = "ev_charger, parking, clinic, market, kindergarten"
    assert f"  9 小区 compounds（5 类 kinds: {others}）: 无此类设施 / no facility of this kind" \
        in out
    ids = ", ".join(f"F{i}" for i in range(1, 11))
    assert f"  11 处设施未接入路网 / 11 facilities not connected: {ids} …\n" in out
    layer = gpd.read_file(tmp_path / "out" / "coverage.gpkg", layer="facilities")
    assert (layer.geom_type == "Point").all() and layer.crs.to_epsg() == 4547
    assert list(layer.columns) == ["facility_id", "kind", "connector_m", "reason", "geometry"]
    assert _same_place(layer, facilities)
    assert layer["reason"].isna().tolist() == [True] + [False] * 11
    assert layer["reason"].iloc[1].startswith("未接入路网")


@pytest.mark.parametrize("command", ["coverage", "siting", "zoning"])
def test_datum_option_shifts_gcj02_files_back_to_wgs84(tmp_path, command: str) -> None:
    from planning.cli import build_parser

    csv = _wkt_csv(block_grid(2).to_crs(4326), tmp_path / "小区.csv")  # as if from AMap
    args = build_parser().parse_args([command, "--communities", csv, "--datum", "gcj02",
                                      "--out", str(tmp_path)])
    shifted = command_layers(args, [])["communities"]
    args.datum = None
    as_is = command_layers(args, [])["communities"]
    assert shifted.crs == as_is.crs
    moved = shifted.centroid.distance(as_is.centroid)
    assert (moved > 100).all() and (moved < 1000).all()  # GCJ-02 is off by hundreds of metres


def test_datum_option_leaves_a_file_in_metres_as_it_is(tmp_path, capsys) -> None:
    # the bureau's compounds in CGCS2000 Gauss-Krüger, the facilities copied from AMap
    from planning.cli import build_parser

    compounds = _write(block_grid(2), tmp_path / "小区.gpkg")
    amap = _wkt_csv(points([(170, 170)]).to_crs(4326), tmp_path / "高德设施.csv")
    args = build_parser().parse_args(["coverage", "--communities", compounds, "--facilities",
                                      amap, "--datum", "gcj02", "--out", str(tmp_path)])
    layers = command_layers(args, ["facilities"])
    said = capsys.readouterr().out
    assert f"{compounds} is in projected metres: --datum gcj02 applies to lon/lat files" in said
    assert _same_place(layers["communities"], block_grid(2))  # not shifted
    moved = layers["facilities"].distance(points([(170, 170)]).to_crs(layers["facilities"].crs))
    assert (moved > 100).all() and (moved < 1000).all()  # shifted back from GCJ-02
    code, out, _ = _run(capsys, "validate", compounds, amap, "--datum", "gcj02")
    assert code == 0 and "applies to lon/lat files" in out and "shifted from gcj02" in out


# ----------------------- compounds without built year or consent rate: said, and --include-unknown


@pytest.fixture
def unknown_years(tmp_path: Path) -> dict[str, str]:
    """Nine compounds with neither 建成年代 nor 同意率, as an OSM extract gives them."""
    grid = block_grid(3).assign(built_year=np.nan, consent_rate=np.nan)
    return {"communities": _write(grid, tmp_path / "c.gpkg"),
            "streets": _write(lattice_streets(4), tmp_path / "s.gpkg"),
            "out": str(tmp_path / "out")}


def test_zoning_says_unknown_values_leave_everything_out_and_names_the_remedy(
        unknown_years, capsys) -> None:
    f = unknown_years
    files = ["--communities", f["communities"], "--streets", f["streets"]]
    code, out, err = _run(capsys, "zoning", *files, "--out", f["out"])
    assert code == 0, err
    assert "0 zones (0 within bounds, 0 not)" in out
    assert ("9 of 9 compounds are left out because their built year or consent rate is "
            "unknown: fill in their 建成年代 (built_year) and 同意率 (consent_rate) in the "
            "compounds layer, adding the columns it lacks, or give --include-unknown") in out
    code, out, err = _run(capsys, "zoning", *files, "--include-unknown", "--out", f["out"])
    assert code == 0, err
    assert "compounds zoned 9, excluded 0" in out and "left out because" not in out
    assert "9 compounds included with it unknown, each with a note" in out
    table = pd.read_csv(Path(f["out"]) / "assignments.csv", encoding="utf-8-sig")
    assert table["zone_id"].notna().all()
    note = "建成年代、居民同意率未知，按已知条件纳入"
    assert table["eligibility_note"].eq(note).all()


def test_siting_and_plan_take_include_unknown(unknown_years, capsys) -> None:
    f = unknown_years
    files = ["--communities", f["communities"], "--streets", f["streets"]]
    site = ["siting", *files, "--no-zones", "--kinds", "parking"]
    code, out, err = _run(capsys, *site, "--out", f["out"])
    assert code == 0, err
    assert "eligibility: 0/9 compounds qualify" in out and "or give --include-unknown" in out
    assert re.search(r"^停车场 parking \| 0 \| 0 \| 0 \|", out, re.M)  # no demand at all
    code, out, err = _run(capsys, *site, "--include-unknown", "--out", f["out"])
    assert code == 0, err
    assert "eligibility: 9/9 compounds qualify" in out
    # 0.5 spaces × 1,800 households, less the 9 × 40 spaces the compounds have
    assert re.search(r"^停车场 parking \| [1-9]\d* \| [\d,]+ \| 540 \|", out, re.M)
    code, out, err = _run(capsys, "plan", *files, "--no-maps", "--out", f["out"] + "p")
    assert code == 0, err
    assert "zoned: 0" in out and "or give --include-unknown" in out
    code, out, err = _run(capsys, "plan", *files, "--include-unknown", "--no-maps", "--out",
                          f["out"] + "p")
    assert code == 0, err
    assert "zoned: 9" in out and "9 compounds included with it unknown" in out


# --------------------------------------- plan says what zoning and coverage say, in their words


def test_plan_says_zones_off_bounds_and_unconnected_facilities_as_they_do(tmp_path,
                                                                          capsys) -> None:
    # 9 × 50 households: one zone, below the floor of 800; two facilities 3 km from any street
    files = ["--communities", _write(block_grid(3, households=50), tmp_path / "c.gpkg"),
             "--streets", _write(lattice_streets(4), tmp_path / "s.gpkg")]
    facilities = ["--facilities",
                  _write(points([(170, 170), (3000, 3000), (3050, 3000)]), tmp_path / "f.gpkg")]
    code, zoning, err = _run(capsys, "zoning", *files, "--out", str(tmp_path / "z"))
    assert code == 0, err
    code, coverage, err = _run(capsys, "coverage", *files, *facilities, "--out",
                               str(tmp_path / "c"))
    assert code == 0, err
    code, plan, err = _run(capsys, "plan", *files, *facilities, "--no-maps", "--out",
                           str(tmp_path / "p"))
    assert code == 0, err
    bounds = "1 zones (0 within bounds, 1 not)"
    off = next(line for line in zoning.splitlines() if line.startswith("  Z001: "))
    assert "450" in off and "800" in off  # the households and the floor
    unconnected = "2 处设施未接入路网 / 2 facilities not connected: F1, F2"
    for said in (bounds, off):
        assert said in zoning and said in plan
    assert unconnected in coverage and unconnected in plan


# ------------------------------------------------------- a wrong option: the command's own usage


def test_a_wrong_option_prints_the_commands_usage(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["siting", "--bogus", "--out", "x"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: pianqu siting ") and "--max-sites N" in err
    assert "pianqu siting: error: unrecognized arguments: --bogus" in err


def test_validate_needs_a_file_or_an_extract(capsys) -> None:
    code, _, err = _run(capsys, "validate")
    assert code == 2 and "give one or more FILEs, or --osm FILE.pbf" in err


# ------------------------------------------------ an OpenStreetMap extract, in every command


@pytest.mark.slow
def test_validate_says_what_an_osm_extract_gives(helsinki_pbf, capsys) -> None:
    code, out, err = _run(capsys, "validate", "--osm", helsinki_pbf)
    assert code == 0, err
    assert "小区 compounds: 19 (landuse=residential)" in out
    assert "6 residential slivers under 200 m² left out" in out
    assert re.search(r"households estimated: 5,120 in all; 19 .* 78 mapped buildings .* 0 "
                     r".* land area × 150 households per ha", out)
    assert "19 of 19 compounds are left out" in out and "--include-unknown" in out
    assert ("现有设施 facilities: 61 — 停车场 parking 43, 菜市场 market 7, 社区卫生服务站 "
            "clinic 7, 充电桩 ev_charger 4") in out
    assert "none of: elderly_care, kindergarten" in out
    assert "道路 streets: 2,404" in out and "✓ 可以使用 / OK" in out
    code, direct, _ = _run(capsys, "validate", helsinki_pbf)  # the extract as a FILE
    assert code == 0 and direct == out


@pytest.mark.slow
def test_an_osm_extract_plans_from_the_command_line(helsinki_pbf, tmp_path, capsys) -> None:
    osm = ["--osm", helsinki_pbf, "--analysis-crs", "EPSG:3067"]
    code, out, err = _run(capsys, "zoning", *osm, "--out", str(tmp_path / "z0"))
    assert code == 0, err
    assert "0 zones" in out and "19 of 19 compounds are left out" in out
    code, zoning, err = _run(capsys, "zoning", *osm, "--include-unknown", "--out",
                             str(tmp_path / "z"))
    assert code == 0, err
    assert "compounds zoned 19, excluded 0" in zoning
    assert int(re.search(r"\d+ blocked by barriers", zoning).group(0).split()[0]) > 0  # rail
    code, siting, err = _run(capsys, "siting", *osm, "--include-unknown", "--no-zones",
                             "--kinds", "parking", "--out", str(tmp_path / "s"))
    assert code == 0, err
    assert "eligibility: 19/19" in siting and "network: 3506 nodes" in siting
    assert not re.search(r"^停车场 parking \| \d+ \| [\d,]+ \| 0 \|", siting, re.M)  # demand
    # the planner's facilities replace the extract's 61, and the console says so
    mine = _write(gpd.GeoDataFrame(
        {"kind": ["elderly_care", "parking"]}, index=pd.Index(["F1", "F2"], name="facility_id"),
        geometry=gpd.points_from_xy([24.94, 24.941], [60.17, 60.17]), crs=4326),
        tmp_path / "F.gpkg")
    code, plan, err = _run(capsys, "plan", *osm, "--facilities", mine, "--include-unknown",
                           "--no-maps", "--out", str(tmp_path / "p"))
    assert code == 0, err
    assert (f"facilities: the 2 of {mine} replace the 61 of the OpenStreetMap extract") in plan
    assert "zoned: 19" in plan and "19 compounds included with it unknown" in plan
    zones = next(line for line in zoning.splitlines() if " zones (" in line)
    assert zones in plan  # the same line as zoning's
