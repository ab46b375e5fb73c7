"""Printed zone maps for coordination meetings: a multi-page vector PDF and 300 dpi PNGs.

The first page shows every zone; then one page per zone names its compounds. Every page has a
title block, the map (no basemap), a legend, tables, a scale bar, a north arrow to true north,
the date, the data source and a CRS note. Text is set in the CJK font that ships with the
install (:mod:`geo.printmap_font`) and stays text in the PDF (embedded TrueType subsets).

Layout helpers live in :mod:`geo.printmap_layout`; this module decides what goes on a page.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from planning.sample import load_sample
>>> com = load_sample()["communities"]
>>> com = com[com["subdistrict"] == "北大街道"].assign(zone_id="Z001")
>>> zones = com.dissolve("zone_id", aggfunc={"households": "sum", "name": "count"})
>>> zones = zones.rename(columns={"name": "n_communities"})
>>> with tempfile.TemporaryDirectory() as tmp:
...     out = print_zone_maps(zones, com, out_pdf=Path(tmp) / "zones.pdf", paper="A4",
...                           date="2026-11-23")
...     out.pages, out.pdf.stat().st_size > 10_000
(('overview', 'Z001'), True)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.typing import RcKeyType

from geo.crs import local_metric_crs
from geo.printmap_content import (
    LABELS,
    column_label,
    coverage_by_zone,
    coverage_rows,
    fmt,
    has_osm_ids,
    kind_label,
    scalar_columns,
    validate_inputs,
    with_zone_index,
    zone_rows,
    zone_stats,
)
from geo.printmap_font import font, missing_glyphs
from geo.printmap_layout import (
    MM_PER_PT,
    KeyGrid,
    LegendEntry,
    PageFrame,
    Table,
    dodge_points,
    draw_legend,
    draw_north_arrow,
    draw_scale_bar,
    draw_table,
    fit_extent,
    geometry_paths,
    place_labels,
    table_rows_left_out,
    table_width_mm,
    text_width_mm,
)

__all__ = ["FACILITY_STYLE", "LABELS", "PrintedMaps", "coverage_by_zone", "crs_note",
           "print_zone_maps"]

Lang = Literal["zh", "en"]

FACILITY_STYLE: dict[str, tuple[str, str]] = {
    "elderly_care": ("o", "#e6550d"),
    "ev_charger": ("^", "#31a354"),
    "parking": ("s", "#3182bd"),
    "clinic": ("P", "#de2d26"),
    "market": ("D", "#756bb1"),
    "kindergarten": ("p", "#dd3497"),
}
"""Marker and colour per facility kind (keys of :data:`geo.schema.FACILITY_KINDS`)."""

# Set3 without its grey (grey means "not in a zone"); neighbouring zones get different colours.
_PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
            "#ccebc5", "#bc80bd", "#ffed6f", "#fb8072")  # salmon last: it reads as a warning
#: On the overview, zone labels may overlap where a few must (every zone named); when more than
#: this share of them would, the map is too crowded to read them and they are left off, with
#: a note naming how many.
_CROWDED_LABELS = 0.2
_LABEL_ROOM_MM2 = 400.0  # a zone with less of the map than this gets a smaller label
_LABEL_REACH_MM = 8.0  # a zone label may be set this far (A3) from its zone, tied by a line
#: Facility markers together cover at most this share of the map at their full size; on a
#: denser map (a district's overview: 1,700 planned sites on one A3 sheet) they are drawn
#: smaller, down to _MIN_MARKER of their size, so that the zones under them still show.
_MARKER_INK = 0.04
_MIN_MARKER = 0.4
_GRID_MM = 30.0  # the overview's reference grid (drawn with a zone list): squares on A3
_NEIGHBOUR_M = 60.0  # zones closer than this (across a street) are neighbours for colouring
_EXCLUDED_FILL, _EXCLUDED_EDGE = "#f0f0f0", "#9a9a9a"
_OTHER_FILL = "#e4e4e4"
# drawn wider: OSM highway values and the CJJ 37-2012 classes 快速路 / 主干路 / 次干路
_MAJOR_ROADS = ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
                "primary_link", "secondary_link", "高速公路", "快速路", "主干路", "次干路")
_MIN_SPAN_M = 250.0  # a zone page shows at least this much ground, so a small zone has context
_INK = "#222222"


@dataclass(frozen=True)
class PrintedMaps:
    """What :func:`print_zone_maps` wrote.

    Attributes
    ----------
    pdf
        The multi-page vector PDF.
    pngs
        One PNG per page, in page order (empty when no ``png_dir`` was given).
    pages
        What each page shows: ``"overview"``, any ``"zone_list"`` pages (every zone listed,
        when the overview cannot name them all), then the zone ids.
    missing_glyphs
        Characters of the printed names, title, source and labels that no bundled font has
        (printed as empty boxes); '' when every character printed. Tell the planner.
    """

    pdf: Path
    pngs: tuple[Path, ...]
    pages: tuple[str, ...]
    missing_glyphs: str = ""

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file written, the PDF first."""
        return (self.pdf, *self.pngs)


# --------------------------------------------------------------------------------------------
# Preparing the layers
# --------------------------------------------------------------------------------------------
def _print_crs(layer: gpd.GeoDataFrame) -> pyproj.CRS:
    """The CRS to draw in: the data's own if it is projected in metres (not Mercator)."""
    crs = pyproj.CRS.from_user_input(layer.crs)
    units = {a.unit_name for a in crs.axis_info[:2]}
    op = crs.coordinate_operation
    method = op.method_name.lower() if op is not None else ""
    mercator = "mercator" in method and "transverse" not in method
    if crs.is_projected and units == {"metre"} and not mercator:
        return crs
    return local_metric_crs(layer)


def crs_note(crs: pyproj.CRS, lang: str) -> str:
    """How the CRS is named on the page (CGCS2000 Gauss-Kruger zones named in Chinese)."""
    epsg = crs.to_epsg()
    name = crs.name
    m = re.match(r"CGCS2000 / 3-degree Gauss-Kruger CM (\d+)E", name)
    if m and lang == "zh":
        name = f"CGCS2000 / 3度带高斯-克吕格 CM {m.group(1)}E"
    return f"{name} (EPSG:{epsg})" if epsg else name


def _zone_colours(geoms: gpd.GeoSeries) -> list[str]:
    """A palette colour per zone; zones within a street's width of each other differ.

    Greedy colouring in smallest-last order: linear time and at most one colour more than the
    graph's degeneracy (6 for planar neighbours; the palette has 11). DSATUR, used before,
    gave the sample district the same 5 colours but took 6 s on 1,600 zones.
    """
    arr = geoms.values
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="dwithin", distance=_NEIGHBOUR_M)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(arr)))
    graph.add_edges_from((int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j)
    colour = nx.greedy_color(graph, strategy="smallest_last")
    return [_PALETTE[colour[i] % len(_PALETTE)] for i in range(len(arr))]


def _marker_points(layer: gpd.GeoDataFrame) -> np.ndarray:
    pts = shapely.point_on_surface(layer.geometry.values)
    return shapely.get_coordinates(pts)


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------
@dataclass
class _Layers:
    zones: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None
    planned: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame | None
    colours: dict[str, str]
    stats: pd.DataFrame


def _add_polygons(ax: Axes, geoms: Sequence[Any], *, zorder: float, **style: Any) -> None:
    if len(geoms) == 0:
        return
    coll = PathCollection(geometry_paths(geoms), zorder=zorder, **style)
    ax.add_collection(coll, autolim=False)


def _draw_streets(ax: Axes, streets: gpd.GeoDataFrame | None) -> None:
    """Street centre lines in light grey, major roads wider: one compound path per width.

    A path per street made the PDF writer the slowest step of a city's overview (184,000
    streets: 47 s of a 58 s page); one path of many pieces draws the same lines at once.
    """
    if streets is None or len(streets) == 0:
        return
    major = (streets["road_class"].isin(_MAJOR_ROADS)
             if "road_class" in streets.columns else pd.Series(False, index=streets.index))
    for is_major, width in ((False, 0.4), (True, 1.1)):
        parts = shapely.get_parts(np.asarray(streets.geometry[major == is_major].values))
        parts = parts[~shapely.is_empty(parts)]
        if parts.size == 0:
            continue
        xy, which = shapely.get_coordinates(parts, return_index=True)
        codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
        codes[np.r_[0, np.flatnonzero(np.diff(which)) + 1]] = MplPath.MOVETO
        ax.add_collection(PathCollection([MplPath(xy, codes)], facecolors="none",
                                         edgecolors="#c8c8c8", linewidths=width,
                                         capstyle="butt", joinstyle="round", zorder=1),
                          autolim=False)


@dataclass(frozen=True)
class _Markers:
    """The facility markers a map drew: what the legend lists and what labels must avoid."""

    symbols: tuple[tuple[str, bool], ...] = ()  # (kind, planned) drawn, kind by kind
    boxes: tuple[tuple[float, float, float, float], ...] = ()  # one per marker, map units
    leaders: bool = False  # some markers were set apart from a shared spot
    scale: float = 1.0  # drawn at this share of their size (a dense map)


def _marker_sizes(size: float) -> tuple[float, float]:
    """Widths in points of an existing and of a planned facility marker."""
    return size, size * 1.35


def _marker_scale(n: int, *, width_pt: float, map_mm2: float) -> float:
    """The share of their size markers are drawn at so that ``n`` of them ink a sparse map.

    1 when ``n`` planned-size markers cover at most :data:`_MARKER_INK` of the map's
    ``map_mm2``; else the size at which they would, but not below :data:`_MIN_MARKER`.

    >>> _marker_scale(50, width_pt=7.4, map_mm2=65_000.0)
    1.0
    >>> round(_marker_scale(1_800, width_pt=7.4, map_mm2=65_000.0), 2)
    0.46
    """
    ink = n * (width_pt * MM_PER_PT) ** 2 / map_mm2 if map_mm2 > 0 else 0.0
    if ink <= _MARKER_INK:
        return 1.0
    return max(math.sqrt(_MARKER_INK / ink), _MIN_MARKER)


def _draw_facilities(ax: Axes, layers: _Layers, *, size: float, m_per_mm: float,
                     extent: tuple[float, float, float, float]) -> _Markers:
    """Existing facilities hollow, planned ones filled, each in its kind's shape and colour.

    Markers closer than a marker's width on paper (a compound's generated charger, parking
    and elderly-care sites share its point) are set around their spot
    (:func:`geo.printmap_layout.dodge_points`), each tied to it by a hairline from a dot, so
    that every facility is seen. On a map too dense for markers of full size
    (:func:`_marker_scale`) they are drawn smaller, and those of one spot side by side
    without hairlines: a district's thousands of hairlines would hide the zones as the
    markers did.
    """
    xmin, xmax, ymin, ymax = extent
    order = {k: i for i, k in enumerate(FACILITY_STYLE)}
    parts = []
    for full, planned in ((layers.facilities, False), (layers.planned, True)):
        layer = full.cx[xmin:xmax, ymin:ymax] if full is not None else None
        if layer is not None and len(layer):
            parts.append(pd.DataFrame({"planned": planned, "kind": layer["kind"].to_numpy(),
                                       "rank": layer["kind"].map(order).to_numpy()})
                         .join(pd.DataFrame(_marker_points(layer), columns=["x", "y"])))
    if not parts:
        return _Markers()
    marks = pd.concat(parts, ignore_index=True).sort_values(["planned", "rank"], kind="stable")
    map_mm2 = (xmax - xmin) * (ymax - ymin) / m_per_mm ** 2
    scale = _marker_scale(len(marks), width_pt=_marker_sizes(size)[1], map_mm2=map_mm2)
    width_pt = _marker_sizes(size * scale)
    gap_pt = 3.0 if scale == 1.0 else 0.4  # dense: side by side, no hairline
    spacing = (width_pt[1] + gap_pt) * MM_PER_PT * m_per_mm  # a planned marker and a gap
    true_xy = marks[["x", "y"]].to_numpy()
    xy = dodge_points(true_xy, spacing=spacing)
    moved = np.hypot(*(xy - true_xy).T) > spacing * 1e-3
    if moved.any() and scale == 1.0:
        segs = np.stack([true_xy[moved], xy[moved]], axis=1)
        ax.add_collection(LineCollection(list(segs), colors=_INK, linewidths=0.5, zorder=4.6,
                                         gid="facility_leaders"), autolim=False)
        spots = np.unique(true_xy[moved], axis=0)
        ax.scatter(spots[:, 0], spots[:, 1], s=1.8 ** 2, marker="o", facecolors=_INK,
                   edgecolors="none", zorder=4.7, gid="facility_spots")
    symbols = []
    kinds, planned_col = marks["kind"].to_numpy(), marks["planned"].to_numpy(dtype=bool)
    for kind, (marker, _) in FACILITY_STYLE.items():
        for planned in (False, True):
            sel = (kinds == kind) & (planned_col == planned)
            if not sel.any():
                continue
            symbols.append((kind, planned))
            state = "planned" if planned else "existing"
            ax.scatter(xy[sel, 0], xy[sel, 1], s=width_pt[planned] ** 2, marker=marker,
                       **_facility_style(kind, planned, scale), zorder=6 if planned else 5,
                       gid=f"facility_{state}_{kind}")
    half = (width_pt[1] / 2 + 0.5 * scale) * MM_PER_PT * m_per_mm
    boxes = tuple((x - half, y - half, x + half, y + half) for x, y in xy)
    return _Markers(symbols=tuple(symbols), boxes=boxes,
                    leaders=bool(moved.any()) and scale == 1.0, scale=scale)


def _facility_style(kind: str, planned: bool, scale: float = 1.0) -> dict[str, Any]:
    """Fill, outline and line width of a facility marker (the map's and the legend's).

    Outlines thin with a marker drawn smaller (``scale``), so a small one keeps its colour.
    """
    colour = FACILITY_STYLE[kind][1]
    if planned:
        return {"facecolors": colour, "edgecolors": _INK, "linewidths": 0.6 * scale}
    return {"facecolors": "white", "edgecolors": colour, "linewidths": 1.0 * scale}


def _draw_map(ax: Axes, layers: _Layers, *, focus: str | None, frame: PageFrame,
              lang: str, extent: tuple[float, float, float, float], m_per_mm: float,
              numbers: Mapping[str, int]) -> tuple[int, _Markers]:
    """Draw the map; return the zone labels left off (crowded overview) and the markers.

    Labels keep clear of the markers: a marker shows where a facility is, while a label names
    an area and may move (a compound's name goes just above or below the point its generated
    sites share).
    """
    text = LABELS[lang]
    xmin, xmax, ymin, ymax = extent
    com = layers.communities.cx[xmin:xmax, ymin:ymax]
    zid = com["zone_id"].astype("string")
    excluded = zid.isna()
    if layers.streets is not None:
        _draw_streets(ax, layers.streets.cx[xmin:xmax, ymin:ymax])
    if focus is None:
        fills = [layers.colours[z] for z in zid[~excluded]]
        _add_polygons(ax, com.geometry[~excluded].values, facecolors=fills,
                      edgecolors="white", linewidths=0.35, zorder=2)
    else:
        mine = (zid == focus).fillna(False).to_numpy(dtype=bool)
        others = ~mine & ~excluded.to_numpy()
        _add_polygons(ax, com.geometry[others].values, facecolors=_OTHER_FILL,
                      edgecolors="white", linewidths=0.35, zorder=2)
        _add_polygons(ax, com.geometry[mine].values, facecolors=layers.colours[focus],
                      edgecolors="#555555", linewidths=0.5, zorder=3)
    _add_polygons(ax, com.geometry[excluded].values, facecolors=_EXCLUDED_FILL,
                  edgecolors=_EXCLUDED_EDGE, linewidths=0.35, hatch="////", zorder=2)
    zones = layers.zones
    if focus is None:
        _add_polygons(ax, zones.geometry.values, facecolors="none", edgecolors=_INK,
                      linewidths=1.1, zorder=4)
    else:
        is_focus = zones.index == focus
        _add_polygons(ax, zones.geometry[~is_focus].values, facecolors="none",
                      edgecolors="#8a8a8a", linewidths=0.7, zorder=4)
        _add_polygons(ax, zones.geometry[is_focus].values, facecolors="none",
                      edgecolors=_INK, linewidths=1.8, zorder=4)
    markers = _draw_facilities(ax, layers, size=frame.pt(5.5), m_per_mm=m_per_mm,
                               extent=extent)
    anchors = _zone_anchors(zones.geometry)
    if focus is None:
        items = [(x, y, f"{z}\n" + text["hh_label"].format(households=int(hh)), str(z))
                 for (x, y), z, hh in zip(anchors, zones.index, zones["households"],
                                          strict=True)]
        map_mm2 = (xmax - xmin) * (ymax - ymin) / m_per_mm ** 2
        left_off = place_labels(ax, items, size=_zone_label_size(frame, map_mm2, len(zones)),
                                 m_per_mm=m_per_mm, colour=_INK, extent=extent, box=True,
                                 # small markers of a dense map may be covered by a zone id
                                 # that has no other place (full-size ones never are)
                                 taken=[] if markers.scale < 1 else list(markers.boxes),
                                 soft=markers.boxes if markers.scale < 1 else (),
                                 crowded_share=_CROWDED_LABELS,
                                 targets=list(zones.geometry.values),
                                 reach_mm=_LABEL_REACH_MM * frame.font_scale)
        return left_off, markers
    others_items = [(x, y, str(z), "") for (x, y), z in zip(anchors, zones.index, strict=True)
                    if z != focus]
    mine_com = com[(zid == focus).fillna(False).to_numpy(dtype=bool)]
    pts = shapely.get_coordinates(shapely.point_on_surface(mine_com.geometry.values))
    order = np.argsort(-mine_com.geometry.area.to_numpy(), kind="stable")
    items = [(pts[i, 0], pts[i, 1], _compound_name(mine_com, i),
              str(numbers[str(mine_com.index[i])])) for i in order]
    taken = list(markers.boxes)
    place_labels(ax, items, size=frame.pt(7.5), m_per_mm=m_per_mm, colour=_INK,
                  extent=extent, box=False, taken=taken)
    place_labels(ax, others_items, size=frame.pt(7), m_per_mm=m_per_mm, colour="#777777",
                  extent=extent, box=False, taken=taken)
    return 0, markers


def _zone_label_size(frame: PageFrame, map_mm2: float, n_zones: int) -> float:
    """Font size of the overview's zone labels: 8.5 pt (A3), smaller when zones are small.

    A zone with less than :data:`_LABEL_ROOM_MM2` of the map to itself gets a label scaled
    with the square root of its room, down to 6 pt (still read on a print): the 308 zones of
    a 1,500-compound district on A3 get 6.2 pt.
    """
    room = map_mm2 / max(n_zones, 1)
    shrink = min(1.0, max(6.0 / 8.5, math.sqrt(room / _LABEL_ROOM_MM2)))
    return frame.pt(8.5 * shrink)


def _zone_anchors(geoms: gpd.GeoSeries) -> np.ndarray:
    """Label points: the centres of the zones' convex hulls (zones are split by streets)."""
    return shapely.get_coordinates(shapely.centroid(shapely.convex_hull(geoms.values)))


def _compound_name(com: gpd.GeoDataFrame, i: int) -> str:
    name = com["name"].iloc[i]
    return str(com.index[i]) if name is None or pd.isna(name) or not str(name).strip() \
        else str(name)


def _on_map(layer: gpd.GeoDataFrame | None, extent: tuple[float, float, float, float]
            ) -> gpd.GeoDataFrame | None:
    if layer is None:
        return None
    xmin, xmax, ymin, ymax = extent
    return layer.cx[xmin:xmax, ymin:ymax]


def _legend_entries(layers: _Layers, *, focus: str | None, lang: str,
                    extent: tuple[float, float, float, float], markers: _Markers,
                    size: float) -> list[LegendEntry]:
    """Legend rows for what this page's map shows (zones always; the rest when visible).

    Facilities get one row per kind and state drawn (``markers``), in the marker's own shape,
    colour, fill and size; the hairline row when some were set apart from a shared spot.
    """
    text = LABELS[lang]
    entries: list[LegendEntry] = []
    some_colour = next(iter(layers.colours.values()), _PALETTE[0])
    if focus is None:
        entries.append(LegendEntry("patch", text["zone_fill"],
                                   (("facecolor", some_colour), ("edgecolor", _INK),
                                    ("linewidth", 1.1))))
    else:
        entries.append(LegendEntry("patch", text["this_zone"],
                                   (("facecolor", layers.colours[focus]),
                                    ("edgecolor", _INK), ("linewidth", 1.8))))
        entries.append(LegendEntry("patch", text["other_zones"],
                                   (("facecolor", _OTHER_FILL), ("edgecolor", "#8a8a8a"),
                                    ("linewidth", 0.7))))
    com = _on_map(layers.communities, extent)
    if com is not None and com["zone_id"].isna().any():
        entries.append(LegendEntry("patch", text["excluded"],
                                   (("facecolor", _EXCLUDED_FILL),
                                    ("edgecolor", _EXCLUDED_EDGE), ("linewidth", 0.35),
                                    ("hatch", "////"))))
    streets = _on_map(layers.streets, extent)
    if streets is not None and len(streets):
        entries.append(LegendEntry("line", text["street"],
                                   (("color", "#c8c8c8"), ("linewidth", 1.1))))
    width_pt = _marker_sizes(size * markers.scale)
    for kind, planned in markers.symbols:
        style = _facility_style(kind, planned, markers.scale)
        label = text["planned_kind" if planned else "existing_kind"].format(
            kind=kind_label(kind, lang))
        entries.append(LegendEntry("marker", label, (
            ("marker", FACILITY_STYLE[kind][0]), ("markersize", width_pt[planned]),
            ("markerfacecolor", style["facecolors"]), ("markeredgecolor", style["edgecolors"]),
            ("markeredgewidth", style["linewidths"]))))
    if markers.leaders:
        entries.append(LegendEntry("line", text["shared_spot"], (
            ("color", _INK), ("linewidth", 0.5), ("marker", "o"), ("markersize", 1.8),
            ("markevery", [0]), ("markerfacecolor", _INK), ("markeredgecolor", "none"))))
    return entries


def _side_tables(layers: _Layers, *, focus: str | None, lang: str,
                 labels: Mapping[str, str], numbers: Mapping[str, int]) -> list[Table]:
    text = LABELS[lang]
    stats = layers.stats
    scalars = scalar_columns(stats)
    more = text["more"]
    tables: list[Table] = []
    if focus is None:
        header, rows, total = zone_rows(stats, lang=lang, labels=labels)
        cov = coverage_rows(stats, None, lang)
        if cov:
            tables.append(Table(text["coverage_all"], [text["kind"], text["before"],
                                                      text["after"]], cov, more=more))
        tables.append(Table(text["zones_table"], header, [*rows, total], more=more,
                            shade_last=True, split=True))
        return tables
    row = stats.loc[focus]
    tables.append(Table(text["summary"], [text["item"], text["value"]],
                        [[column_label(c, text, labels), fmt(row[c])] for c in scalars],
                        more=more))
    cov = coverage_rows(stats, row, lang)
    if cov:
        tables.append(Table(text["coverage"], [text["kind"], text["before"], text["after"]],
                            cov, more=more))
    com = layers.communities
    mine = com[(com["zone_id"].astype("string") == focus).fillna(False).to_numpy(dtype=bool)]
    mine_rows = sorted((numbers[str(cid)], _compound_name(mine, i),
                        fmt(mine["households"].iloc[i])) for i, cid in enumerate(mine.index))
    tables.append(Table(text["compounds_table"], [text["no"], text["name"], text["households"]],
                        [[str(n), name, hh] for n, name, hh in mine_rows], align="rlr",
                        more=more, stretch=1, split=True))
    return tables


def _north_rotation(crs: pyproj.CRS, x: float, y: float) -> float:
    """Degrees counter-clockwise from the page's up to true north at (x, y) (grid convergence)."""
    to_geo = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    nx_, ny_ = to_geo.transform(lon, lat + 0.01, direction="INVERSE")
    return -math.degrees(math.atan2(nx_ - x, ny_ - y))


def _source_line(text: Mapping[str, str], source: str, *, osm: bool, room: float,
                 prop: Any) -> str:
    """The footer's data source, with the OpenStreetMap credit in full when ``osm``.

    The line fits ``room`` (mm): the source is cut short first, then left out, and the credit
    is set last so that it is never cut.
    """
    credit = text["osm_credit"] if osm else ""
    src = text["source"].format(source=source)
    while text_width_mm(src + credit, prop) > room and len(src) > 2:
        src = src[:-2] + "…"
    if credit and text_width_mm(src + credit, prop) > room:
        return credit.lstrip("；; ")
    return src + credit


@dataclass
class _Listing:
    """The zone-list pages an overview may point to; the overview says whether it does."""

    grid: KeyGrid  # the overview's reference grid, which the list gives each zone's square of
    pages: str  # their page numbers: "2–4"
    every_zone_paged: bool  # every zone has a page of its own, which gives its figures
    needed: bool = False  # set by the overview: a zone it cannot name, or cannot list


def _new_page(frame: PageFrame, *, title: str, subtitle: str, crs: pyproj.CRS, lang: str,
              source: str, date: dt.date, page: int, pages: int, osm: bool
              ) -> tuple[Figure, Axes]:
    """A sheet with its title block and footer; returns it and its paper axes (mm).

    The page number is the text of gid ``page_number``, so that an overview printed before
    the number of pages is known can be numbered after (:func:`_renumber`); ``pages`` is then
    the most there can be, which the footer keeps room for.
    """
    text = LABELS[lang]
    fig = Figure(figsize=(frame.width / 25.4, frame.height / 25.4))
    paper_ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    paper_ax.set_xlim(0, frame.width)
    paper_ax.set_ylim(0, frame.height)
    paper_ax.set_axis_off()
    W, H, m = frame.width, frame.height, frame.margin
    paper_ax.text(m, H - m, title, fontproperties=font(size=frame.pt(20)),
                  ha="left", va="top", color=_INK, parse_math=False)
    paper_ax.text(m, H - m - frame.title_h * 0.62, subtitle,
                  fontproperties=font(size=frame.pt(12)), ha="left", va="top", color=_INK,
                  parse_math=False)
    paper_ax.plot([m, W - m], [H - m - frame.title_h, H - m - frame.title_h], color=_INK,
                  linewidth=1.2)
    y_foot = m + frame.footer_h * 0.35
    small = font(size=frame.pt(8))
    right = (text["date"].format(date=date.isoformat()) + "    "
             + text["page"].format(page=page, pages=pages))
    crs_text = text["crs"].format(crs=crs_note(crs, lang))
    paper_ax.plot([m, W - m], [m + frame.footer_h, m + frame.footer_h], color=_INK,
                  linewidth=0.6)
    paper_ax.text(m, y_foot, crs_text, fontproperties=small, ha="left", va="baseline",
                  color=_INK, parse_math=False)
    paper_ax.text(W - m, y_foot, right, fontproperties=small, ha="right", va="baseline",
                  color=_INK, parse_math=False, gid="page_number")
    src_x = m + text_width_mm(crs_text, small) + 8.0
    room = W - m - text_width_mm(right, small) - 8.0 - src_x
    paper_ax.text(src_x, y_foot, _source_line(text, source, osm=osm, room=room, prop=small),
                  fontproperties=small, ha="left", va="baseline", color=_INK,
                  parse_math=False)
    return fig, paper_ax


def _renumber(fig: Figure, *, lang: str, date: dt.date, page: int, pages: int) -> None:
    """Set the footer's page number of a page drawn by :func:`_new_page`."""
    text = LABELS[lang]
    for t in fig.axes[0].texts:
        if t.get_gid() == "page_number":
            t.set_text(text["date"].format(date=date.isoformat()) + "    "
                       + text["page"].format(page=page, pages=pages))


def _map_extent(layers: _Layers, *, focus: str | None, frame: PageFrame
                ) -> tuple[float, float, float, float, float]:
    """(xmin, xmax, ymin, ymax, metres per mm) of a page's map frame."""
    mw, mh = frame.map_box[2:]
    if focus is None:
        both = np.vstack([layers.communities.total_bounds,
                          layers.zones.total_bounds])  # zones may be empty
        bounds = (*np.nanmin(both[:, :2], axis=0), *np.nanmax(both[:, 2:], axis=0))
        pad = 0.03
    else:
        bounds = tuple(layers.zones.geometry[focus].bounds)
        plan = layers.planned
        if plan is not None and "zone_id" in plan.columns and len(plan):
            mine = plan[(plan["zone_id"].astype("string") == focus).fillna(False)
                        .to_numpy(dtype=bool)]
            if len(mine):  # a zone's planned facilities may sit just outside its compounds
                both = np.vstack([bounds, mine.total_bounds])
                bounds = (*both[:, :2].min(axis=0), *both[:, 2:].max(axis=0))
        pad = 0.12
    return fit_extent(bounds, width_mm=mw, height_mm=mh, pad=pad, min_span_m=_MIN_SPAN_M)


def _key_grid(layers: _Layers, frame: PageFrame) -> KeyGrid:
    """The overview's reference grid: squares of about 30 mm on A3."""
    xmin, xmax, ymin, ymax, _ = _map_extent(layers, focus=None, frame=frame)
    mw, mh = frame.map_box[2:]
    return KeyGrid.for_map((xmin, xmax, ymin, ymax), width_mm=mw, height_mm=mh,
                           cell_mm=_GRID_MM * frame.width / 420.0)


def _draw_page(layers: _Layers, *, focus: str | None, frame: PageFrame, crs: pyproj.CRS,
               lang: str, title: str, source: str, date: dt.date, page: int, pages: int,
               paper: str, labels: Mapping[str, str], osm: bool,
               listing: _Listing | None = None) -> Figure:
    text = LABELS[lang]
    stats = layers.stats
    if focus is None:
        subtitle = text["overview"].format(zones=len(layers.zones),
                                           compounds=fmt(int(stats["compounds"].sum())),
                                           households=fmt(int(stats["households"].sum())))
        n_out = int(layers.communities["zone_id"].isna().sum())
        if n_out:
            subtitle += text["overview_out"].format(n=fmt(n_out))
    else:
        subtitle = text["zone"].format(zone=focus,
                                       compounds=fmt(stats.at[focus, "compounds"]),
                                       households=fmt(stats.at[focus, "households"]))
    fig, paper_ax = _new_page(frame, title=title, subtitle=subtitle, crs=crs, lang=lang,
                              source=source, date=date, page=page, pages=pages, osm=osm)
    W, H = frame.width, frame.height

    # Map
    mx, my, mw, mh = frame.map_box
    ax = fig.add_axes((mx / W, my / H, mw / W, mh / H))
    com = layers.communities
    xmin, xmax, ymin, ymax, m_per_mm = _map_extent(layers, focus=focus, frame=frame)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.9)
        spine.set_color(_INK)
    numbers = _compound_numbers(com, focus)
    left_off, markers = _draw_map(ax, layers, focus=focus, frame=frame, lang=lang,
                         extent=(xmin, xmax, ymin, ymax), m_per_mm=m_per_mm, numbers=numbers)

    # Side panel: legend and tables from the top, north arrow and scale bar at the bottom
    sx, sy, sw, sh = frame.side_box
    top = sy + sh
    used = draw_legend(paper_ax, _legend_entries(layers, focus=focus, lang=lang,
                                                extent=(xmin, xmax, ymin, ymax),
                                                markers=markers, size=frame.pt(5.5)),
                       title=text["legend"], x=sx, top=top, width=sw, size=frame.pt(8),
                       columns=2)
    top -= used + frame.gap * 1.5
    arrow_h = 13.0 * frame.font_scale
    # the north arrow with its letter is the tallest thing at the bottom of the panel
    bottom_reserved = 2.0 + arrow_h + 1.2 + frame.pt(9) * MM_PER_PT * 1.3 + frame.gap
    if left_off:  # the note on zone ids left off goes above the scale bar, off the map
        note = (text["crowded_list"].format(n=fmt(left_off), pages=listing.pages)
                if listing is not None else text["crowded"].format(n=fmt(left_off)))
        paper_ax.text(sx + 0.6, sy + bottom_reserved, note, fontproperties=font(size=frame.pt(8)),
                      ha="left", va="bottom", color=_INK, parse_math=False, linespacing=1.3,
                      bbox=dict(boxstyle="square,pad=0.3", facecolor="white", edgecolor=_INK,
                                linewidth=0.5))
        bottom_reserved += frame.pt(8) * MM_PER_PT * 1.3 * (note.count("\n") + 1) + frame.gap * 2
    tables = _side_tables(layers, focus=focus, lang=lang, labels=labels, numbers=numbers)
    for table in tables:
        room = top - (sy + bottom_reserved)
        cut = (table_rows_left_out(table, width=sw, max_height=room, size=frame.pt(7.5))
               if room > 0 else len(table.rows))
        if listing is not None and table is tables[-1]:  # the overview's list of zones
            # a zone not named on the map is found through the list's grid squares; one left
            # out of this table has its figures in the list, or on its own page
            listing.needed = bool(left_off) or bool(cut and not listing.every_zone_paged)
            if listing.needed:
                table = replace(table, more=text["more_list"].replace("{pages}", listing.pages))
                listing.grid.draw(ax, paper_ax, frame_box=frame.map_box, size=frame.pt(7))
        if room <= 0:
            continue
        used = draw_table(paper_ax, table, x=sx, top=top, width=sw, max_height=room,
                          size=frame.pt(7.5))
        top -= used + frame.gap * 1.5
    ratio = m_per_mm * 1000
    ratio_round = int(float(f"{ratio:.2g}"))
    draw_scale_bar(paper_ax, x=sx, y=sy + 6.0 * frame.font_scale, max_mm=sw * 0.55,
                   metres_per_mm=m_per_mm, size=frame.pt(7.5), lang=lang,
                   label=text["scale"].format(ratio=ratio_round, paper=paper.upper()))
    rotation = _north_rotation(crs, (xmin + xmax) / 2, (ymin + ymax) / 2)
    draw_north_arrow(paper_ax, x=sx + sw - arrow_h * 0.5, y=sy + 2.0, height=arrow_h,
                     rotation_deg=rotation, size=frame.pt(9), letter=text["north"])
    return fig


def _list_blocks(layers: _Layers, frame: PageFrame, *, lang: str, labels: Mapping[str, str],
                 grid: KeyGrid) -> tuple[list[list[Table]], float]:
    """The zone list, every zone, cut into tables that fill pages side by side.

    Returns the tables page by page and the width of one table (mm). Each table has the
    header; the last ends with the total.
    """
    anchors = shapely.get_coordinates(shapely.point_on_surface(layers.zones.geometry.values))
    cells = dict(zip(layers.zones.index, grid.cells(anchors), strict=True))
    header, rows, total = zone_rows(layers.stats, lang=lang, labels=labels, cells=cells,
                                    coverage=True)
    size = frame.pt(7.5)
    row_h = size * MM_PER_PT * 1.55
    body_w = frame.width - 2 * frame.margin
    body_h = frame.body_top - frame.body_bottom
    per_table = max(int(body_h // row_h) - 1, 1)  # minus the header row
    need = table_width_mm(Table("", header, [*rows, total]), size=size) * 1.08
    across = max(1, int((body_w + frame.gap * 2) // (need + frame.gap * 2)))
    width = (body_w - (across - 1) * frame.gap * 2) / across
    chunks = [rows[i:i + per_table] for i in range(0, len(rows), per_table)] or [[]]
    if len(chunks[-1]) == per_table and per_table > 1:  # the total never stands alone
        chunks.append([chunks[-1].pop()])
    chunks[-1].append(total)
    tables = [Table("", header, chunk, shade_last=k == len(chunks) - 1, stretch=-1,
                    align="ll" + "r" * (len(header) - 2))
              for k, chunk in enumerate(chunks)]
    return [tables[i:i + across] for i in range(0, len(tables), across)], width


def _draw_list_page(tables: Sequence[Table], *, width: float, frame: PageFrame,
                    subtitle: str, **page: Any) -> Figure:
    """A page of the zone list: its tables side by side under the title block."""
    fig, paper_ax = _new_page(frame, subtitle=subtitle, **page)
    top = frame.body_top
    for k, table in enumerate(tables):
        draw_table(paper_ax, table, x=frame.margin + k * (width + frame.gap * 2), top=top,
                   width=width, max_height=top - frame.body_bottom, size=frame.pt(7.5))
    return fig


def _compound_numbers(com: gpd.GeoDataFrame, focus: str | None) -> dict[str, int]:
    """Numbers 1..n for the focus zone's compounds, in id order (the map's short labels)."""
    if focus is None:
        return {}
    mine = com.index[(com["zone_id"].astype("string") == focus).fillna(False)
                     .to_numpy(dtype=bool)]
    return {str(cid): k for k, cid in enumerate(sorted(str(c) for c in mine), start=1)}


def _unprintable(layers: _Layers, title: str, source: str | None,
                 labels: Mapping[str, str] | None) -> str:
    """Characters of the caller's text on the pages that no bundled font can print."""
    names = layers.communities["name"].dropna().astype(str)
    table_text = layers.stats.select_dtypes(exclude="number").astype(str).to_numpy().ravel()
    parts = [title, source or "", *(labels or {}).values(), *names, *layers.zones.index,
             *layers.stats.columns.astype(str), *table_text]
    return missing_glyphs("".join(parts))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------
def print_zone_maps(
    zones: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    out_pdf: str | Path,
    facilities: gpd.GeoDataFrame | None = None,
    planned: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    zone_table: pd.DataFrame | None = None,
    column_labels: Mapping[str, str] | None = None,
    png_dir: str | Path | None = None,
    paper: str = "A3",
    lang: Lang = "zh",
    title: str | None = None,
    source: str | None = None,
    date: dt.date | str | None = None,
    dpi: int = 300,
    progress: Callable[[int, int], None] | None = None,
    zone_pages: Sequence[str] | None = None,
    openstreetmap: bool | None = None,
) -> PrintedMaps:
    """Print an overview of all zones, then one page per zone, to a PDF (and PNGs).

    Parameters
    ----------
    zones
        One row per zone: ``zone_id`` (column or index), ``households``, ``n_communities``
        and a (Multi)Polygon geometry (e.g. ``ZoningResult.zones``).
    communities
        Compounds with ``name``, ``zone_id`` (missing = not in a zone, drawn hatched) and
        ``households``; indexed by ``community_id``.
    out_pdf
        Where to write the PDF; its folder is created.
    facilities
        Existing facilities (``kind`` from :data:`geo.schema.FACILITY_KINDS`), drawn hollow.
    planned
        Planned facilities (``kind``; optional ``zone_id``), drawn filled. Polygon sites are
        marked at a point inside them.
    streets
        Street centre lines drawn in grey for orientation (``road_class`` trunk to secondary,
        快速路 / 主干路 / 次干路, drawn wider).
    zone_table
        Extra per-zone figures (index or column ``zone_id``, one row per zone). Columns
        ``coverage_before_<kind>`` / ``coverage_after_<kind>`` (share of the zone's
        households, 0–1) make the coverage table; any other column is listed as it is, after
        the built-in ``households``, ``compounds`` (from ``n_communities``), ``facilities``
        (existing ones inside the zone's convex hull) and ``planned`` (by ``zone_id``), which
        a column of the same name replaces.
    column_labels
        Printed names for ``zone_table`` columns, e.g. ``{"cost_wan": "投资（万元）"}``.
    png_dir
        Folder for one PNG per page (``<pdf stem>_p01.png``, ...); none when omitted.
    paper
        ISO sheet, landscape: ``"A3"`` (default) or ``"A4"`` (also A0–A2).
    lang
        ``"zh"`` (default) or ``"en"``: every word on the page.
    title
        Page title; by default "老旧小区改造片区规划图" / "Renovation zones of old residential
        compounds".
    source
        The data source printed in the footer.
    date
        Map date (``datetime.date`` or ``"YYYY-MM-DD"``); today when omitted. It is also the
        PDF's creation date, so the same inputs and date give the same PDF bytes.
    dpi
        PNG resolution (300 for print).
    progress
        Called as ``progress(done, pages)`` after each page, for a progress bar: a district
        of 70 zones takes minutes at 300 dpi.
    zone_pages
        The zones that get a page of their own, in this order, after the overview (which
        always shows every zone); every zone when omitted, none when empty. A meeting on a
        few zones of a large district need not wait for a page per zone.
    openstreetmap
        Whether the plan was made (even in part) from OpenStreetMap data, which the footer
        then credits: "© OpenStreetMap 贡献者" / "© OpenStreetMap contributors" (ODbL), in
        full however long the source. By default, when a layer given has ids of
        :func:`geo.osm.read_osm` (``osm_way_123``; :func:`~geo.printmap_content.has_osm_ids`).

    Returns
    -------
    PrintedMaps
        The PDF path, the PNG paths and what each page shows.

    Raises
    ------
    LayerValidationError
        Listing at once every problem with the layers and options (rows and columns named).
    """
    validate_inputs(zones, communities, facilities, planned, streets, zone_table, paper=paper,
                    lang=lang, dpi=dpi, date=date, zone_pages=zone_pages)
    if isinstance(date, str):
        day = dt.date.fromisoformat(date)
    elif isinstance(date, dt.datetime):  # a timestamp prints as its day
        day = date.date()
    else:
        day = date if date is not None else dt.date.today()
    text = LABELS[lang]
    crs = _print_crs(communities)
    z = with_zone_index(zones).to_crs(crs)
    z = z.loc[sorted(z.index)]
    com = communities.to_crs(crs)
    com = com.assign(zone_id=com["zone_id"].astype("string"))
    fac = facilities.to_crs(crs) if facilities is not None else None
    plan = planned.to_crs(crs) if planned is not None else None
    st = streets.to_crs(crs) if streets is not None else None
    colours = dict(zip(z.index, _zone_colours(z.geometry), strict=True))
    layers = _Layers(zones=z, communities=com, facilities=fac, planned=plan, streets=st,
                     colours=colours, stats=zone_stats(z, fac, plan, zone_table))
    osm = (openstreetmap if openstreetmap is not None
           else has_osm_ids(communities, facilities, planned, streets))
    frame = PageFrame.for_paper(paper)
    out = Path(out_pdf)
    out.parent.mkdir(parents=True, exist_ok=True)
    png_folder = Path(png_dir) if png_dir is not None else None
    if png_folder is not None:
        png_folder.mkdir(parents=True, exist_ok=True)
    asked = [str(i) for i in (z.index if zone_pages is None else zone_pages)]
    pngs: list[Path] = []
    created = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    page_title = title if title is not None else text["title"]
    metadata = {"Title": page_title, "Creator": "Pianqu", "CreationDate": created,
                "ModDate": created}
    rc: dict[RcKeyType, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
          "hatch.linewidth": 0.4, "hatch.color": _EXCLUDED_EDGE}
    labels = column_labels or {}
    grid = _key_grid(layers, frame)
    blocks, block_w = _list_blocks(layers, frame, lang=lang, labels=labels, grid=grid)
    listing = _Listing(grid=grid, pages=f"2–{1 + len(blocks)}" if len(blocks) > 1 else "2",
                       every_zone_paged=set(asked) >= set(z.index))
    common: dict[str, Any] = {
        "crs": crs, "lang": lang, "title": page_title, "date": day, "osm": osm,
        "source": source if source is not None else text["default_source"]}
    with matplotlib.rc_context(rc), PdfPages(out, metadata=metadata) as pdf:
        # the overview says whether it needs the zone list (a zone it cannot show) and is
        # numbered once that is known
        overview = _draw_page(layers, focus=None, frame=frame, page=1,
                              pages=1 + len(blocks) + len(asked), paper=paper, labels=labels,
                              listing=listing, **common)
        lists = blocks if listing.needed else []
        n_pages = 1 + len(lists) + len(asked)
        _renumber(overview, lang=lang, date=day, page=1, pages=n_pages)

        def sheets() -> Iterator[tuple[str, Figure]]:
            yield "overview", overview
            for j, tables in enumerate(lists, start=1):
                ids = [r[0] for t in tables for r in (t.rows[:-1] if t.shade_last else t.rows)]
                subtitle = text["zone_list"].format(zones=fmt(len(z)), first=ids[0],
                                                    last=ids[-1], k=j, n=len(lists))
                yield "zone_list", _draw_list_page(tables, width=block_w, frame=frame,
                                                   subtitle=subtitle, page=1 + j,
                                                   pages=n_pages, **common)
            for k, zone in enumerate(asked, start=2 + len(lists)):
                yield zone, _draw_page(layers, focus=zone, frame=frame, page=k, pages=n_pages,
                                       paper=paper, labels=labels, **common)

        shown: list[str] = []
        for k, (what, fig) in enumerate(sheets(), start=1):
            pdf.savefig(fig)
            if png_folder is not None:
                png = png_folder / f"{out.stem}_p{k:02d}.png"
                fig.savefig(png, dpi=dpi, format="png", facecolor="white")
                pngs.append(png)
            shown.append(what)
            if progress is not None:
                progress(k, n_pages)
    pages = tuple(shown)
    return PrintedMaps(pdf=out, pngs=tuple(pngs), pages=pages,
                       missing_glyphs=_unprintable(layers, page_title, source, column_labels))
