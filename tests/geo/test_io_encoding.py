"""GBK vs UTF-8 from raw bytes (geo.io.encoding), including fixed-width DBF fields, and the
shapefiles read with them (geo.io.sources): headers cut mid-character, a wrong .cpg."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geo.io import read_layer
from geo.io.encoding import dbf_text_bytes, decode_text, detect_encoding, read_cpg
from geo.io.sources import open_layer
from tests.factories import CRS_GK, block_grid

NAMES = ["幸福里", "建设路小区", "红旗街", "东风", "五一路南", "魏都区西大街道"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_short_chinese_strings(encoding: str) -> None:
    for name in NAMES:  # one value at a time: too short for statistical detectors
        assert detect_encoding(name.encode(encoding)) == encoding.upper()


def test_ascii_needs_no_decision() -> None:
    assert detect_encoding(b"Jianshe Road 12") is None
    assert detect_encoding([b"abc", b"123"]) is None


def test_a_character_cut_at_the_end_of_a_field() -> None:
    # DBF fields have a byte width: a multi-byte character may be cut in half at the end
    utf8 = [n.encode("utf-8")[:-1] for n in NAMES]
    gbk = [n.encode("gbk")[:-1] for n in NAMES]
    assert detect_encoding(utf8) == "UTF-8"
    assert detect_encoding(gbk) == "GBK"


def test_decode_text_prefers_bom_then_declared() -> None:
    assert decode_text("\ufeff小区名称".encode("utf-8")) == ("小区名称", "UTF-8 (BOM)")
    assert decode_text("小区名称".encode("gbk"), encoding="gbk") == ("小区名称", "gbk")
    with pytest.raises(UnicodeDecodeError):
        decode_text("小区名称".encode("gbk"), encoding="utf-8")


def test_dbf_text_bytes_reads_names_and_text_fields(tmp_path: Path) -> None:
    grid = block_grid(2)
    gdf = gpd.GeoDataFrame({"名称": NAMES[:4], "户数": [1, 2, 3, 4]},
                           geometry=grid.geometry.values, crs=CRS_GK)
    shp = tmp_path / "c.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="GBK")
    chunks = dbf_text_bytes(shp.with_suffix(".dbf"))
    assert "名称".encode("gbk") in chunks and "户数".encode("gbk") in chunks
    assert [c.decode("gbk") for c in chunks[2:]] == NAMES[:4]   # numbers are not text fields
    assert read_cpg(shp) == "GBK"
    assert dbf_text_bytes(shp.with_suffix(".dbf"), max_records=1)[2:] == [NAMES[0].encode("gbk")]


def _shapefile(path: Path, columns: dict[str, list[object]], *, encoding: str,
               cpg: str | None) -> None:
    """A shapefile as QGIS saves it: GDAL writes the DBF, field names cut at 10 bytes.

    GDAL 3.12 cuts a long name in the middle of a character (``建成年代`` in UTF-8 becomes
    ``建成年`` plus one byte of ``代``); the names are cut here too, so the test does not
    depend on GDAL's version. ``cpg`` replaces the ``.cpg`` GDAL wrote (None: no ``.cpg``).
    """
    grid = block_grid(2)
    gdf = gpd.GeoDataFrame(columns, geometry=grid.geometry.values, crs=CRS_GK)
    with warnings.catch_warnings():
        # GDAL reports each name it cut in a message pyogrio cannot decode (the cut character)
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(gdf, path, encoding=encoding)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    for k, name in enumerate(columns):
        data[32 * (k + 1):32 * (k + 1) + 11] = name.encode(encoding)[:10].ljust(11, b"\0")
    dbf.write_bytes(bytes(data))
    path.with_suffix(".cpg").unlink()
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)


@pytest.mark.parametrize(("encoding", "header", "cut"), [("UTF-8", "建成年代", "建成年"),
                                                         ("GBK", "A区建成年代", "A区建成年")])
@pytest.mark.parametrize("with_cpg", [True, False])
def test_a_header_cut_mid_character_loses_only_that_character(
        tmp_path: Path, encoding: str, header: str, cut: str, with_cpg: bool) -> None:
    path = tmp_path / "c.shp"
    _shapefile(path, {"名称": NAMES[:4], header: [1985, 1990, 1978, 2001]},
               encoding=encoding, cpg=encoding if with_cpg else None)
    assert header.encode(encoding)[:10] in dbf_text_bytes(path.with_suffix(".dbf"))
    raw = open_layer(path)
    assert list(raw.frame.columns) == ["名称", cut, "geometry"]
    assert raw.frame["名称"].tolist() == NAMES[:4]
    assert raw.frame[cut].tolist() == [1985, 1990, 1978, 2001]
    assert raw.encoding == encoding
    assert raw.encoding_source == (".cpg" if with_cpg else "detected")


def test_utf8_shapefile_from_qgis_reads_its_built_year(tmp_path: Path) -> None:
    path = tmp_path / "小区.shp"
    years = [1985, 1990, 1978, 1999]
    _shapefile(path, {"小区名称": NAMES[:4], "户数": [120, 300, 1050, 88],
                      "建成年代": years, "同意率": [0.85, 0.9, 0.7, 0.95]},
               encoding="UTF-8", cpg="UTF-8")
    res = read_layer(path, "communities")
    assert res.report.columns["建成年"] == "built_year"
    assert res.gdf["built_year"].tolist() == years
    assert res.gdf["name"].tolist() == NAMES[:4]
    assert res.gdf["households"].tolist() == [120, 300, 1050, 88]


def test_a_cpg_saying_gbk_over_utf8_text_is_overruled_and_said(tmp_path: Path) -> None:
    # GDAL alone reads UTF-8 bytes through a "936" .cpg as mojibake (缂栧彿…), so 户数 is
    # "missing"; valid UTF-8 this long is never GBK, so the text is read as UTF-8
    path = tmp_path / "小区.shp"
    _shapefile(path, {"小区名称": NAMES[:4], "户数": [120, 300, 1050, 88]},
               encoding="UTF-8", cpg="936")
    res = read_layer(path, "communities")
    assert res.gdf["name"].tolist() == NAMES[:4]
    assert res.gdf["households"].tolist() == [120, 300, 1050, 88]
    assert res.report.encoding == "UTF-8" and res.report.encoding_source == "detected"
    (note,) = [n.message for n in res.report.notes if ".cpg" in n.message]
    assert "936" in note and "UTF-8" in note and " / " in note


def test_a_right_gbk_cpg_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.shp"
    _shapefile(path, {"名称": NAMES[:4], "居民同意率": ["85%", "90%", "70%", "66%"]},
               encoding="GBK", cpg="936")
    raw = open_layer(path)
    assert raw.frame["名称"].tolist() == NAMES[:4] and "居民同意率" in raw.frame.columns
    assert (raw.encoding, raw.encoding_source, raw.notes) == ("936", ".cpg", [])
