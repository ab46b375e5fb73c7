"""Printed zone maps for coordination meetings: a multi-page vector PDF and 300 dpi PNGs.

The first page shows every zone; then one page per zone names its compounds. Every page has a
title block, the map (no basemap), a legend, tables, a scale bar, a north arrow to true north,
the date, the data source and a CRS note. Text is set in the CJK font that ships with the
install (:mod:`geo.printmap_font`) and stays text in the PDF (embedded TrueType subsets).

This module decides what goes on each page and writes the pages: the title block and footer,
the side panel (legend, tables, scale bar, north arrow) and the zone-list pages. Its parts:
:mod:`geo.printmap_layers` draws the map frame, :mod:`geo.printmap_placement` keeps its
markers and labels apart, :mod:`geo.printmap_layout` draws the page furniture and
:mod:`geo.printmap_content` decides the words and figures.

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
import numpy as np
import pandas as pd
import pyproj
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from geo.crs import local_metric_crs
from geo.printmap_content import (
    LABELS,
    column_label,
    compound_name,
    coverage_by_zone,
    coverage_rows,
    fmt,
    has_osm_ids,
    scalar_columns,
    validate_inputs,
    with_zone_index,
    zone_rows,
    zone_stats,
)
from geo.printmap_font import MM_PER_PT, font, missing_glyphs, text_width_mm
from geo.printmap_layers import (
    FACILITY_STYLE,
    MAP_RC,
    MapLayers,
    draw_map,
    legend_entries,
    zone_colours,
)
from geo.printmap_layout import (
    KeyGrid,
    PageFrame,
    Table,
    draw_legend,
    draw_north_arrow,
    draw_scale_bar,
    draw_table,
    fit_extent,
    table_rows_left_out,
    table_width_mm,
)

__all__ = ["FACILITY_STYLE", "LABELS", "PrintedMaps", "coverage_by_zone", "crs_note",
           "print_zone_maps"]

Lang = Literal["zh", "en"]

_GRID_MM = 30.0  # the overview's reference grid (drawn with a zone list): squares on A3
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


def _side_tables(layers: MapLayers, *, focus: str | None, lang: str,
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
    mine_rows = sorted((numbers[str(cid)], compound_name(mine, i),
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


def _map_extent(layers: MapLayers, *, focus: str | None, frame: PageFrame
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


def _key_grid(layers: MapLayers, frame: PageFrame) -> KeyGrid:
    """The overview's reference grid: squares of about 30 mm on A3."""
    xmin, xmax, ymin, ymax, _ = _map_extent(layers, focus=None, frame=frame)
    mw, mh = frame.map_box[2:]
    return KeyGrid.for_map((xmin, xmax, ymin, ymax), width_mm=mw, height_mm=mh,
                           cell_mm=_GRID_MM * frame.width / 420.0)


def _draw_page(layers: MapLayers, *, focus: str | None, frame: PageFrame, crs: pyproj.CRS,
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
    left_off, markers = draw_map(ax, layers, focus=focus, frame=frame, lang=lang,
                         extent=(xmin, xmax, ymin, ymax), m_per_mm=m_per_mm, numbers=numbers)

    # Side panel: legend and tables from the top, north arrow and scale bar at the bottom
    sx, sy, sw, sh = frame.side_box
    top = sy + sh
    used = draw_legend(paper_ax, legend_entries(layers, focus=focus, lang=lang,
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


def _list_blocks(layers: MapLayers, frame: PageFrame, *, lang: str, labels: Mapping[str, str],
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


def _unprintable(layers: MapLayers, title: str, source: str | None,
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
    colours = dict(zip(z.index, zone_colours(z.geometry), strict=True))
    layers = MapLayers(zones=z, communities=com, facilities=fac, planned=plan, streets=st,
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
                                **MAP_RC}
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
