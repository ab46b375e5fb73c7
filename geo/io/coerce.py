"""Coerce attribute values as planners type them into the canonical types of a column.

Bureau spreadsheets write "1,200户", "８５％", "1985年" or "80年代"; this module turns them into
numbers and says what it could not read or what it had to assume. It works on one column at a
time and reports by position (0-based row in the file); :mod:`geo.io.read` turns positions into
row ids.

Examples
--------
>>> parse_number("1,200户")
1200.0
>>> parse_number("３.５万㎡")
35000.0
>>> parse_year("1985年")
(1985, None)
>>> parse_year("80年代")
(1985, 'decade')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.schema import FACILITY_KINDS, Column, normalise_header

__all__ = [
    "MISSING_TOKENS",
    "Finding",
    "bilingual",
    "coerce_column",
    "kind_key",
    "parse_coordinate",
    "parse_number",
    "parse_year",
]

MISSING_TOKENS = frozenset({"", "-", "--", "—", "——", "/", "无", "暂无", "未知", "不详", "na",
                            "n/a", "nan", "null", "none", "nil", "#n/a"})
"""Cell texts read as an empty value in number and year columns (compared lower-cased)."""

_NUMBER = re.compile(r"^(约|大约|~|≈)?([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)"
                     r"(万)?(%|‰)?(.*)$")
_COORDINATE = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?|\d{1,3}(?:,\d{3})+\.\d+"
                         r"|\d+(?:\.\d+)?|\.\d+)(?:°|度)?$")
#: Degrees-minutes-seconds after NFKC (″ becomes ′′), with an optional side
_DMS = re.compile(r"^(\d{1,3})(?:°|度)(\d{1,2}(?:\.\d+)?)(?:′|'|分)"
                  r"(?:(\d{1,2}(?:\.\d+)?)(?:′′|''|\"|秒)?)?([NSEWnsew东西南北]?)$")
#: Words of an approximate number (约200户, 200余户, 200多, 200左右), read as the number written.
_ABOUT_BEFORE = re.compile(r"^(?:余|多)")
_ABOUT_AFTER = re.compile(r"(?:左右|上下|以上|以下)$")
_AREA_UNITS = ("平方米", "平米", "m2", "m^2", "sqm")  # ㎡ and m² read m2 after NFKC
#: Capacity units -> (the quantity they count, the facility kinds whose capacity counts it).
_CAPACITY_UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{u: ("m²", ("elderly_care",)) for u in _AREA_UNITS},
    "个": ("a count", ("ev_charger", "parking")),
    **{u: ("chargers", ("ev_charger",)) for u in ("台", "桩", "根", "个充电桩", "台充电桩")},
    **{u: ("parking spaces", ("parking",)) for u in ("位", "车位", "个车位", "泊位", "个泊位")},
    **{u: ("people", tuple(k for k, v in FACILITY_KINDS.items() if v.capacity_unit_zh == "人"))
       for u in ("人", "人次")},
}
#: The quantities of :data:`_CAPACITY_UNITS`, in Chinese.
_QUANTITY_ZH = {"m²": "面积", "a count": "个数", "chargers": "充电桩数", "parking spaces": "车位数",
                "people": "人数"}
#: The units a canonical number column accepts after its numbers; others accept none.
_COLUMN_UNITS: dict[str, tuple[str, ...]] = {
    "households": ("户",),
    "population": ("人", "口", "人口"),
    "buildings": ("栋", "幢", "座", "个", "栋楼", "幢楼"),
    "floor_area_m2": _AREA_UNITS,
    "parking_spaces": ("个", "位", "车位", "个车位", "泊位", "个泊位", "辆"),
    "ev_chargers": ("个", "台", "桩", "根", "个充电桩", "台充电桩"),
    "capacity": tuple(_CAPACITY_UNITS),
    "cost": ("元",),
}
#: What :func:`parse_number` takes by default: any column's unit, and degrees (coordinates).
_ANY_UNIT = frozenset(u for units in _COLUMN_UNITS.values() for u in units) | {"°", "度"}
#: Units a cell may carry that no number column takes (told apart from stray text).
_KNOWN_UNITS = _ANY_UNIT | {"床", "张", "床位", "张床", "年", "米", "m", "公里", "km", "亩",
                            "公顷", "ha", "万元"}
_FRACTION_TEXT = re.compile(r"^(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)$")
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?(?:年.*|[-/.]\d{1,2}(?:\D.*|[-/.].*)?|\s.*)?$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})(?:\.0+)?年?$")
_DECADE = re.compile(r"^(\d{2}|\d{4})(?:年代|s|'s)(初|初期|中|中期|末|末期)?$")
_DECADE_PART = {"初": 2, "中": 5, "末": 8}
#: Decades in words (八十年代, 九零年代): their digits
_DECADE_WORDS = {"五十": "50", "六十": "60", "七十": "70", "八十": "80", "九十": "90",
                 "五零": "50", "六零": "60", "七零": "70", "八零": "80", "九零": "90"}
_CHINESE_DECADE = re.compile(rf"^({'|'.join(_DECADE_WORDS)})(?=年代)")
_KIND_SPLIT = re.compile(r"[,;，；、|/]+")


@dataclass(frozen=True)
class Finding:
    """Something about some cells of one column: a problem (``fatal``) or an assumption.

    Parameters
    ----------
    column
        Canonical column name.
    positions
        0-based positions of the rows in the file.
    message
        What is wrong, or what was assumed, in plain words.
    fatal
        True when the rows cannot be used as they are.
    """

    column: str
    positions: tuple[int, ...]
    message: str
    fatal: bool = True


def _text(value: Any) -> str:
    """Normalised text of a cell: NFKC (full-width digits and ％), no blanks, no 约 spaces."""
    s = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", "", s)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return _text(value).lower() in MISSING_TOKENS
    return False


def _numeric_value(value: Any) -> float | None:
    """The value itself when the cell already holds a number (not a bool)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return None


@dataclass(frozen=True)
class _Read:
    """A cell read as a number: the value, the unit written, and what was odd about it."""

    value: float | None
    unit: str = ""
    approximate: bool = False
    #: "text" (not a number), "unit" (a unit, but not one the column takes), None
    problem: str | None = None


def _read_number(value: Any, *, units: frozenset[str], percent: bool = False,
                 in_wan: bool = False) -> _Read:
    direct = _numeric_value(value)
    if direct is not None:
        return _Read(direct if math.isfinite(direct) else None)
    if _is_missing(value):
        return _Read(None)
    m = _NUMBER.match(_text(value))
    if m is None:
        return _Read(None, problem="text")
    about, number, wan, pct, tail = m.groups()
    if pct and not percent:
        return _Read(None, problem="text")
    unit = _ABOUT_AFTER.sub("", _ABOUT_BEFORE.sub("", tail))
    approximate = bool(about) or unit != tail
    if unit and unit.lower() not in units:
        known = unit.lower() in _KNOWN_UNITS
        return _Read(None, unit=unit, problem="unit" if known else "text")
    x = float(number.replace(",", ""))
    if in_wan:
        if not wan and unit == "元":
            x /= 10_000
    elif wan:
        x *= 10_000
    if pct == "%":
        x /= 100
    elif pct == "‰":
        x /= 1000
    return _Read(x, unit=unit, approximate=approximate)


def parse_number(value: Any, *, percent: bool = False, in_wan: bool = False,
                 units: Collection[str] | None = None) -> float | None:
    """Read a number as planners write it; None when the text is not one number.

    Thousands separators, full-width digits, a leading 约, a trailing unit (户, 栋, ㎡, 平方米)
    and the multiplier 万 are understood. ``85%`` is 0.85 only when ``percent`` is true.
    In a column counted in 万 (``in_wan``, e.g. 造价（万元）) a trailing 万/万元 is the unit
    and a sum in 元 is converted to 万元. Anything else after the number (``34.03abc``) makes
    the cell not a number.

    Parameters
    ----------
    value
        A cell: number or text.
    percent
        Accept a trailing ``%`` or ``‰`` and divide accordingly.
    in_wan
        The column counts 万 (ten thousands).
    units
        The units allowed after the number; by default any unit a column of
        :mod:`geo.schema` takes, and degrees.

    Returns
    -------
    float or None
        The number, or None when the cell is not a number (missing cells also give None).

    Examples
    --------
    >>> parse_number("约 1,200 户"), parse_number("85%", percent=True), parse_number("1200-1300")
    (1200.0, 0.85, None)
    >>> parse_number("85.5万元", in_wan=True), parse_number("855,000元", in_wan=True)
    (85.5, 85.5)
    >>> parse_number("34.03abc"), parse_number("300平方米", units=("户",))
    (None, None)
    """
    allowed = _ANY_UNIT if units is None else frozenset(u.lower() for u in units)
    return _read_number(value, units=allowed, percent=percent, in_wan=in_wan).value


def parse_coordinate(value: Any) -> float | None:
    """Read a longitude, latitude, X or Y: a plain number, at most with ° or 度 after it.

    Full-width digits, thousands separators in their places (Excel's "3,760,123.45"; not
    "34,030", which may be a decimal comma) and degrees-minutes-seconds as surveys write them
    (113°49′12″E, 34度1分48秒) are understood; anything else (a letter, a unit, 约) makes the
    cell not a coordinate.

    Examples
    --------
    >>> parse_coordinate("１１３.８２°"), parse_coordinate("34.03abc"), parse_coordinate(34.03)
    (113.82, None, 34.03)
    >>> parse_coordinate("3,760,123.45"), parse_coordinate("34,030"), parse_coordinate("34.03户")
    (3760123.45, None, None)
    >>> parse_coordinate("113°49′12″E"), parse_coordinate("34度1分48秒"), parse_coordinate("8°30'S")
    (113.82, 34.03, -8.5)
    >>> parse_coordinate("34.03°N"), parse_coordinate("34.03N")
    (34.03, None)
    """
    direct = _numeric_value(value)
    if direct is not None:
        return direct if math.isfinite(direct) else None
    if _is_missing(value):
        return None
    text = _text(value)
    dms = _DMS.match(text)
    if dms:
        deg, minutes, seconds, side = dms.groups()
        if float(minutes) >= 60 or (seconds is not None and float(seconds) >= 60):
            return None
        out = round(float(deg) + float(minutes) / 60 + float(seconds or 0) / 3600, 9)
        return -out if side.upper() in ("S", "W") or side in ("南", "西") else out
    sided = re.fullmatch(r"(.+(?:°|度))([NSEWnsew东西南北])", text)  # 34.03°N
    text, side = sided.groups() if sided else (text, "")
    if not _COORDINATE.match(text):
        return None
    out = float(text.rstrip("°度").replace(",", ""))
    return -out if side.upper() in ("S", "W") or side in ("南", "西") else out


def parse_year(value: Any) -> tuple[int | None, str | None]:
    """Read a year of construction; returns ``(year, how)``.

    ``how`` is None for an exact year, ``"decade"`` for "80年代"/"1980s" (read as the middle of
    the decade, or 2/5/8 for 初/中/末), ``"short"`` for a two-digit year such as 85 (the year
    is then the 19xx guess, for the message only), ``"bad"`` when the text is not a year, and
    ``"missing"`` for an empty cell.

    Examples
    --------
    >>> parse_year("1985-06-01"), parse_year(1991.0), parse_year("1990s"), parse_year("85")
    ((1985, None), (1991, None), (1995, 'decade'), (1985, 'short'))
    >>> parse_year("19850"), parse_year("90年代末"), parse_year("")
    ((None, 'bad'), (1998, 'decade'), (None, 'missing'))
    >>> parse_year("八十年代"), parse_year("九零年代初")
    ((1985, 'decade'), (1992, 'decade'))
    """
    if _is_missing(value):
        return None, "missing"
    if isinstance(value, _dt.date | pd.Timestamp):
        return int(value.year), None
    direct = _numeric_value(value)
    text = _text(value) if direct is None else None
    if direct is not None:
        if not math.isfinite(direct) or direct != int(direct):
            return None, "bad"
        text = str(int(direct))
    assert text is not None
    m = _DECADE.match(_CHINESE_DECADE.sub(lambda d: _DECADE_WORDS[d[1]], text.lower()))
    if m:
        digits, part = m.groups()
        decade = int(digits) if len(digits) == 4 else _century(int(digits)) + int(digits)
        if decade % 10:
            return None, "bad"
        offset = _DECADE_PART.get(part[0], 5) if part else 5
        return decade + offset, "decade"
    m = _YEAR.match(text)
    if m:
        return int(m.group(1)), None
    m = _SHORT_YEAR.match(text)
    if m:
        yy = int(m.group(1))
        return _century(yy) + yy, "short"
    return None, "bad"


def _century(yy: int) -> int:
    """1900 for 30–99, 2000 for 00–29 (two-digit years and decades)."""
    return 2000 if yy < 30 else 1900


_KIND_LOOKUP: dict[str, str] = {
    normalise_header(alias): k.key
    for k in FACILITY_KINDS.values()
    for alias in (k.key, k.label_zh, k.label_en, *k.aliases)
}


def kind_key(text: Any) -> str | None:
    """Canonical facility kind for a label in Chinese or English, or None.

    Examples
    --------
    >>> kind_key("日间照料中心"), kind_key("EV charger"), kind_key("公厕")
    ('elderly_care', 'ev_charger', None)
    """
    if _is_missing(text):
        return None
    return _KIND_LOOKUP.get(normalise_header(unicodedata.normalize("NFKC", str(text))))


def _examples(values: pd.Series, positions: list[int]) -> str:
    seen: list[str] = []
    for p in positions:
        raw = values.iloc[p]
        v = str(raw) if _numeric_value(raw) is not None else repr(str(raw))
        if v not in seen:
            seen.append(v)
        if len(seen) == 3:
            break
    return ", ".join(seen) + (" …" if len(set(map(str, values.iloc[positions]))) > 3 else "")


def _shown(value: Any) -> str:
    """A cell as the planner wrote it (numbers without a trailing .0)."""
    x = _numeric_value(value)
    return f"{x:g}" if x is not None else str(value)


def _limits(col: Column, lang: str = "en") -> str:
    """The allowed range of ``col`` in ``lang`` (``"zh"`` or ``"en"``).

    >>> from geo.schema import COMMUNITIES
    >>> _limits(COMMUNITIES.column("consent_rate"), "zh"), _limits(COMMUNITIES.column("households"))
    ('0–1', '>= 0')
    >>> _limits(COMMUNITIES.column("households"), "zh")
    '≥ 0'
    """
    zh = lang == "zh"
    if col.minimum is not None and col.maximum is not None:
        return f"{col.minimum:g}–{col.maximum:g}"
    if col.minimum is not None:
        return f"≥ {col.minimum:g}" if zh else f">= {col.minimum:g}"
    if col.maximum is not None:
        return f"≤ {col.maximum:g}" if zh else f"<= {col.maximum:g}"
    return "不限" if zh else "any"


def _zh(text: str) -> str:
    """Values quoted in a Chinese half, kept free of the " / " that splits it from the English."""
    return text.replace(" / ", "/")


def bilingual(zh: str, en: str) -> str:
    """A "中文 / English" message; a " / " in the Chinese half (a quoted value) loses its spaces.

    The report splits a message at its first " / " and shows one half, so the Chinese half must
    carry the values and the remedy the English half does.

    >>> bilingual("无法读取几何：'a / b'", "cannot read the geometry: 'a / b'")
    "无法读取几何：'a/b' / cannot read the geometry: 'a / b'"
    """
    return f"{_zh(zh)} / {en}"


def _range_findings(col: Column, out: np.ndarray, ok: np.ndarray,
                    values: pd.Series) -> list[Finding]:
    low = ok & (out < col.minimum) if col.minimum is not None else np.zeros(len(out), bool)
    high = ok & (out > col.maximum) if col.maximum is not None else np.zeros(len(out), bool)
    bad = np.flatnonzero(low | high).tolist()
    if not bad:
        return []
    shown = _examples(values, bad)
    msg = (f"超出范围：{_zh(shown)}，允许 {_limits(col, 'zh')} / {shown} out of range; "
           f"allowed {_limits(col)}")
    return [Finding(col.name, tuple(bad), msg)]


def _numeric_column(values: pd.Series) -> np.ndarray | None:
    """The column as floats when it is already numeric (GeoPackage, shapefile), else None."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return None


def _coerce_number(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    n = len(values)
    bad: list[int] = []
    wrong_unit: list[int] = []
    fractional: list[int] = []
    approximate: list[int] = []
    with_unit: list[tuple[int, str]] = []
    units = _COLUMN_UNITS.get(col.name, ())
    allowed = frozenset(u.lower() for u in units)
    fast = _numeric_column(values)
    if fast is not None:
        out = np.where(np.isfinite(fast), fast, np.nan)
        if col.dtype == "int":
            frac = np.isfinite(out) & (out != np.round(out))
            fractional = np.flatnonzero(frac).tolist()
            out[frac] = np.nan
    else:
        out = np.full(n, np.nan)
        for i, v in enumerate(values.tolist()):
            read = _read_number(v, units=allowed, in_wan="万" in col.label_zh)
            x = read.value
            if x is None:
                if read.problem == "unit":
                    wrong_unit.append(i)
                elif read.problem == "text":
                    bad.append(i)
            elif col.dtype == "int" and x != round(x):
                fractional.append(i)
            else:
                out[i] = x
                if read.approximate:
                    approximate.append(i)
                if read.unit:
                    with_unit.append((i, read.unit))
    findings: list[Finding] = []
    if approximate:
        shown = ", ".join(f"{values.iloc[i]!r} → {out[i]:g}" for i in approximate[:3])
        shown += " …" if len(approximate) > 3 else ""
        findings.append(Finding(col.name, tuple(approximate), (
            f"约数按所写数字计，请核对：{_zh(shown)} / approximate values read as the number "
            f"written: {shown}"), fatal=False))
    if with_unit and col.name == "capacity":
        findings.append(_capacity_units(values, with_unit))
    if bad:
        shown = _examples(values, bad)
        findings.append(Finding(col.name, tuple(bad),
                                f"不是数字：{_zh(shown)} / not a number: {shown}"))
    if wrong_unit:
        shown = _examples(values, wrong_unit)
        zh_fix = (f"可用单位：{'、'.join(units)}" if units else "请只写数字")
        en_fix = (f"allowed units: {', '.join(units)}" if units else "write the number alone")
        findings.append(Finding(col.name, tuple(wrong_unit), (
            f"单位不符：{_zh(shown)} 不是{col.label_zh}（{col.name}）的单位；{zh_fix} / "
            f"unit not one of {col.name} ({col.label_zh}): {shown}; {en_fix}")))
    if fractional:
        shown = _examples(values, fractional)
        findings.append(Finding(col.name, tuple(fractional),
                                f"不是整数：{_zh(shown)} / not a whole number: {shown}"))
    findings += _range_findings(col, out, ~np.isnan(out), values)
    if col.dtype == "int":
        return pd.Series(_int_array(out), index=values.index, name=col.name), findings
    return pd.Series(out, index=values.index, name=col.name), findings


def _capacity_units(values: pd.Series, with_unit: list[tuple[int, str]]) -> Finding:
    """A note naming the capacities written with a unit, and the kinds each unit fits.

    One column holds the capacity of every kind, each counted in its own unit: the kind of the
    row is not known here, so the planner checks the two agree.
    """
    shown: dict[str, str] = {}
    shown_zh: dict[str, str] = {}
    for i, unit in with_unit:
        quantity, kinds = _CAPACITY_UNITS[unit.lower()]
        shown.setdefault(quantity, f"{values.iloc[i]!r} ({quantity}: {', '.join(kinds)})")
        shown_zh.setdefault(quantity, _zh(
            f"{values.iloc[i]!r}（{_QUANTITY_ZH[quantity]}："
            f"{'、'.join(FACILITY_KINDS[k].label_zh for k in kinds)}）"))
    counts = ", ".join(f"{k} {v.capacity_unit_zh} ({v.capacity_unit_en})"
                       for k, v in FACILITY_KINDS.items())
    counts_zh = "、".join(f"{v.label_zh}按{v.capacity_unit_zh}计" for v in FACILITY_KINDS.values())
    msg = (f"容量带单位，请核对与设施类型相符：{'、'.join(shown_zh.values())}，按所写数字计。"
           f"各类设施的容量：{counts_zh}；请核对这些行所计与其设施类型相符 / capacity written "
           f"with a unit: {', '.join(shown.values())}; read as the number written. Capacity "
           f"counts, by kind: {counts}; check these rows count what their kind counts")
    return Finding("capacity", tuple(i for i, _ in with_unit), msg, fatal=False)


def _int_array(x: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Nullable Int64 from floats with NaN for missing."""
    missing = np.isnan(x)
    return pd.arrays.IntegerArray(np.where(missing, 0, x).astype(np.int64), missing)


def _coerce_fraction(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    n = len(values)
    bad: list[int] = []
    scaled: list[int] = []
    explicit: list[int] = []  # written with % or ‰
    written: list[int] = []  # unambiguous: with % or ‰, or as 2/3
    fast = _numeric_column(values)
    if fast is not None:
        out = np.where(np.isfinite(fast), fast, np.nan)
        pct = (out > 1) & (out <= 100)
        out[pct] /= 100
        scaled = np.flatnonzero(pct).tolist()
    else:
        out = np.full(n, np.nan)
        for i, v in enumerate(values.tolist()):
            if _is_missing(v):
                continue
            x = _read_number(v, units=frozenset(), percent=True).value
            if x is None and isinstance(v, str):
                m = _FRACTION_TEXT.match(_text(v))
                if m and float(m.group(2)) > 0:
                    x = float(m.group(1)) / float(m.group(2))
                    written.append(i)
            if x is None:
                bad.append(i)
                continue
            if isinstance(v, str) and any(c in v for c in "%％‰"):
                explicit.append(i)
                written.append(i)
            elif 1 < x <= 100:
                scaled.append(i)
                x /= 100
            out[i] = x
    findings: list[Finding] = []
    if bad:
        shown = _examples(values, bad)
        findings.append(Finding(col.name, tuple(bad),
                                f"不是比例：{_zh(shown)}，请写成 0.85 或 85% / not a share: "
                                f"{shown}; write 0.85 or 85%"))
    findings += _percent_findings(values, col, out, scaled, explicit, written)
    findings += _range_findings(col, out, ~np.isnan(out), values)
    return pd.Series(out, index=values.index, name=col.name), findings


def _percent_findings(values: pd.Series, col: Column, out: np.ndarray, scaled: list[int],
                      explicit: list[int], written: list[int]) -> list[Finding]:
    """Notes on bare numbers above 1 read as percentages, naming the rows out of line.

    In a column of shares a few percentages are the odd ones (named, and the shares not); in a
    column of percentages a few shares are (both named); when neither is fewer, both are.
    """
    if not scaled:
        return []
    taken = set(scaled) | set(written)
    shares = [i for i in np.flatnonzero((out > 0) & (out <= 1)).tolist() if i not in taken]
    first = _zh(_shown(values.iloc[scaled[0]]))
    as_pct = f"{first} → {out[scaled[0]]:g}"
    pcts = _examples(values, scaled)
    if shares and len(scaled) + len(explicit) < len(shares):
        msg = (f"小数中夹有百分数，按百分数读取，请核对：{_zh(pcts)}（{as_pct}）；其余 "
               f"{len(shares)} 个值为小数（0–1） / percentages among shares, mixed in one "
               f"column: {pcts} read as percentages ({as_pct}); the other {len(shares)} values "
               "are shares (0–1); check these rows")
        return [Finding(col.name, tuple(scaled), msg, fatal=False)]
    msg = (f"大于1的值按百分数读取（{as_pct}），不大于1的值按小数保留 / values above 1 read as "
           f"percentages ({as_pct}); values up to 1 were kept as shares")
    findings = [Finding(col.name, tuple(scaled), msg, fatal=False)]
    if shares:
        one = _zh(_shown(values.iloc[shares[0]]))
        kept = _examples(values, shares)
        msg = (f"同一列混用百分数和小数，请核对：{_zh(kept)} 按小数保留 / percentages and shares "
               f"mixed in one column: {kept} kept as shares; check them")
        if len(shares) < len(scaled) + len(explicit):
            others = len(scaled) + len(explicit)
            msg = (f"百分数中夹有小数，按小数读取，请核对：{_zh(kept)} 按小数保留（{one} = "
                   f"{out[shares[0]]:.0%}），其余 {others} 个值为百分数；如指 {one}%，请写 "
                   f"{one}% / shares among percentages, mixed in one column: {kept} kept as "
                   f"shares ({one} = {out[shares[0]]:.0%}) while the other {others} values "
                   f"are percentages; if {one}% was meant, write {one}%")
        findings.append(Finding(col.name, tuple(shares), msg, fatal=False))
    return findings


def _coerce_year(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    n = len(values)
    groups: dict[str, list[int]] = {"bad": [], "short": [], "decade": []}
    fast = _numeric_column(values)
    if fast is not None:
        arr = np.where(np.isfinite(fast), fast, np.nan)
        present = ~np.isnan(arr)
        whole = present & (arr == np.round(arr))
        short = whole & (arr >= 0) & (arr < 100)
        groups["short"] = np.flatnonzero(short).tolist()
        four = whole & (arr >= 1000) & (arr <= 9999)
        groups["bad"] = np.flatnonzero(present & ~short & ~four).tolist()
        arr[~four] = np.nan
    else:
        arr = np.full(n, np.nan)
        for i, v in enumerate(values.tolist()):
            year, how = parse_year(v)
            if how in ("bad", "short"):
                groups[how].append(i)
                continue
            if how == "decade":
                groups["decade"].append(i)
            if year is not None:
                arr[i] = year
    findings: list[Finding] = []
    if groups["bad"]:
        shown = _examples(values, groups["bad"])
        findings.append(Finding(col.name, tuple(groups["bad"]),
                                f"不是年份：{_zh(shown)}，请写四位年份，如 1985 / not a year: "
                                f"{shown}; write a four-digit year such as 1985"))
    if groups["short"]:
        p = groups["short"][0]
        guess = parse_year(values.iloc[p])[0]
        shown = _examples(values, groups["short"])
        findings.append(Finding(col.name, tuple(groups["short"]),
                                f"两位数年份，请写四位：{_zh(shown)}（是否指 {guess}？） / "
                                f"two-digit year {shown}: write the four-digit year (did you "
                                f"mean {guess}?)"))
    if groups["decade"]:
        p = groups["decade"][0]
        decade = f"{values.iloc[p]} → {arr[p]:.0f}"
        findings.append(Finding(col.name, tuple(groups["decade"]),
                                f"年代按年份读取：{_zh(decade)}（取年代中间；初/中/末 → 2/5/8） / "
                                f"decade read as a year: {decade} (middle of the decade; "
                                "初/中/末 → 2/5/8)", fatal=False))
    findings += _range_findings(col, arr, ~np.isnan(arr), values)
    return pd.Series(_int_array(arr), index=values.index, name=col.name), findings


def _clean_str(v: Any) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float | np.floating) and float(v).is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _coerce_str(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    out = [_clean_str(v) for v in values.tolist()]
    return pd.Series(out, index=values.index, name=col.name, dtype="str"), []


def _coerce_kinds(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    out: list[str | None] = []
    unknown: list[int] = []
    for i, v in enumerate(values.tolist()):
        text = _clean_str(v)
        if text is None:
            out.append(None)
            continue
        keys: list[str] = []
        for part in _KIND_SPLIT.split(text):
            if not part.strip():
                continue
            key = kind_key(part)
            if key is None:
                unknown.append(i)
                break
            if key not in keys:
                keys.append(key)
        out.append(",".join(keys) if keys else None)
    findings: list[Finding] = []
    if unknown:
        allowed = ", ".join(f"{k} ({v.label_zh})" for k, v in FACILITY_KINDS.items())
        allowed_zh = "、".join(f"{v.label_zh}（{k}）" for k, v in FACILITY_KINDS.items())
        shown = _examples(values, unknown)
        findings.append(Finding(col.name, tuple(sorted(set(unknown))),
                                f"未知设施类型：{_zh(shown)}；可用：{allowed_zh}，用“、”或“,”分隔"
                                f" / unknown facility kind in {shown}; allowed: {allowed}, "
                                "separated by 、 or ,"))
    return pd.Series(out, index=values.index, name=col.name, dtype="str"), findings


def _coerce_facility_kind(values: pd.Series, col: Column) -> tuple[pd.Series, list[Finding]]:
    out: list[str | None] = []
    unknown: list[int] = []
    for i, v in enumerate(values.tolist()):
        text = _clean_str(v)
        key = kind_key(text) if text is not None else None
        if text is not None and key is None:
            unknown.append(i)
        out.append(key if key is not None else text)
    findings: list[Finding] = []
    if unknown:
        shown = _examples(values, unknown)
        known_zh = "、".join(f"{v.label_zh}（{k}）" for k, v in FACILITY_KINDS.items())
        findings.append(Finding(
            col.name, tuple(unknown),
            f"规划不使用的设施类型，原样保留：{_zh(shown)}；覆盖和选址计算不考虑（规划使用的类型："
            f"{known_zh}） / kind not one planning uses ({shown}); kept as written, ignored by "
            f"coverage and siting (known: {', '.join(FACILITY_KINDS)})", fatal=False))
    return pd.Series(out, index=values.index, name=col.name, dtype="str"), findings


def coerce_column(values: pd.Series, col: Column, *,
                  facility_kind: bool = False) -> tuple[pd.Series, list[Finding]]:
    """Coerce one column of a file to the canonical type of ``col``.

    Parameters
    ----------
    values
        The column as read (any dtype), in file order.
    col
        The canonical column it maps to.
    facility_kind
        Map labels onto :data:`geo.schema.FACILITY_KINDS` keys (the ``kind`` of facilities);
        unknown kinds are kept as written and reported as an assumption.

    Returns
    -------
    tuple
        The coerced Series (same index, named ``col.name``; ``Int64`` for int and year,
        ``float64`` for float and fraction, ``str`` otherwise) and the findings.

    Examples
    --------
    >>> from geo.schema import COMMUNITIES
    >>> consent = COMMUNITIES.column("consent_rate")
    >>> s, found = coerce_column(pd.Series(["85%", "90", "70%"]), consent)
    >>> s.tolist(), [(f.positions, f.fatal) for f in found]
    ([0.85, 0.9, 0.7], [((1,), False)])
    """
    if facility_kind:
        return _coerce_facility_kind(values, col)
    coercers = {"int": _coerce_number, "float": _coerce_number, "fraction": _coerce_fraction,
                "year": _coerce_year, "str": _coerce_str, "kinds": _coerce_kinds}
    return coercers[col.dtype](values, col)
