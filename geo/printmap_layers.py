"""The map frame of a printed zone map: what is drawn in map units, and its legend.

Compounds filled by zone colour (neighbouring zones differ; compounds in no zone hatched), zone
outlines, streets, facility markers (existing hollow, planned filled; set apart where they share
a spot, smaller on a dense map) and the labels naming zones and compounds, then the legend rows
for exactly what was drawn. :mod:`geo.printmap` assembles the pages around it;
:mod:`geo.printmap_placement` keeps markers and labels apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path as MplPath
from matplotlib.typing import RcKeyType

from geo.printmap_content import LABELS, compound_name, kind_label
from geo.printmap_font import MM_PER_PT
from geo.printmap_layout import LegendEntry, PageFrame, geometry_paths
from geo.printmap_placement import dodge_points, place_labels

__all__ = ["FACILITY_STYLE", "MAP_RC", "MapLayers", "Markers", "draw_map", "legend_entries",
           "zone_colours"]

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
_NEIGHBOUR_M = 60.0  # zones closer than this (across a street) are neighbours for colouring
_EXCLUDED_FILL, _EXCLUDED_EDGE = "#f0f0f0", "#9a9a9a"
_OTHER_FILL = "#e4e4e4"
# drawn wider: OSM highway values and the CJJ 37-2012 classes 快速路 / 主干路 / 次干路
_MAJOR_ROADS = ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
                "primary_link", "secondary_link", "高速公路", "快速路", "主干路", "次干路")
_INK = "#222222"

MAP_RC: dict[RcKeyType, Any] = {"hatch.linewidth": 0.4, "hatch.color": _EXCLUDED_EDGE}
"""matplotlib settings the map needs while it is drawn and saved (the hatching of compounds
in no zone)."""


def zone_colours(geoms: gpd.GeoSeries) -> list[str]:
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


@dataclass
class MapLayers:
    """The layers of a print, in the CRS it is drawn in, with the zones' colours and figures.

    Attributes
    ----------
    zones
        Zones indexed by zone id, sorted.
    communities
        Compounds with ``zone_id`` as a string (missing: not in a zone).
    facilities, planned, streets
        Existing and planned facilities and street centre lines, when given.
    colours
        Fill colour per zone id (:func:`zone_colours`).
    stats
        Per-zone figures (:func:`geo.printmap_content.zone_stats`).
    """

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
class Markers:
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


def _draw_facilities(ax: Axes, layers: MapLayers, *, size: float, m_per_mm: float,
                     extent: tuple[float, float, float, float]) -> Markers:
    """Existing facilities hollow, planned ones filled, each in its kind's shape and colour.

    Markers closer than a marker's width on paper (a compound's generated charger, parking
    and elderly-care sites share its point) are set around their spot
    (:func:`geo.printmap_placement.dodge_points`), each tied to it by a hairline from a dot, so
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
        return Markers()
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
    return Markers(symbols=tuple(symbols), boxes=boxes,
                    leaders=bool(moved.any()) and scale == 1.0, scale=scale)


def _facility_style(kind: str, planned: bool, scale: float = 1.0) -> dict[str, Any]:
    """Fill, outline and line width of a facility marker (the map's and the legend's).

    Outlines thin with a marker drawn smaller (``scale``), so a small one keeps its colour.
    """
    colour = FACILITY_STYLE[kind][1]
    if planned:
        return {"facecolors": colour, "edgecolors": _INK, "linewidths": 0.6 * scale}
    return {"facecolors": "white", "edgecolors": colour, "linewidths": 1.0 * scale}


def draw_map(ax: Axes, layers: MapLayers, *, focus: str | None, frame: PageFrame,
              lang: str, extent: tuple[float, float, float, float], m_per_mm: float,
              numbers: Mapping[str, int]) -> tuple[int, Markers]:
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
    items = [(pts[i, 0], pts[i, 1], compound_name(mine_com, i),
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


def _on_map(layer: gpd.GeoDataFrame | None, extent: tuple[float, float, float, float]
            ) -> gpd.GeoDataFrame | None:
    if layer is None:
        return None
    xmin, xmax, ymin, ymax = extent
    return layer.cx[xmin:xmax, ymin:ymax]


def legend_entries(layers: MapLayers, *, focus: str | None, lang: str,
                    extent: tuple[float, float, float, float], markers: Markers,
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
