"""Page furniture for printed maps: paper, frames, tables, legend, scale bar, north arrow.

Everything here draws on a "paper" axes whose data coordinates are millimetres on the sheet
(origin bottom left), so sizes are physical and the same on screen, PDF and PNG. Map geometry
is turned into matplotlib paths here too, and the map's reference grid is drawn; markers and
labels on the map are placed by :mod:`geo.printmap_placement` and :mod:`geo.printmap` decides
what goes on a page.

Examples
--------
>>> paper_size_mm("A3")
(420.0, 297.0)
>>> nice_scale_length(1234.0)
1000.0
>>> nice_scale_length(430.0)
400.0
>>> fit_extent((0.0, 0.0, 100.0, 50.0), width_mm=200.0, height_mm=200.0, pad=0.0)
(0.0, 100.0, -25.0, 75.0, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath

# MM_PER_PT, text_width_mm, dodge_points and place_labels live in geo.printmap_font and
# geo.printmap_placement; they were defined here and stay importable from here (__all__)
from geo.printmap_font import MM_PER_PT, font, text_width_mm
from geo.printmap_placement import dodge_points, place_labels

__all__ = [
    "MM_PER_PT",
    "KeyGrid",
    "PAPER_SIZES_MM",
    "LegendEntry",
    "PageFrame",
    "Table",
    "draw_legend",
    "draw_north_arrow",
    "draw_scale_bar",
    "draw_table",
    "dodge_points",
    "fit_extent",
    "geometry_paths",
    "nice_scale_length",
    "paper_size_mm",
    "place_labels",
    "table_rows_left_out",
    "table_width_mm",
    "text_width_mm",
]

PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "A0": (1189.0, 841.0),
    "A1": (841.0, 594.0),
    "A2": (594.0, 420.0),
    "A3": (420.0, 297.0),
    "A4": (297.0, 210.0),
}
"""ISO 216 sheets, landscape (width, height) in millimetres."""

_MIN_SHRINK = 0.8  # a table's cells may be set this much smaller than asked to fit its width
_INK = "#222222"
_GRID = "#999999"


def paper_size_mm(paper: str) -> tuple[float, float]:
    """Landscape (width, height) in mm of an ISO sheet name such as ``"A3"`` (case-insensitive).

    Raises
    ------
    KeyError
        If the sheet is not one of :data:`PAPER_SIZES_MM`.
    """
    key = paper.strip().upper()
    if key not in PAPER_SIZES_MM:
        msg = f"paper {paper!r} is not one of {', '.join(PAPER_SIZES_MM)}"
        raise KeyError(msg)
    return PAPER_SIZES_MM[key]


def _ellipsize(text: str, prop: FontProperties, width_mm: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width_mm``."""
    if text_width_mm(text, prop) <= width_mm + 1e-6:
        return text
    for n in range(len(text) - 1, 0, -1):
        cut = text[:n] + "…"
        if text_width_mm(cut, prop) <= width_mm:
            return cut
    return "…"


@dataclass(frozen=True)
class PageFrame:
    """Where the parts of a landscape page sit, in mm from the bottom-left corner.

    The page has a title block across the top, the map frame on the left, a side panel on the
    right (legend, tables, north arrow and scale bar) and a footer line across the bottom.
    """

    width: float
    height: float
    margin: float
    title_h: float
    footer_h: float
    gap: float
    side_w: float
    font_scale: float

    @classmethod
    def for_paper(cls, paper: str) -> PageFrame:
        """The frame for an ISO sheet; fonts grow with the square root of the sheet width."""
        w, h = paper_size_mm(paper)
        s = w / 420.0
        return cls(width=w, height=h, margin=10.0 * s, title_h=20.0 * s, footer_h=8.0 * s,
                   gap=4.0 * s, side_w=0.29 * (w - 20.0 * s), font_scale=math.sqrt(s))

    def pt(self, size_a3: float) -> float:
        """A font size in points given for A3, scaled to this sheet."""
        return size_a3 * self.font_scale

    @property
    def body_bottom(self) -> float:
        """Bottom edge of the map frame and side panel."""
        return self.margin + self.footer_h + self.gap

    @property
    def body_top(self) -> float:
        """Top edge of the map frame and side panel."""
        return self.height - self.margin - self.title_h - self.gap

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        """Map frame as (x, y, width, height) in mm."""
        w = self.width - 2 * self.margin - self.side_w - self.gap
        return (self.margin, self.body_bottom, w, self.body_top - self.body_bottom)

    @property
    def side_box(self) -> tuple[float, float, float, float]:
        """Side panel as (x, y, width, height) in mm."""
        x = self.width - self.margin - self.side_w
        return (x, self.body_bottom, self.side_w, self.body_top - self.body_bottom)


def fit_extent(bounds: Sequence[float], *, width_mm: float, height_mm: float,
               pad: float = 0.06, min_span_m: float = 100.0
               ) -> tuple[float, float, float, float, float]:
    """Map limits that show ``bounds`` in a frame at one scale in x and y.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in metres.
    width_mm, height_mm
        The map frame on paper.
    pad
        Share of the span added on every side.
    min_span_m
        Smallest span shown, so that a tiny zone is not blown up to street-sign size.

    Returns
    -------
    tuple
        ``(xmin, xmax, ymin, ymax, metres_per_mm)``, centred on ``bounds``.
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span_x = max(maxx - minx, min_span_m) * (1 + 2 * pad)
    span_y = max(maxy - miny, min_span_m) * (1 + 2 * pad)
    m_per_mm = max(span_x / width_mm, span_y / height_mm)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    hx, hy = width_mm * m_per_mm / 2, height_mm * m_per_mm / 2
    return (cx - hx, cx + hx, cy - hy, cy + hy, m_per_mm)


def nice_scale_length(max_m: float) -> float:
    """The longest round length (1, 2, 4 or 5 times a power of ten) not above ``max_m``."""
    if not max_m > 0:
        msg = f"scale bar room must be positive, got {max_m}"
        raise ValueError(msg)
    power = 10.0 ** math.floor(math.log10(max_m))
    for step in (5.0, 4.0, 2.0, 1.0):
        if step * power <= max_m * (1 + 1e-9):
            return step * power
    return power  # pragma: no cover - unreachable, 1 * power <= max_m


def _ring_vertices(ring: Any) -> tuple[np.ndarray, list[np.uint8]]:
    xy = np.asarray(ring.coords)[:, :2]
    codes = [MplPath.LINETO] * len(xy)
    codes[0] = MplPath.MOVETO
    codes[-1] = MplPath.CLOSEPOLY
    return xy, codes


def geometry_paths(geoms: Sequence[Any]) -> list[MplPath]:
    """Paths for matplotlib of (multi)polygons, holes cut out, in the data coordinates.

    Exteriors are oriented counter-clockwise and holes clockwise, so matplotlib's non-zero fill
    leaves courtyards empty. Empty or missing geometries give an empty path.
    """
    paths: list[MplPath] = []
    for geom in shapely.orient_polygons(np.asarray(geoms, dtype=object)):
        verts: list[np.ndarray] = []
        codes: list[np.uint8] = []
        if geom is not None and not geom.is_empty:
            for poly in getattr(geom, "geoms", [geom]):
                if poly.geom_type != "Polygon":
                    continue
                for ring in (poly.exterior, *poly.interiors):
                    xy, cs = _ring_vertices(ring)
                    verts.append(xy)
                    codes += cs
        if verts:
            paths.append(MplPath(np.vstack(verts), np.asarray(codes, dtype=np.uint8)))
        else:
            paths.append(MplPath(np.zeros((1, 2)), [MplPath.MOVETO]))
    return paths


# --------------------------------------------------------------------------------------------
# Reference grid
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyGrid:
    """A reference grid over a map, as in a street atlas.

    Columns A, B, … from the left and rows 1, 2, … from the top, so that a list can say where
    a zone is ("C4").

    >>> grid = KeyGrid.for_map((0.0, 900.0, 0.0, 600.0), width_mm=90.0, height_mm=60.0,
    ...                        cell_mm=30.0)
    >>> grid.cols, grid.rows, grid.cells(np.array([[10.0, 590.0], [899.0, 1.0]]))
    (3, 2, ['A1', 'C2'])
    """

    extent: tuple[float, float, float, float]
    cols: int
    rows: int

    @classmethod
    def for_map(cls, extent: tuple[float, float, float, float], *, width_mm: float,
                height_mm: float, cell_mm: float) -> KeyGrid:
        """Squares of about ``cell_mm`` on paper over a map frame of that size."""
        return cls(extent, max(1, round(width_mm / cell_mm)), max(1, round(height_mm / cell_mm)))

    def cells(self, xy: np.ndarray) -> list[str]:
        """The square of each point (map units); points off the map get the nearest one."""
        xmin, xmax, ymin, ymax = self.extent
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        col = np.clip(np.floor((pts[:, 0] - xmin) / (xmax - xmin) * self.cols), 0,
                      self.cols - 1).astype(int)
        row = np.clip(np.floor((ymax - pts[:, 1]) / (ymax - ymin) * self.rows), 0,
                      self.rows - 1).astype(int)
        return [f"{_column_name(c)}{r + 1}" for c, r in zip(col.tolist(), row.tolist(),
                                                            strict=True)]

    def draw(self, ax: Axes, paper: Axes, *, frame_box: tuple[float, float, float, float],
             size: float) -> None:
        """Draw the grid lines on the map ``ax`` (under the markers), their names on ``paper``.

        Letters go above the map frame ``frame_box`` (x, y, width, height in mm), numbers left
        of it.
        """
        xmin, xmax, ymin, ymax = self.extent
        xs = np.linspace(xmin, xmax, self.cols + 1)[1:-1]
        ys = np.linspace(ymin, ymax, self.rows + 1)[1:-1]
        segs = [np.array([[x, ymin], [x, ymax]]) for x in xs]
        segs += [np.array([[xmin, y], [xmax, y]]) for y in ys]
        if segs:
            ax.add_collection(LineCollection(segs, colors="#6f6f6f", linewidths=0.4,
                                             linestyles=(0, (4, 2)), zorder=4.5,
                                             gid="key_grid"), autolim=False)
        bx, by, bw, bh = frame_box
        prop = font(size=size)
        for c in range(self.cols):
            paper.text(bx + bw * (c + 0.5) / self.cols, by + bh + 0.6, _column_name(c),
                       fontproperties=prop, ha="center", va="bottom", color=_INK,
                       parse_math=False)
        for r in range(self.rows):
            paper.text(bx - 0.8, by + bh * (1 - (r + 0.5) / self.rows), str(r + 1),
                       fontproperties=prop, ha="right", va="center", color=_INK,
                       parse_math=False)


def _column_name(i: int) -> str:
    """The name of column ``i`` (from 0): A, B, … Z, AA, AB, …."""
    name = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
@dataclass
class Table:
    """A small table drawn as text on paper.

    Parameters
    ----------
    title
        Caption above the table ('' for none).
    header
        Column headings.
    rows
        Cell texts, one list per row, as long as ``header``.
    align
        ``"l"`` or ``"r"`` per column (default: first left, others right).
    more
        Text for the last row when rows do not fit, formatted with ``n`` (rows left out).
    shade_last
        Shade the last row (a total), which is kept when other rows are left out.
    stretch
        The column that takes the width the others do not need (names, labels); -1 to share
        it among all columns (a list of figures).
    split
        When the rows do not fit, set them in two halves side by side (long lists).
    """

    title: str
    header: list[str]
    rows: list[list[str]]
    align: str = ""
    more: str = "… +{n}"
    shade_last: bool = False
    stretch: int = 0
    split: bool = False
    _aligns: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._aligns = self.align or "l" + "r" * (len(self.header) - 1)


def table_width_mm(table: Table, *, size: float) -> float:
    """Width (mm) the table's columns need at ``size``, without shrinking or cutting."""
    return sum(_column_needs(table.header, table.rows, size))


def table_rows_left_out(table: Table, *, width: float, max_height: float, size: float) -> int:
    """How many of ``table``'s rows :func:`draw_table` would leave out in that room.

    >>> t = Table("", ["a"], [[str(i)] for i in range(10)])
    >>> table_rows_left_out(t, width=50.0, max_height=100.0, size=8.0)
    0
    >>> table_rows_left_out(t, width=50.0, max_height=20.0, size=8.0)  # 3 rows, "… +8" last
    8
    """
    row_h = size * MM_PER_PT * 1.55
    title_h = row_h * 1.15 if table.title else 0.0
    n_fit = max(int((max_height - title_h) // row_h) - 1, 0)
    rows = table.rows
    half_w = (width - 3.0) / 2
    if (table.split and len(rows) > n_fit >= 2
            and sum(_column_needs(table.header, rows, size)) <= half_w / _MIN_SHRINK):
        n_left = min(n_fit, math.ceil(len(rows) / 2))
        right = replace(table, title="", rows=rows[n_left:], split=False)
        return table_rows_left_out(right, width=half_w, max_height=max_height - title_h,
                                   size=size)
    if len(rows) <= n_fit:
        return 0
    tail = 1 if table.shade_last and n_fit else 0
    return len(rows) - max(n_fit - 1 - tail, 0) - tail


def draw_table(ax: Axes, table: Table, *, x: float, top: float, width: float,
               max_height: float, size: float) -> float:
    """Draw ``table`` on a paper axes below ``top``; return the height used (mm).

    Columns get the width their widest cell needs, the stretch column takes what is left; when
    that is too wide the cells are set smaller (down to 80 %), and text that still does not fit
    is cut with an ellipsis. A ``split`` table goes into two halves only when they fit. Rows
    that do not fit in ``max_height`` are replaced by one row saying how many were left out, so
    a table never runs off its panel.
    """
    prop = font(size=size)
    row_h = size * MM_PER_PT * 1.55
    pad = 1.2 * size / 8
    y = top
    if table.title:
        ax.text(x, y, table.title, fontproperties=font(size=size * 1.1),
                ha="left", va="top", color=_INK, parse_math=False)
        y -= row_h * 1.15
    n_fit = max(int((max_height - (top - y)) // row_h) - 1, 0)  # minus the header row
    rows = table.rows
    half_w = (width - 3.0) / 2
    if (table.split and len(rows) > n_fit >= 2
            and sum(_column_needs(table.header, rows, size)) <= half_w / _MIN_SHRINK):
        n_left = min(n_fit, math.ceil(len(rows) / 2))
        room = max_height - (top - y)
        halves = (replace(table, title="", rows=rows[:n_left], split=False),
                  replace(table, title="", rows=rows[n_left:], split=False))
        used = [draw_table(ax, half, x=x + k * (half_w + 3.0), top=y, width=half_w,
                           max_height=room, size=size) for k, half in enumerate(halves)]
        return top - y + max(used)
    more_at: int | None = None  # the row that says how many rows were left out
    if len(rows) > n_fit:
        tail = rows[-1:] if table.shade_last else []
        keep = max(n_fit - 1 - len(tail), 0)
        left_out = len(rows) - keep - len(tail)
        more = [table.more.format(n=left_out)] + [""] * (len(table.header) - 1)
        rows = [*rows[:keep], more, *tail][-n_fit:] if n_fit else []
        more_at = keep if n_fit else None
    ncol = len(table.header)
    measured = [r for i, r in enumerate(rows) if i != more_at]
    cell_size = size  # shrink the cells' font (down to _MIN_SHRINK) before cutting any text
    need = _column_needs(table.header, measured, cell_size)
    while sum(need) > width and cell_size > size * _MIN_SHRINK:
        cell_size = max(cell_size * 0.95, size * _MIN_SHRINK)
        need = _column_needs(table.header, measured, cell_size)
    prop = font(size=cell_size)
    pad = 1.2 * cell_size / 8
    widths = list(need)
    k = table.stretch
    if k < 0 and sum(need) < width:  # spread what is left over every column
        widths = [w + (width - sum(need)) / ncol for w in need]
    elif k >= 0:
        widths[k] = max(width - sum(need) + need[k], min(need[k], width * 0.25))
    if sum(widths) > width * (1 + 1e-9):  # squeeze every column in proportion
        f = width / sum(widths)
        widths = [w * f for w in widths]
    lefts = [x + sum(widths[:j]) for j in range(ncol)]
    if n_fit == 0:
        return top - y
    for i, cells in enumerate([table.header, *rows]):
        yc = y - row_h * (i + 0.5)
        if i == 0:
            ax.add_patch(Rectangle((x, y - row_h), width, row_h, facecolor="#ececec",
                                   edgecolor="none"))
        if i and table.shade_last and i == len(rows):
            ax.add_patch(Rectangle((x, y - row_h * (i + 1)), width, row_h, facecolor="#f4f4f4",
                                   edgecolor="none"))
        if more_at is not None and i - 1 == more_at:  # one cell across the whole row
            ax.text(x + pad, yc, _ellipsize(str(cells[0]), prop, width - 2 * pad),
                    fontproperties=prop, ha="left", va="center_baseline", color=_INK,
                    parse_math=False)
            cells = []
        for j, cell in enumerate(cells):
            text = _ellipsize(str(cell), prop, widths[j] - 2 * pad)
            if table._aligns[j] == "r":
                ax.text(lefts[j] + widths[j] - pad, yc, text, fontproperties=prop, ha="right",
                        va="center_baseline", color=_INK, parse_math=False)
            else:
                ax.text(lefts[j] + pad, yc, text, fontproperties=prop, ha="left",
                        va="center_baseline", color=_INK, parse_math=False)
        ax.add_line(Line2D([x, x + width], [y - row_h * (i + 1)] * 2, color=_GRID,
                           linewidth=0.4 if i else 0.8))
    ax.add_line(Line2D([x, x + width], [y, y], color=_INK, linewidth=0.8))
    return top - (y - row_h * (len(rows) + 1))


def _column_needs(header: Sequence[str], rows: Sequence[Sequence[str]], size: float
                  ) -> list[float]:
    """Width (mm) each column needs for its widest cell at ``size``, padding included."""
    prop = font(size=size)
    pad = 1.2 * size / 8
    return [max(text_width_mm(str(r[j]), prop) for r in [header, *rows]) + 2 * pad
            for j in range(len(header))]


# --------------------------------------------------------------------------------------------
# Legend
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch (``"patch"``, ``"line"`` or ``"marker"``) and its label.

    ``style`` holds matplotlib keywords: for a patch ``facecolor``, ``edgecolor``,
    ``linewidth``, ``hatch``; for a line ``color``, ``linewidth``, ``linestyle``; for a marker
    ``marker``, ``markersize`` (points), ``markerfacecolor``, ``markeredgecolor``.
    """

    swatch: Literal["patch", "line", "marker"]
    label: str
    style: tuple[tuple[str, Any], ...] = ()


def draw_legend(ax: Axes, entries: Sequence[LegendEntry], *, title: str, x: float, top: float,
                width: float, size: float, columns: int = 1) -> float:
    """Draw a legend on a paper axes below ``top``; return the height used (mm)."""
    prop = font(size=size)
    row_h = size * MM_PER_PT * 1.75
    sw, sh = 7.0 * size / 8, 3.6 * size / 8
    ax.text(x, top, title, fontproperties=font(size=size * 1.1),
            ha="left", va="top", color=_INK, parse_math=False)
    y0 = top - row_h * 1.2
    per_col = math.ceil(len(entries) / columns) if entries else 0
    col_w = width / columns
    for k, entry in enumerate(entries):
        col, row = divmod(k, per_col)
        xl = x + col * col_w
        yc = y0 - row_h * (row + 0.5)
        style = dict(entry.style)
        if entry.swatch == "patch":
            ax.add_patch(Rectangle((xl, yc - sh / 2), sw, sh, **style))
        elif entry.swatch == "line":
            ax.add_line(Line2D([xl, xl + sw], [yc, yc], **style))
        else:
            ax.add_line(Line2D([xl + sw / 2], [yc], linestyle="none", **style))
        label = _ellipsize(entry.label, prop, col_w - sw - 3.0)
        ax.text(xl + sw + 1.8, yc, label, fontproperties=prop, ha="left",
                va="center_baseline", color=_INK, parse_math=False)
    return top - (y0 - row_h * per_col)


# --------------------------------------------------------------------------------------------
# Scale bar and north arrow
# --------------------------------------------------------------------------------------------
def _format_length(m: float, lang: str) -> str:
    if m >= 1000:
        km = m / 1000
        return f"{km:g} km" if lang == "en" else f"{km:g} 千米"
    return f"{m:g} m" if lang == "en" else f"{m:g} 米"


def draw_scale_bar(ax: Axes, *, x: float, y: float, max_mm: float, metres_per_mm: float,
                   size: float, lang: str, label: str) -> float:
    """Draw an alternating black and white scale bar with round lengths; return its length (m).

    The bar starts at (``x``, ``y``) on paper and is at most ``max_mm`` long; ``label`` (e.g.
    "比例尺 1:5,000") is written above it.
    """
    length = nice_scale_length(max_mm * metres_per_mm)
    mantissa = length / 10 ** math.floor(math.log10(length))
    n_seg = {1.0: 4, 2.0: 4, 4.0: 4, 5.0: 5}.get(round(mantissa, 6), 4)
    seg_mm = length / metres_per_mm / n_seg
    h = 1.6 * size / 8
    prop = font(size=size)
    for i in range(n_seg):
        ax.add_patch(Rectangle((x + i * seg_mm, y), seg_mm, h, linewidth=0.5,
                               edgecolor=_INK, facecolor=_INK if i % 2 == 0 else "white"))
    # labels are centred on the ticks: the last two must not touch
    end, before_end = _format_length(length, lang), f"{length:g}"
    room = (text_width_mm(end, prop) + text_width_mm(before_end, prop)) / 2 + 1.0
    if seg_mm >= room:
        ticks = list(range(n_seg + 1))
    else:
        ticks = [0, n_seg // 2, n_seg] if n_seg % 2 == 0 else [0, n_seg]
    for i in ticks:
        m = length * i / n_seg
        unit = 1000.0 if length >= 1000 else 1.0  # ticks in the unit of the end label
        text = _format_length(m, lang) if i == n_seg else f"{m / unit:g}"
        ax.text(x + i * seg_mm, y - 0.8, text, fontproperties=prop, ha="center", va="top",
                color=_INK, parse_math=False)
    ax.text(x, y + h + 1.5, label, fontproperties=prop, ha="left", va="bottom", color=_INK,
            parse_math=False)
    return length


def draw_north_arrow(ax: Axes, *, x: float, y: float, height: float, rotation_deg: float,
                     size: float, letter: str) -> None:
    """Draw a north arrow whose tip points to true north.

    ``(x, y)`` is the arrow's foot on paper; ``rotation_deg`` turns it counter-clockwise from
    the top of the page (the grid convergence of the map's projection at the map centre).
    """
    t = math.radians(rotation_deg)
    ux, uy = -math.sin(t), math.cos(t)  # unit vector to north on paper
    vx, vy = uy, -ux  # to the right of it
    w = height * 0.32
    tip = (x + ux * height, y + uy * height)
    base_l = (x - vx * w, y - vy * w)
    base_r = (x + vx * w, y + vy * w)
    notch = (x + ux * height * 0.28, y + uy * height * 0.28)
    ax.add_patch(MplPolygon([tip, base_l, notch], closed=True, facecolor="white",
                            edgecolor=_INK, linewidth=0.7))
    ax.add_patch(MplPolygon([tip, notch, base_r], closed=True, facecolor=_INK,
                            edgecolor=_INK, linewidth=0.7))
    ax.text(tip[0] + ux * 1.2, tip[1] + uy * 1.2, letter,
            fontproperties=font(size=size), ha="center", va="bottom",
            rotation=rotation_deg, rotation_mode="anchor", color=_INK, parse_math=False)

