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

from dataclasses import dataclass, field

from geo.schema import LAYERS

__all__ = ["LayerReport", "Note", "Repair"]

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


@dataclass(frozen=True)
class Repair:
    """One geometry repaired with ``make_valid``: which row, what was wrong, what it became."""

    row: str
    reason: str
    result: str

    def __str__(self) -> str:
        return f"{self.row}: {self.reason} → {self.result}"


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

    def summary(self) -> str:
        """A few lines, Chinese with English, that say what was read and what was assumed."""
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
            lines.append("  assumed 假设:")
            lines += [f"    - {n}" for n in self.notes]
        return "\n".join(lines)
