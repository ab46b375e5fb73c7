"""What reading a layer found and did: the :class:`LayerReport` and its bilingual summary.

Examples
--------
>>> r = LayerReport(source="小区.shp", layer="communities", driver="ESRI Shapefile", rows=2,
...                 columns={"户数": "households"}, crs="EPSG:4547", crs_source="file",
...                 ids_generated=True, ids=("C0001", "C0002"))
>>> print(r.summary())
communities 小区: 2 rows 行 · CRS EPSG:4547 (file) · ESRI Shapefile · 小区.shp
  columns 字段: 户数→households
  ids 编号: generated from row order C0001…C0002 (no id column; the same file gives the same ids)
    / 文件无编号列，按行序生成
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geo.io.validate import GEOMETRY_WORDS
from geo.schema import LAYERS

__all__ = ["LayerReport", "Note", "Repair", "column_word", "row_label"]

_MAX_SHOWN = 20


def _rows_text(rows: tuple[str, ...]) -> str:
    shown = ", ".join(rows[:_MAX_SHOWN])
    if len(rows) > _MAX_SHOWN:
        shown += f", … and {len(rows) - _MAX_SHOWN} more"
    return shown


@dataclass(frozen=True)
class Note:
    """An assumption made while reading (the data was usable, but read in a particular way)."""

    column: str
    rows: tuple[str, ...] = ()
    message: str = ""

    def __str__(self) -> str:
        if not self.rows:
            return f"{self.column}: {self.message}"
        return f"{self.column}: {self.message} (rows: {_rows_text(self.rows)})"


#: GEOS's reasons for an invalid geometry (``shapely.is_valid_reason``), in words
_GEOS_REASONS = {
    "Self-intersection": ("自相交", "self-intersection"),
    "Ring Self-intersection": ("边界环自相交", "ring self-intersection"),
    "Too few points in geometry component": ("点数过少", "too few points"),
    "Hole lies outside shell": ("洞在外边界之外", "hole outside its shell"),
    "Nested holes": ("洞相互嵌套", "nested holes"),
    "Nested shells": ("外边界相互嵌套", "nested shells"),
    "Interior is disconnected": ("内部不连通", "interior disconnected"),
    "Duplicate Rings": ("重复的环", "duplicate rings"),
    "Invalid Coordinate": ("坐标无效", "invalid coordinate"),
}


@dataclass(frozen=True)
class Repair:
    """One geometry repaired with ``make_valid``: which row, what was wrong, what it became.

    ``reason`` is GEOS's (``Self-intersection[x y]``); :meth:`in_lang` says it in words.

    >>> r = Repair("C0031 (row 31)", "Self-intersection[481985.429 3765819.015]", "MultiPolygon")
    >>> print(r.in_lang("zh"))
    C0031（第31行）：自相交（481,985.4, 3,765,819.0 处），修复为多部分面
    >>> print(r.in_lang("en"))
    C0031 (row 31): self-intersection at (481,985.4, 3,765,819.0), repaired as a multi-part polygon
    """

    row: str
    reason: str
    result: str

    def __str__(self) -> str:
        return f"{self.row}: {self.in_lang('zh').split('：', 1)[1]} / {self._words('en')}"

    def in_lang(self, lang: str) -> str:
        """The repair in ``lang`` (``"zh"`` or ``"en"``), the row named as the report names it."""
        sep = "：" if lang == "zh" else ": "
        return f"{row_label(self.row, lang)}{sep}{self._words(lang)}"

    def _words(self, lang: str) -> str:
        i = 0 if lang == "zh" else 1
        m = re.fullmatch(r"\s*([^\[]*?)\s*(?:\[([-\d.e+]+) ([-\d.e+]+)\])?\s*", self.reason)
        name, x, y = (m.groups() if m else (self.reason, None, None))
        what = _GEOS_REASONS.get(name, (name, name))[i]
        if x is not None and y is not None:
            at = f"{float(x):,.1f}, {float(y):,.1f}"
            what += f"（{at} 处）" if i == 0 else f" at ({at})"
        result = GEOMETRY_WORDS.get(self.result, (self.result, self.result))[i]
        return f"{what}，修复为{result}" if i == 0 else f"{what}, repaired as a {result}"


@dataclass
class LayerReport:
    """What :func:`geo.io.read_layer` read and did, for the planner and for the log.

    Attributes
    ----------
    source
        The path read.
    layer
        Canonical layer name (``"communities"`` …).
    driver
        File format.
    rows
        Number of features.
    file_layer
        The layer, sheet or zip member read when the file has several.
    columns
        File header -> canonical column, for every header recognised.
    unknown_columns
        File headers kept as they are (the planner's own attributes).
    missing_columns
        Optional canonical columns the file lacks (added, empty).
    crs, crs_source
        The layer's CRS after reading and where it came from (``"file"``, ``"declared"``,
        ``"assumed"``, or ``"shifted from gcj02"``/``"shifted from bd09"``).
    encoding, encoding_source
        Text encoding and where it came from (``".cpg"``, ``"detected"``, ``"declared"``).
    geometry_from
        For tables: the WKT or longitude/latitude columns the geometry came from.
    ids_generated
        True when the file had no id column and ids were made from the row order.
    ids
        The layer's ids in file order.
    repairs
        Geometries repaired with ``make_valid``.
    notes
        Assumptions made (percent shares, decades, unknown facility kinds, assumed CRS …).
    """

    source: str
    layer: str
    driver: str
    rows: int
    file_layer: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    crs: str | None = None
    crs_source: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    geometry_from: str | None = None
    ids_generated: bool = False
    ids: tuple[str, ...] = ()
    repairs: list[Repair] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        """A few lines that say what was read and what was assumed.

        Parameters
        ----------
        lang
            ``None`` (the default, what ``pianqu validate`` prints): Chinese with English and
            the canonical column names. ``"zh"`` or ``"en"``: that language only, the layer
            and its columns by their labels (the app's data page).

        Examples
        --------
        >>> r = LayerReport(source="upload.csv", layer="communities", driver="CSV", rows=2,
        ...                 columns={"households": "households"}, crs="EPSG:4326",
        ...                 crs_source="assumed",
        ...                 notes=[Note("crs", (), "文件无坐标系，按WGS84经纬度读取 / no CRS")])
        >>> print(r.summary("en"))
        Compounds: 2 rows · CRS EPSG:4326 (assumed) · CSV · upload.csv
          columns: households → Households
          to check:
            - CRS: no CRS
        >>> print(r.summary("zh"))
        小区：2 行 · 坐标系 EPSG:4326（假定） · CSV · upload.csv
          字段：households → 户数
          请核对：
            - 坐标系：文件无坐标系，按WGS84经纬度读取
        """
        if lang in ("zh", "en"):
            return self._summary_in("zh" if lang == "zh" else "en")
        label = LAYERS[self.layer].label_zh if self.layer in LAYERS else ""
        head = [f"{self.layer} {label}: {self.rows} rows 行"]
        if self.rows == 0:
            head[0] += " (empty layer 空图层)"
        head.append(f"CRS {self.crs} ({self.crs_source})" if self.crs else "CRS none")
        head.append(self.driver + (f" layer {self.file_layer}" if self.file_layer else ""))
        if self.encoding:
            head.append(f"encoding 编码 {self.encoding} ({self.encoding_source})")
        head.append(self.source)
        lines = [" · ".join(head)]
        renamed = [f"{k}→{v}" for k, v in self.columns.items() if k != v]
        same = [k for k, v in self.columns.items() if k == v]
        if renamed or same:
            cols = ", ".join(renamed)
            if same:
                cols += ("; " if renamed else "") + "as named 原名: " + ", ".join(same)
            lines.append(f"  columns 字段: {cols}")
        if self.geometry_from:
            lines.append(f"  geometry 几何: from {self.geometry_from}")
        if self.unknown_columns:
            lines.append(f"  kept as they are 保留的其他字段: {', '.join(self.unknown_columns)}")
        if self.missing_columns:
            lines.append(f"  not in the file (empty) 缺少的可选字段: "
                         f"{', '.join(self.missing_columns)}")
        if self.ids_generated:
            span = f"{self.ids[0]}…{self.ids[-1]}" if self.ids else "none"
            lines.append(f"  ids 编号: generated from row order {span} (no id column; the same "
                         "file gives the same ids)\n    / 文件无编号列，按行序生成")
        if self.repairs:
            lines.append(f"  repaired geometries 已修复几何 ({len(self.repairs)}):")
            lines += [f"    - {r}" for r in self.repairs[:_MAX_SHOWN]]
            if len(self.repairs) > _MAX_SHOWN:
                lines.append(f"    - … and {len(self.repairs) - _MAX_SHOWN} more")
        if self.notes:
            lines.append("  to check 请核对:")
            lines += [f"    - {n}" for n in self.notes]
        return "\n".join(lines)

    def _summary_in(self, lang: str) -> str:
        """:meth:`summary` in one language (``"zh"`` or ``"en"``)."""
        zh = lang == "zh"
        w = _WORDS_ZH if zh else _WORDS_EN
        sep = "、" if zh else ", "
        colon = "：" if zh else ": "
        spec = LAYERS.get(self.layer)
        name = (spec.label_zh if zh else _LAYER_EN.get(self.layer, self.layer)) if spec \
            else self.layer
        rows = f"{self.rows:,} 行" if zh else f"{self.rows:,} row{'' if self.rows == 1 else 's'}"
        head = [f"{name}{colon}{rows}" + (w["empty"] if self.rows == 0 else "")]
        if self.crs:
            how = _source_in(self.crs_source, zh)
            head.append(f"{w['crs']} {self.crs}" + (_paren(how, zh) if how else ""))
        else:
            head.append(w["no_crs"])
        head.append(self.driver + (f"{'，' if zh else ', '}{w['file_layer']} {self.file_layer}"
                                   if self.file_layer else ""))
        if self.encoding:
            how = _source_in(self.encoding_source, zh)
            head.append(f"{w['encoding']} {self.encoding}" + (_paren(how, zh) if how else ""))
        head.append(self.source)
        lines = [" · ".join(head)]
        if self.columns:
            lines.append(f"  {w['columns']}{colon}" + sep.join(
                f"{k} → {self._label(v, zh)}" for k, v in self.columns.items()))
        if self.geometry_from:
            src = (self.geometry_from.replace(" (lon/lat)", "（经纬度）")
                   .replace(" (WKT)", "（WKT）") if zh else self.geometry_from)
            lines.append(f"  {w['geometry']}{colon}{w['from']}{src}")
        if self.unknown_columns:
            lines.append(f"  {w['kept']}{colon}{sep.join(self.unknown_columns)}")
        if self.missing_columns:
            lines.append(f"  {w['missing']}{colon}"
                         + sep.join(self._label(c, zh) for c in self.missing_columns))
        if self.ids_generated:
            span = f"{self.ids[0]}…{self.ids[-1]}" if self.ids else ""
            lines.append(f"  {w['ids']}{colon}" + w["ids_generated"].format(span=span))
        if self.repairs:
            lines.append(f"  {w['repaired']}{_paren(str(len(self.repairs)), zh)}{colon}"
                         .rstrip())
            lines += [f"    - {r.in_lang('zh' if zh else 'en')}"
                      for r in self.repairs[:_MAX_SHOWN]]
            if len(self.repairs) > _MAX_SHOWN:
                lines.append(f"    - {_more(len(self.repairs) - _MAX_SHOWN, zh)}")
        if self.notes:
            lines.append(f"  {w['assumed']}{colon}".rstrip())
            for n in self.notes:
                text = f"{self._label(n.column, zh)}{colon}{_half(n.message, zh)}"
                if n.rows:
                    text += _paren(f"{w['rows']}{colon}{_rows_in(n.rows, zh)}", zh)
                lines.append(f"    - {text}")
        return "\n".join(lines)

    def _label(self, column: str, zh: bool) -> str:
        """A column's label in one language (the layer's schema; else as named)."""
        spec = LAYERS.get(self.layer)
        word = column_word(column, "zh" if zh else "en")
        if word is not None:
            return word
        if spec is not None:
            if column == spec.id_column:
                return "编号" if zh else "ID"
            for col in spec.columns:
                if col.name == column:
                    return col.label_zh if zh else col.label_en
        return column


#: The layers' names in English (geo.schema names them in Chinese).
_LAYER_EN = {"communities": "Compounds", "streets": "Streets",
             "facilities": "Existing facilities", "sites": "Candidate sites",
             "barriers": "Barriers"}
#: Notes about no one column: the file, its CRS, its geometries.
_COLUMN_WORDS = {"file": ("文件", "File"), "crs": ("坐标系", "CRS"),
                 "geometry": ("几何", "Geometry")}
_WORDS_ZH = {"empty": "（空图层）", "crs": "坐标系", "no_crs": "无坐标系", "file_layer": "图层",
             "encoding": "编码", "columns": "字段", "geometry": "几何", "from": "取自 ",
             "kept": "保留的其他字段", "missing": "文件中没有的可选字段（留空）", "ids": "编号",
             "ids_generated": "文件无编号列，按行序生成 {span}（同一文件每次得到相同编号）",
             "repaired": "已修复几何", "assumed": "请核对", "rows": "行"}
_WORDS_EN = {"empty": " (empty layer)", "crs": "CRS", "no_crs": "no CRS",
             "file_layer": "layer", "encoding": "encoding", "columns": "columns",
             "geometry": "geometry", "from": "from ", "kept": "kept as they are",
             "missing": "not in the file (left empty)", "ids": "ids",
             "ids_generated": "generated from row order {span} (no id column; the same file "
                              "gives the same ids)",
             "repaired": "repaired geometries", "assumed": "to check", "rows": "rows"}
#: Where a CRS or an encoding came from (LayerReport.crs_source, .encoding_source).
_SOURCES = {"file": ("文件所注", "from the file"), "declared": ("按指定", "as given"),
            "assumed": ("假定", "assumed"), "detected": ("自动识别", "detected"),
            ".cpg": ("据 .cpg", "from the .cpg")}


def _source_in(source: str | None, zh: bool) -> str:
    if not source:
        return ""
    if source in _SOURCES:
        return _SOURCES[source][0 if zh else 1]
    shifted = re.fullmatch(r"shifted from \S+ (\S+)", source)
    if shifted:
        return f"由 {shifted[1]} 转换" if zh else f"shifted from {shifted[1]}"
    cpg = re.fullmatch(r"detected; the \.cpg says (.+), which does not decode", source)
    if cpg and zh:
        return f"自动识别；.cpg 所注 {cpg[1]} 无法解码"
    return source


def _paren(text: str, zh: bool) -> str:
    return f"（{text}）" if zh else f" ({text})"


def _half(message: str, zh: bool) -> str:
    """One language of a "中文 / English" message (the whole message when it is not one)."""
    first, sep, rest = message.partition(" / ")
    if not sep:
        return message
    return first.strip() if zh else rest.strip()


def _more(n: int, zh: bool) -> str:
    return f"……另有 {n} 个" if zh else f"… and {n} more"


def row_label(label: str, lang: str) -> str:
    """A row label (``C0001 (line 2)``, ``row 3``) in ``lang`` (``"zh"`` or ``"en"``).

    >>> row_label("C0001 (line 2)", "zh"), row_label("row 3", "zh"), row_label("row 3", "en")
    ('C0001（第2行）', '第3行', 'row 3')
    """
    if lang != "zh":
        return label
    return re.sub(r"\b(?:row|line) (\d+)", r"第\1行", label).replace(" (", "（").replace(")", "）")


def column_word(column: str, lang: str) -> str | None:
    """The word for a problem or note about no one column (``crs``, ``geometry``, ``file``).

    >>> column_word("crs", "zh"), column_word("households", "zh")
    ('坐标系', None)
    """
    words = _COLUMN_WORDS.get(column)
    return None if words is None else words[0 if lang == "zh" else 1]


def _rows_in(rows: tuple[str, ...], zh: bool) -> str:
    """Row labels (``C0001 (line 2)``, ``row 3``) in one language, the first few."""
    shown = [row_label(r, "zh" if zh else "en") for r in rows[:_MAX_SHOWN]]
    text = ("、" if zh else ", ").join(shown)
    if len(rows) > _MAX_SHOWN:
        text += ("、" if zh else ", ") + _more(len(rows) - _MAX_SHOWN, zh)
    return text
