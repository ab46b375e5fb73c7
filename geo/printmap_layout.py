"""Page furniture for printed maps: paper, frames, tables, legend, scale bar, north arrow.

Everything here draws on a "paper" axes whose data coordinates are millimetres on the sheet
(origin bottom left), so sizes are physical and the same on screen, PDF and PNG. Map geometry
is turned into matplotlib paths here too, map labels are placed clear of each other and
markers that would hide each other are set apart; :mod:`geo.printmap` decides what goes on a
page.

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
>>> dodge_points(np.array([[0.0, 0.0], [0.0, 0.0], [9.0, 0.0]]), spacing=2.0).round(3).tolist()
[[-1.0, 0.0], [1.0, 0.0], [9.0, 0.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
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
from matplotlib.textpath import TextToPath

from geo.printmap_font import font

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

MM_PER_PT = 25.4 / 72.0
"""Millimetres per typographic point."""

PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "A0": (1189.0, 841.0),
    "A1": (841.0, 594.0),
    "A2": (594.0, 420.0),
    "A3": (420.0, 297.0),
    "A4": (297.0, 210.0),
}
"""ISO 216 sheets, landscape (width, height) in millimetres."""

_TEXT_TO_PATH = TextToPath()
_LEADER_MIN_MM = 1.5  # a label this close to its area names it without a leader line
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


def text_width_mm(text: str, prop: FontProperties) -> float:
    """Width in mm that ``text`` takes when set in ``prop`` (the widest line if several)."""
    widths = [_line_width_pt(line, prop) for line in text.split("\n") if line]
    return max(widths, default=0.0) * MM_PER_PT


@lru_cache(maxsize=8192)
def _line_width_pt(line: str, prop: FontProperties) -> float:
    # FontProperties hashes by its family, size, weight...: equal properties share the cache
    return float(_TEXT_TO_PATH.get_text_width_height_descent(line, prop, ismath=False)[0])


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


def dodge_points(xy: np.ndarray, *, spacing: float, widen: int = 6, turns: int = 8
                 ) -> np.ndarray:
    """Positions for markers at ``xy`` at least ``spacing`` apart, each moved as little as can be.

    Markers within half a ``spacing`` of each other (chained: a near b, b near c) share a spot:
    they are set on a ring around the spot just wide enough for them (two side by side, three
    or more clockwise from the top) in the order given when they share one point, else each
    on its own side. A lone marker stays on its point. Spots are placed lone
    ones first, then by size; a ring (or a lone marker) that would come closer than
    ``spacing`` to a marker already placed is turned (``turns`` ways) and widened by a third
    of a spacing (``widen`` times) until it is clear, or set where it overlaps the fewest.

    Parameters
    ----------
    xy
        ``(n, 2)`` positions, in any unit (map metres, paper millimetres).
    spacing
        The least distance between two markers' centres, in that unit (a marker's width).
    widen, turns
        How far and in how many directions a spot's markers are tried.

    Returns
    -------
    ndarray
        ``(n, 2)`` positions, row for row.
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    out = pts.copy()
    n = len(pts)
    if n < 2 or not spacing > 0:
        return out
    geoms = shapely.points(pts)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin",
                                               distance=spacing / 2)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    spots: dict[int, list[int]] = {}
    for i in range(n):
        spots.setdefault(root(i), []).append(i)
    grid: dict[tuple[int, int], list[int]] = {}
    tol = spacing * (1 - 1e-9)

    def cell(p: np.ndarray) -> tuple[int, int]:
        return math.floor(p[0] / spacing), math.floor(p[1] / spacing)

    def clashes(p: np.ndarray) -> int:
        cx, cy = cell(p)
        return sum(math.hypot(*(out[k] - p)) < tol for i in (cx - 1, cx, cx + 1)
                   for j in (cy - 1, cy, cy + 1) for k in grid.get((i, j), ()))

    for group in sorted(spots.values(), key=lambda g: (len(g), g[0])):
        k = len(group)
        start = math.pi if k == 2 else math.pi / 2
        centre = pts[group].mean(axis=0)
        offsets = pts[group] - centre
        if np.abs(offsets).max() > spacing * 1e-6:  # keep each on its side of the spot
            turn = np.mod(start - np.arctan2(offsets[:, 1], offsets[:, 0]), 2 * np.pi)
            order = np.argsort(turn, kind="stable")
            group = [group[i] for i in order]
            start -= float(turn[order[0]])
        base = 0.0 if k == 1 else spacing / (2 * math.sin(math.pi / k))
        best: tuple[int, np.ndarray] | None = None
        for step in range(widen + 1):
            r = base + step * spacing / 3
            for q in range(turns if r > 0 else 1):
                angles = start - 2 * np.pi * (q / turns + np.arange(k)) / k  # clockwise
                ring = centre + r * np.column_stack([np.cos(angles), np.sin(angles)])
                n_clash = sum(clashes(p) for p in ring)
                if best is None or n_clash < best[0]:
                    best = (n_clash, ring)
                if n_clash == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        out[group] = best[1]
        for i in group:
            grid.setdefault(cell(out[i]), []).append(i)
    return out


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
# Map labels
# --------------------------------------------------------------------------------------------
def place_labels(ax: Axes, items: Sequence[tuple[float, float, str, str]], *, size: float,
                  m_per_mm: float, colour: str, extent: tuple[float, float, float, float],
                  box: bool, taken: list[tuple[float, float, float, float]],
                  crowded_share: float = 1.0, targets: Sequence[Any] | None = None,
                  reach_mm: float = 0.0,
                  soft: Sequence[tuple[float, float, float, float]] = ()) -> int:
    """Write labels at points without overlaps where possible; return how many were left off.

    ``items`` are (x, y, long text, short text) in placement priority order. The long text goes
    at the point or nudged above or below it (one or one and a half lines, clear of a ring of
    markers); failing that the short text, also nudged sideways; failing that, when
    ``reach_mm`` > 0, the short text set further off, up to ``reach_mm`` from its point on
    paper, nearest first; failing that the short text at the point even if it overlaps (every
    item gets a label unless its short text is empty) -- unless more than ``crowded_share`` of
    the items would need that: then the map is too crowded for overlapping labels to be read,
    and those items get none. ``taken`` holds the boxes (in map units) of markers and labels
    already on the map, which labels keep clear of, and receives the new ones. ``soft`` boxes
    (small markers on a dense map) are kept clear of too, but a short text that has no other
    place may cover them: on a district's overview naming a zone matters more than a dot.

    ``targets`` are the areas the labels name (shapely geometries in map units, one per item):
    a label whose box is more than a millimetre and a half off its area on paper is tied to the
    area's nearest point by a hairline from a dot (gid ``label_leaders``), so that a label set
    aside still names one area.
    """
    prop = font(size=size)
    spots = _label_spots(items, prop=prop, size=size, m_per_mm=m_per_mm, extent=extent,
                         taken=list(taken), overlap=False, reach_mm=reach_mm, soft=soft)
    crowded = sum(s is None for s, (_, _, _, short) in zip(spots, items, strict=True) if short)
    if crowded and crowded <= crowded_share * len(items):
        spots = _label_spots(items, prop=prop, size=size, m_per_mm=m_per_mm, extent=extent,
                             taken=list(taken), overlap=True, reach_mm=reach_mm, soft=soft)
    bbox = (dict(boxstyle="round,pad=0.15", facecolor="white", alpha=0.75, edgecolor="none")
            if box else None)
    leaders: list[np.ndarray] = []
    for k, spot in enumerate(spots):
        if spot is None:
            continue
        cx, cy, text, rect = spot
        taken.append(rect)
        ax.text(cx, cy, text, fontproperties=prop, ha="center", va="center", color=colour,
                zorder=8, bbox=bbox, clip_on=True, parse_math=False, linespacing=1.1)
        target = targets[k] if targets is not None else None
        if target is not None and not target.is_empty:
            label_box = shapely.box(*rect)
            if label_box.distance(target) > _LEADER_MIN_MM * m_per_mm:
                leaders.append(np.asarray(shapely.shortest_line(label_box, target).coords))
    if leaders:
        segs = np.stack(leaders)
        ax.add_collection(LineCollection(list(segs), colors=colour, linewidths=0.45,
                                         zorder=7.9, gid="label_leaders"), autolim=False)
        ax.scatter(segs[:, 1, 0], segs[:, 1, 1], s=1.6 ** 2, marker="o", facecolors=colour,
                   edgecolors="none", zorder=7.9, gid="label_leader_dots")
    return sum(s is None for s, (_, _, _, short) in zip(spots, items, strict=True) if short)


_Spot = tuple[float, float, str, tuple[float, float, float, float]]


def _label_spots(items: Sequence[tuple[float, float, str, str]], *, prop: Any, size: float,
                 m_per_mm: float, extent: tuple[float, float, float, float],
                 taken: list[tuple[float, float, float, float]], overlap: bool,
                 reach_mm: float = 0.0,
                 soft: Sequence[tuple[float, float, float, float]] = ()
                 ) -> list[_Spot | None]:
    """Where each label of :func:`place_labels` goes (x, y, text, box), or None."""
    line_mm = size * MM_PER_PT * 1.25
    xmin, xmax, ymin, ymax = extent
    # taken boxes by grid cell of about a label's size: a box is checked against the boxes in
    # the cells it touches, not against every label (1,600 zone labels took 11 s)
    cell = 15.0 * m_per_mm
    grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def cells(rect: tuple[float, float, float, float]) -> list[tuple[int, int]]:
        x0, y0 = math.floor(rect[0] / cell), math.floor(rect[1] / cell)
        x1, y1 = math.floor(rect[2] / cell), math.floor(rect[3] / cell)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def take(rect: tuple[float, float, float, float]) -> None:
        for c in cells(rect):
            grid.setdefault(c, []).append(rect)

    for r in taken:
        take(r)
    soft_grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for r in soft:
        for c in cells(r):
            soft_grid.setdefault(c, []).append(r)

    def clear(rect: tuple[float, float, float, float],
              boxes: dict[tuple[int, int], list[tuple[float, float, float, float]]]) -> bool:
        return all(rect[2] < r[0] or r[2] < rect[0] or rect[3] < r[1] or r[3] < rect[1]
                   for c in cells(rect) for r in boxes.get(c, ()))

    def free(rect: tuple[float, float, float, float], *, over_soft: bool = False) -> bool:
        inside = xmin <= rect[0] and rect[2] <= xmax and ymin <= rect[1] and rect[3] <= ymax
        return inside and clear(rect, grid) and (over_soft or clear(rect, soft_grid))

    spots: list[_Spot | None] = []
    for x, y, long, short in items:
        tries = []  # (text, half width, half height, shifts), long text first
        for text, sideways in ((long, False), (short, True)):
            if not text:
                continue
            w = (text_width_mm(text, prop) + 1.2) * m_per_mm / 2
            h = (line_mm * (text.count("\n") + 1) + 0.8) * m_per_mm / 2
            shifts = [(0.0, 0.0), (0.0, 2.1 * h), (0.0, -2.1 * h),  # h, w are half sizes
                      (0.0, 3.2 * h), (0.0, -3.2 * h)]  # clear of a ring of markers
            if sideways:
                shifts += [(2.1 * w, 0.0), (-2.1 * w, 0.0), (0.0, 4.2 * h), (0.0, -4.2 * h)]
            if sideways and reach_mm > 0:
                shifts += _far_shifts(w, h, reach_mm * m_per_mm)
            tries.append((text, w, h, shifts, sideways))
        choice = None
        passes = (False, True) if soft_grid else (False,)
        for over_soft in passes:  # clear of everything; else the short text over soft boxes
            for text, w, h, shifts, sideways in tries:
                if over_soft and not sideways:
                    continue
                for dx, dy in shifts:
                    rect = (x + dx - w, y + dy - h, x + dx + w, y + dy + h)
                    if free(rect, over_soft=over_soft):
                        choice = (x + dx, y + dy, text, rect)
                        break
                if choice is not None:
                    break
            if choice is not None:
                break
        if choice is None and overlap and tries and tries[-1][4]:
            _, w, h, _, _ = tries[-1]
            choice = (x, y, short, (x - w, y - h, x + w, y + h))
        if choice is not None:
            take(choice[3])
        spots.append(choice)
    return spots


def _far_shifts(w: float, h: float, reach: float) -> list[tuple[float, float]]:
    """Label centres set off a point, nearest first: rings of 12 every half a label height.

    ``w``, ``h`` are the label's half sizes and ``reach`` the furthest its box may be from the
    point (map units). Positions whose box still covers the point are left to the near shifts.
    """
    out: list[tuple[float, float, float]] = []
    step = h
    angles = np.linspace(0.0, 2 * math.pi, 12, endpoint=False)
    r = min(w, h) + step
    while True:
        ring = [(r * math.cos(a), r * math.sin(a)) for a in angles]
        ring = [(dx, dy) for dx, dy in ring if abs(dx) > w or abs(dy) > h]
        # the gap between the box and the point: how far the reader's eye must travel
        gaps = [math.hypot(max(abs(dx) - w, 0.0), max(abs(dy) - h, 0.0)) for dx, dy in ring]
        if ring and min(gaps) > reach:
            break
        out += [(g, dx, dy) for g, (dx, dy) in zip(gaps, ring, strict=True) if g <= reach]
        r += step
    out.sort(key=lambda t: t[0])
    return [(dx, dy) for _, dx, dy in out]


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

