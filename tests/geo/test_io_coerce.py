"""Values as planners type them -> canonical types (geo.io.coerce), cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import LayerValidationError
from geo.io import read_layer
from geo.io.coerce import (
    coerce_column,
    kind_key,
    parse_coordinate,
    parse_number,
    parse_year,
)
from geo.schema import COMMUNITIES, FACILITIES, SITES


@pytest.mark.parametrize(("text", "expected"), [
    ("1200", 1200.0),
    ("1,200", 1200.0),
    ("1,200户", 1200.0),
    ("１２００户", 1200.0),          # full-width digits
    ("约 1,200 户", 1200.0),
    (" 12 栋 ", 12.0),
    ("3.5万", 35000.0),
    ("３.５万㎡", 35000.0),          # ㎡ is m2 after NFKC
    ("8000平方米", 8000.0),
    ("-5", -5.0),
    (".5", 0.5),
    (1200, 1200.0),
    (np.int64(7), 7.0),
    (12.5, 12.5),
    ("1200-1300", None),            # a range is not one number
    ("34.03abc", None),             # stray letters are not a unit
    ("800abc", None),
    ("12个abc", None),
    ("113°", 113.0),                # degrees, as coordinates are sometimes written
    ("113.8度", 113.8),
    ("200户左右", 200.0),
    ("很多", None),
    ("1,2", None),                  # not a thousands separator
    ("85%", None),                  # percent only where a share is expected
    ("", None),
    ("未知", None),
    (None, None),
    (float("nan"), None),
    (True, None),
])
def test_parse_number(text: object, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_parse_number_percent() -> None:
    assert parse_number("85%", percent=True) == pytest.approx(0.85)
    assert parse_number("８５％", percent=True) == pytest.approx(0.85)
    assert parse_number("5‰", percent=True) == pytest.approx(0.005)


@pytest.mark.parametrize(("value", "expected"), [
    ("1985", (1985, None)),
    ("1985年", (1985, None)),
    ("１９８５年", (1985, None)),
    ("1985年6月", (1985, None)),
    ("1985-06-01", (1985, None)),
    ("1985/6", (1985, None)),
    ("1985.0", (1985, None)),
    ("1985-01-01 00:00:00", (1985, None)),   # Excel dates read as text
    (1991, (1991, None)),
    (1991.0, (1991, None)),
    (dt.date(1978, 3, 1), (1978, None)),
    (pd.Timestamp("1999-12-31"), (1999, None)),
    ("80年代", (1985, "decade")),
    ("1980年代", (1985, "decade")),
    ("1980s", (1985, "decade")),
    ("90年代初", (1992, "decade")),
    ("90年代末", (1998, "decade")),
    ("00年代", (2005, "decade")),
    ("85", (1985, "short")),
    ("85年", (1985, "short")),
    (85, (1985, "short")),
    ("05", (2005, "short")),
    ("19850", (None, "bad")),
    (19850, (None, "bad")),
    ("1985.6", (1985, None)),               # year.month, as often written in Chinese tables
    ("老旧", (None, "bad")),
    ("85年代", (None, "bad")),              # not a decade
    ("", (None, "missing")),
    (None, (None, "missing")),
])
def test_parse_year(value: object, expected: tuple[int | None, str | None]) -> None:
    assert parse_year(value) == expected


@pytest.mark.parametrize(("label", "key"), [
    ("elderly_care", "elderly_care"), ("养老服务设施", "elderly_care"),
    ("日间照料中心", "elderly_care"),
    ("Elderly care", "elderly_care"), ("充电桩", "ev_charger"), ("EV charger", "ev_charger"),
    ("charging_station", "ev_charger"), ("停车场", "parking"), ("parking_lot", "parking"),
    ("社区卫生服务站", "clinic"), ("诊所", "clinic"), ("菜市场", "market"), ("超市", None),
    ("supermarket", "market"), ("幼儿园", "kindergarten"), ("托儿所", "kindergarten"),
    ("公厕", None), ("", None),
])
def test_kind_key(label: str, key: str | None) -> None:
    assert kind_key(label) == key


def test_households_int_with_problems_by_position() -> None:
    values = pd.Series(["1,200户", "很多", "-3", "12.5", "", 300, "３００"])
    out, findings = coerce_column(values, COMMUNITIES.column("households"))
    assert str(out.dtype) == "Int64"
    assert out.iloc[0] == 1200 and out.iloc[5] == 300 and out.iloc[6] == 300
    assert out.iloc[[1, 3, 4]].isna().all()
    by_msg = {f.message.split(" / ")[1].split(":")[0].split(" out")[0]: f.positions
              for f in findings}  # messages are "中文 / English"
    assert by_msg == {"not a number": (1,), "not a whole number": (3,), "'-3'": (2,)}
    assert all(f.fatal for f in findings)
    assert "allowed >= 0" in next(f.message for f in findings if f.positions == (2,))


def test_approximate_numbers_are_read_and_said_to_be() -> None:
    values = pd.Series(["约200", "200余户", "300多户", "150左右", "1,200户", "80", 90])
    out, findings = coerce_column(values, COMMUNITIES.column("households"))
    assert out.tolist() == [200, 200, 300, 150, 1200, 80, 90]
    assert len(findings) == 1 and not findings[0].fatal  # an assumption, not an error
    assert findings[0].positions == (0, 1, 2, 3)  # 1,200户 and plain numbers are exact
    assert findings[0].message.startswith("约数按所写数字计，请核对：'约200' → 200, ")


def test_cost_counted_in_wan() -> None:
    out, findings = coerce_column(pd.Series(["85.5万", "85.5万元", "120", "1,200,000元"]),
                                  SITES.column("cost"))
    assert out.tolist() == [85.5, 85.5, 120.0, 120.0] and findings == []


def test_floor_area_float() -> None:
    out, findings = coerce_column(pd.Series(["3.5万", "8,000㎡", None]),
                                  COMMUNITIES.column("floor_area_m2"))
    assert out.dtype == np.float64
    assert out.iloc[0] == 35000.0 and out.iloc[1] == 8000.0 and np.isnan(out.iloc[2])
    assert findings == []


def test_consent_rate_percent_numbers_are_an_assumption_not_an_error() -> None:
    values = pd.Series(["85%", 0.9, "85", 1, "2/3", "185", "-0.1", "高"])
    out, findings = coerce_column(values, COMMUNITIES.column("consent_rate"))
    assert out.iloc[:5].tolist() == pytest.approx([0.85, 0.9, 0.85, 1.0, 2 / 3])
    notes = [f for f in findings if not f.fatal]
    assert [n.positions for n in notes] == [(2,), (1, 3)]
    assert "85 → 0.85" in notes[0].message
    # 0.9 and 1 sit in a column that also holds percentages: kept, but the planner checks them
    assert "mixed in one column: 0.9, 1 kept as shares" in notes[1].message
    fatal = {f.positions: f.message for f in findings if f.fatal}
    # 185 would be 1.85 as a percentage: out of range; so is -0.1; 高 is not a share
    assert set(fatal) == {(5, 6), (7,)}
    assert "allowed 0–1" in fatal[(5, 6)]


def test_years() -> None:
    values = pd.Series(["1985年", "80年代", 19850, "85", "1890", None])
    out, findings = coerce_column(values, COMMUNITIES.column("built_year"))
    assert str(out.dtype) == "Int64"
    assert out.iloc[0] == 1985 and out.iloc[1] == 1985
    assert out.iloc[[2, 3, 5]].isna().all()
    notes = [f for f in findings if not f.fatal]
    assert [n.positions for n in notes] == [(1,)]
    assert "80年代 → 1985" in notes[0].message
    fatal = {f.positions: f.message for f in findings if f.fatal}
    assert set(fatal) == {(2,), (3,), (4,)}
    assert "did you mean 1985" in fatal[(3,)]
    assert "1900–2100" in fatal[(4,)]


def test_strings_keep_text_and_fold_integer_floats() -> None:
    out, findings = coerce_column(pd.Series([" 幸福里 ", 101.0, None, ""]),
                                  COMMUNITIES.column("name"))
    assert out.iloc[0] == "幸福里" and out.iloc[1] == "101"
    assert out.iloc[2:].isna().all() and findings == []


def test_site_kinds_lists() -> None:
    values = pd.Series(["停车场、充电桩", "parking,ev_charger,parking", "养老", "健身房", None])
    out, findings = coerce_column(values, SITES.column("kinds"))
    assert out.iloc[0] == "parking,ev_charger"
    assert out.iloc[1] == "parking,ev_charger"
    assert out.iloc[2] == "elderly_care"
    assert [f.positions for f in findings] == [(3,)]
    assert findings[0].fatal and "健身房" in findings[0].message


def test_facility_kind_unknown_is_kept_with_a_note() -> None:
    values = pd.Series(["日间照料中心", "公厕", "clinic"])
    out, findings = coerce_column(values, FACILITIES.column("kind"), facility_kind=True)
    assert out.tolist() == ["elderly_care", "公厕", "clinic"]
    assert len(findings) == 1 and not findings[0].fatal and findings[0].positions == (1,)


def test_numeric_columns_take_the_same_decisions_as_text() -> None:
    # GeoPackage and shapefile columns arrive as numbers: the vectorised path must agree
    # with the cell-by-cell one on every case
    cases = {
        "households": [1200, 12.5, -3, np.nan, 300],
        "consent_rate": [0.85, 85, 185, -0.1, np.nan],
        "built_year": [1985, 85, 19850, 1890, np.nan, 0],  # (text "1985.5" is year.month)
    }
    for name, numbers in cases.items():
        col = COMMUNITIES.column(name)
        as_numbers, f_num = coerce_column(pd.Series(numbers, dtype=float), col)
        as_text, f_txt = coerce_column(
            pd.Series(["" if np.isnan(x) else f"{x:g}" for x in numbers], dtype=object), col)
        pd.testing.assert_series_equal(as_numbers, as_text, check_exact=False)
        assert [(f.positions, f.fatal) for f in f_num] == [(f.positions, f.fatal)
                                                          for f in f_txt], name


# --- units: a coordinate is a number; other columns take their own units only ---------------


@pytest.mark.parametrize(("text", "expected"), [
    ("34.03", 34.03), ("３４.０３", 34.03), ("34.03°", 34.03), ("34.03度", 34.03),
    ("34.03abc", None), ("34.03N", None), ("34.03户", None), ("34.03平方米", None),
    ("34.03万", None), ("34.03%", None), ("约34.03", None), ("34,030", None), ("", None),
    (34.03, 34.03), (None, None),
])
def test_coordinates_take_a_number_and_a_degree_sign_only(text: str,
                                                         expected: float | None) -> None:
    assert parse_coordinate(text) == expected


@pytest.mark.parametrize("slip", ["34.03abc", "34.03户", "约34.03"])
def test_stray_letters_in_a_coordinate_reject_the_row(tmp_path: Path, slip: str) -> None:
    # QA s10: 纬度 "34.03abc" was read as 34.03 and the facility moved 603 m; a unit or 约
    # in a coordinate is as much a slip
    path = tmp_path / "f.csv"
    path.write_text(f"设施类型,经度,纬度\n充电桩,113.8305,34.0353\n充电桩,113.8305,{slip}\n"
                    "充电桩,113.82°,34.02度\n", encoding="utf-8")
    with pytest.raises(LayerValidationError) as exc:
        read_layer(path, "facilities")
    [problem] = exc.value.problems
    assert problem.rows == ("F0002 (line 3)",)
    assert "经度/纬度" in str(problem) and slip in str(problem)


def test_degrees_minutes_seconds_are_read(tmp_path: Path) -> None:
    # a survey's table: 113°49′12″E, 34°01′48″N is 113.82, 34.03
    path = tmp_path / "f.csv"
    path.write_text("设施类型,经度,纬度\n充电桩,113°49′12″E,34°01′48″N\n"
                    "充电桩,113度49分12秒,34度1分48秒\n", encoding="utf-8")
    points = read_layer(path, "facilities").gdf.geometry
    assert [(p.x, p.y) for p in points] == [(113.82, 34.03)] * 2


def test_projected_coordinates_with_thousands_separators_are_read(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"  # Excel's number format, quoted by its CSV export
    path.write_text('设施类型,X,Y\n充电桩,"483,512.5","3,760,123.25"\n', encoding="utf-8")
    point = read_layer(path, "facilities", default_crs="EPSG:4547").gdf.geometry.iloc[0]
    assert (point.x, point.y) == (483512.5, 3760123.25)


def _one(findings: list, fatal: bool) -> object:
    [found] = [f for f in findings if f.fatal is fatal]
    return found


def test_a_unit_of_another_quantity_is_an_error_naming_the_rows() -> None:
    out, findings = coerce_column(pd.Series(["300户", "300平方米", "120", "300元"]),
                                  COMMUNITIES.column("households"))
    assert out.tolist()[0] == 300 and out.iloc[1:2].isna().all() and out.iloc[2] == 120
    [wrong] = findings
    assert wrong.fatal and wrong.positions == (1, 3)
    assert wrong.message.startswith("单位不符：'300平方米', '300元' 不是户数（households）的单位；"
                                    "可用单位：户 / unit not one of households (户数)")
    assert "'300平方米', '300元'" in wrong.message and "allowed units: 户" in wrong.message


def test_stray_letters_in_a_number_are_not_a_number() -> None:
    out, findings = coerce_column(pd.Series(["800abc", "12", "12栋楼"]),
                                  COMMUNITIES.column("buildings"))
    assert np.isnan(out.astype(float).iloc[0]) and out.iloc[1] == 12 and out.iloc[2] == 12
    [bad] = findings
    assert bad.fatal and bad.positions == (0,) and "not a number: '800abc'" in bad.message


def test_chargers_counted_in_square_metres_are_an_error() -> None:
    out, findings = coerce_column(pd.Series(["约800平方米", "8个", "6台", "4"]),
                                  COMMUNITIES.column("ev_chargers"))
    assert out.iloc[1:].tolist() == [8, 6, 4]
    wrong = _one(findings, fatal=True)
    assert wrong.positions == (0,) and "'约800平方米'" in wrong.message
    assert "ev_chargers (充电桩)" in wrong.message


def test_capacity_with_a_unit_names_the_rows_and_the_kinds_the_unit_fits() -> None:
    # QA s10: 约800平方米 in a charger's capacity was read as 800 chargers with only an
    # "approximate" note; the capacity column serves every kind, so say which kinds fit
    values = pd.Series(["约800平方米", "50个", "9", "120人", "30车位"])
    out, findings = coerce_column(values, FACILITIES.column("capacity"))
    assert out.tolist() == [800.0, 50.0, 9.0, 120.0, 30.0]
    notes = [f for f in findings if not f.fatal]
    units = next(f for f in notes if "unit" in f.message)
    assert units.positions == (0, 1, 3, 4)
    assert units.message.startswith("容量带单位，请核对与设施类型相符：'约800平方米'（面积："
                                    "养老服务设施）、'50个'（个数：充电桩、停车场）")
    assert "'约800平方米' (m²: elderly_care)" in units.message
    assert "'50个' (a count: ev_charger, parking)" in units.message
    assert "'30车位' (parking spaces: parking)" in units.message
    assert "ev_charger 个充电桩 (chargers)" in units.message  # what each kind counts


def test_capacity_in_beds_is_an_error() -> None:
    _, findings = coerce_column(pd.Series(["50床", "800"]), FACILITIES.column("capacity"))
    wrong = _one(findings, fatal=True)
    assert wrong.positions == (0,) and wrong.message.startswith("单位不符：'50床' 不是容量")


# --- a share among percentages, a percentage among shares ----------------------------------


@pytest.mark.parametrize("as_numbers", [False, True])
def test_one_percentage_among_shares_is_named_alone(as_numbers: bool) -> None:
    # QA s10: a single 85 among 467 fractions; the note listed the 467 others
    numbers = [0.5 + i / 100 for i in range(40)]
    numbers[17] = 85
    values = (pd.Series(numbers, dtype=float) if as_numbers
              else pd.Series([f"{x:g}" for x in numbers], dtype=object))
    out, findings = coerce_column(values, COMMUNITIES.column("consent_rate"))
    assert out.iloc[17] == pytest.approx(0.85) and out.iloc[16] == pytest.approx(0.66)
    [note] = findings
    assert not note.fatal and note.positions == (17,)
    assert "85 → 0.85" in note.message and "the other 39 values are shares" in note.message


def test_one_share_among_percentages_is_named_alone() -> None:
    values = pd.Series(["85", "90", "0.9", "70", "66", "80%"])
    out, findings = coerce_column(values, COMMUNITIES.column("consent_rate"))
    assert out.tolist() == pytest.approx([0.85, 0.9, 0.9, 0.7, 0.66, 0.8])
    mixed = next(f for f in findings if "mixed" in f.message)
    assert mixed.positions == (2,) and not mixed.fatal
    assert "'0.9' kept as shares (0.9 = 90%)" in mixed.message and "write 0.9%" in mixed.message
