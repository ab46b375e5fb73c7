"""GBK vs UTF-8 from raw bytes (geo.io.encoding), including fixed-width DBF fields."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geo.io.encoding import dbf_text_bytes, decode_text, detect_encoding, read_cpg
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
