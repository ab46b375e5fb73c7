"""``pianqu validate``: summary and exit 0, or the problem list and exit 2."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from planning.cli import main
from tests.factories import CRS_GK, block_grid, lattice_streets, points
from tests.geo.test_io import community_rows, write_csv


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["validate", *argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_good_csv_exits_0_with_guess_and_summary(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "data.csv", community_rows(3))
    code, out = run(capsys, str(path))
    assert code == 0
    assert "guessed communities" in out and "headers 户数, 建成年代, 同意率" in out
    assert "communities 小区: 3 rows" in out
    assert "小区名称→name" in out and "户数→households" in out
    assert "generated from row order C0001…C0003" in out
    assert "assumed WGS84 (EPSG:4326)" in out
    assert "✓" in out


def test_bad_file_exits_2_and_names_rows(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rows = community_rows(3)
    rows[1]["户数"] = "-7"
    rows[2]["建成年代"] = "85"
    path = write_csv(tmp_path / "c.csv", rows)
    code, out = run(capsys, str(path), "--layer", "communities")
    assert code == 2
    assert "2 problems" in out
    assert "C0002 (line 3)" in out and "did you mean 1985?" in out and "C0003 (line 4)" in out
    assert "guessed" not in out  # --layer was given


def test_several_files_one_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_csv(tmp_path / "good.csv", community_rows(2))
    missing = tmp_path / "nothere.shp"
    code, out = run(capsys, str(good), str(missing))
    assert code == 2
    assert "communities 小区: 2 rows" in out
    assert "file not found" in out and "1 of 2 file(s) have problems" in out


def test_geopackage_checks_every_canonical_layer(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "district.gpkg"
    block_grid(2).reset_index().to_file(path, layer="communities")
    points([(0, 0)]).reset_index().to_file(path, layer="facilities")
    lattice_streets(3).reset_index().to_file(path, layer="streets")
    code, out = run(capsys, str(path))
    assert code == 0
    for line in ("communities 小区: 4 rows", "facilities 现有设施: 1 rows",
                 "streets 道路: 12 rows"):
        assert line in out
    assert "guessed" not in out


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: points([(0, 0), (50, 0)]).reset_index(drop=True), "facilities"),
    (lambda: lattice_streets(3).reset_index(drop=True), "streets"),
    (lambda: gpd.GeoDataFrame({"可建设施类型": ["停车场"], "造价": [10]},
                              geometry=points([(0, 0)]).geometry.values, crs=CRS_GK), "sites"),
    (lambda: gpd.GeoDataFrame({"阻隔类型": ["铁路"]},
                              geometry=[LineString([(483000, 3766000), (484000, 3766000)])],
                              crs=CRS_GK), "barriers"),
    (lambda: block_grid(2).reset_index(drop=True)[["name", "households", "geometry"]],
     "communities"),
])
def test_layer_type_is_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               make: object, expected: str) -> None:
    path = tmp_path / "layer.gpkg"  # a neutral name: the guess comes from geometry and headers
    make().to_file(path, layer="data")  # type: ignore[operator]
    code, out = run(capsys, str(path))
    assert code == 0, out
    assert f"guessed {expected}" in out


def test_guess_is_printed_even_when_the_file_fails(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "layer.gpkg"
    block_grid(2).reset_index(drop=True)[["name", "geometry"]].to_file(path)
    code, out = run(capsys, str(path))
    assert code == 2
    assert "推测为小区图层 / guessed communities (polygons)" in out
    assert "missing required column households (户数); columns found: name" in out


def test_crs_and_datum_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "f.csv", [{"类型": "诊所", "X": 483000.0, "Y": 3766000.0}])
    code, out = run(capsys, str(path), "--layer", "facilities")
    assert code == 2 and "pianqu --crs" in out and "e.g. EPSG:4534–4554" in out
    code, out = run(capsys, str(path), "--layer", "facilities", "--crs", "EPSG:4547")
    assert code == 0 and "CRS EPSG:4547 (declared)" in out
    amap = write_csv(tmp_path / "a.csv", [{"类型": "诊所", "lng": 113.82, "lat": 34.03}])
    code, out = run(capsys, str(amap), "--datum", "gcj02")
    assert code == 0 and "CRS EPSG:4326 (shifted from gcj02 GCJ-02)" in out


def test_encoding_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "c.csv", community_rows(2), encoding="gbk")
    code, out = run(capsys, str(path), "--encoding", "gbk")
    assert code == 0 and "encoding 编码 gbk (declared)" in out and "幸福里" not in out
    code, out = run(capsys, str(path), "--encoding", "utf-8")
    assert code == 2 and "save it as UTF-8 or GBK, or on the command line give --encoding" in out


def test_bundled_sample_validates(capsys: pytest.CaptureFixture[str]) -> None:
    from planning.sample import SAMPLE_PATH

    code, out = run(capsys, str(SAMPLE_PATH))
    assert code == 0
    for name in ("communities", "facilities", "sites", "streets", "barriers"):
        assert f"{name} " in out
    assert "CRS EPSG:4547 (file)" in out


def test_folder_is_validated_layer_by_layer(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    # (DBF headers hold 10 characters: keep the short ones)
    block_grid(2).reset_index().rename(columns={"community_id": "id"})[
        ["id", "households", "geometry"]].to_file(folder / "communities.shp")
    lattice_streets(3).reset_index().to_file(folder / "streets.shp")
    code, out = run(capsys, str(folder))
    assert code == 0
    assert "communities 小区: 4 rows" in out and "streets 道路: 12 rows" in out
