"""Folium maps for the browser, built from GeoDataFrames, with every asset served locally.

Nothing here reaches the internet: Leaflet and its plugins (fullscreen, measure, draw) are
vendored in ``data/web/`` and every folium element is pointed at ``asset_url`` (the app serves
``data/web`` at ``/app/static/``). Facility icons are inline SVG, so no webfont is needed. Only a
basemap the planner picks (OpenStreetMap, 天地图 with a key, AMap) requests tiles from outside.

Layers are simplified in metres, projected to WGS84 (or shifted to GCJ-02 for AMap) and rounded
to 6 decimals (about 0.1 m), so 5,000 compounds stay well under 5 MB of map payload. Text that came
from files (names, notes) is HTML-escaped before it reaches a tooltip or a label.

Examples
--------
>>> from tests.factories import block_grid
>>> m = build_map(block_grid(2), asset_url="/assets")
>>> html = m.get_root().render()
>>> "/assets/leaflet/leaflet.js" in html and "cdn.jsdelivr" not in html
True
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.digest import layer_digest, remember
from geo.schema import COMMUNITIES, FACILITY_KINDS, SITES
from geo.webmap_elements import (
    CompactGeoJson,
    DrawWords,
    Legend,
    Markers,
    MetricScale,
    ZoneLabels,
    local_assets,
)

__all__ = [
    "ASSET_DIR",
    "BASEMAPS",
    "DEFAULT_ASSET_URL",
    "KIND_STYLE",
    "Basemap",
    "CompoundFill",
    "Lang",
    "build_map",
    "completeness_fill",
    "external_urls",
    "kind_icon_svg",
    "map_html",
    "prepare_layer",
    "zone_colors",
]

Lang = Literal["zh", "en"]
Basemap = Literal["none", "osm", "tianditu", "amap"]

ASSET_DIR = Path(__file__).resolve().parent.parent / "data" / "web"
"""Vendored Leaflet and plugins (see data/web/README.md)."""

DEFAULT_ASSET_URL = "../../app/static"
"""Where the assets are, relative to streamlit-folium's component iframe
(``/component/streamlit_folium.st_folium/index.html``): Streamlit's static serving at
``/app/static/``. Relative, so it also works behind a ``server.baseUrlPath``."""

BASEMAPS: tuple[str, ...] = ("none", "osm", "tianditu", "amap")

# Vendored files per plugin, relative to ASSET_DIR / asset_url.
_LEAFLET_JS = [("leaflet", "leaflet/leaflet.js")]
_LEAFLET_CSS = [("leaflet_css", "leaflet/leaflet.css")]
_PLUGIN_ASSETS: dict[type, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    folium.plugins.Fullscreen: (
        [("Control.Fullscreen.js", "leaflet-fullscreen/Control.FullScreen.js")],
        [("Control.FullScreen.css", "leaflet-fullscreen/Control.FullScreen.css")],
    ),
    folium.plugins.MeasureControl: (
        [("leaflet_measure_js", "leaflet-measure/leaflet-measure.min.js")],
        [("leaflet_measure_css", "leaflet-measure/leaflet-measure.css")],
    ),
    folium.plugins.Draw: (
        [("leaflet_draw_js", "leaflet-draw/leaflet.draw.js")],
        [("leaflet_draw_css", "leaflet-draw/leaflet.draw.css")],
    ),
}

KIND_STYLE: dict[str, dict[str, str]] = {
    "elderly_care": {"color": "#d95f02", "glyph_zh": "老", "glyph_en": "E"},
    "ev_charger": {"color": "#1b9e77", "glyph_zh": "充", "glyph_en": "C"},
    "parking": {"color": "#386cb0", "glyph_zh": "P", "glyph_en": "P"},
    "clinic": {"color": "#e7298a", "glyph_zh": "医", "glyph_en": "H"},
    "market": {"color": "#66a61e", "glyph_zh": "菜", "glyph_en": "M"},
    "kindergarten": {"color": "#b8860b", "glyph_zh": "幼", "glyph_en": "K"},
}
"""Colour and one-character glyph of each facility kind (icons are inline SVG)."""

_ZONE_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39")
_RING_COLORS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b")
_EXCLUDED_COLOR = "#9e9e9e"
_NEUTRAL_COLOR = "#9ecae1"
_UNCOVERED_COLOR = "#d7191c"
#: Few to all kinds within reach: red through yellow to green (ColorBrewer RdYlGn, 7 classes).
_COMPLETENESS_COLORS = ("#d73027", "#fc8d59", "#fee08b", "#ffffbf", "#d9ef8b", "#91cf60",
                        "#1a9850")

_TEXT: dict[str, dict[str, str]] = {
    "zones": {"zh": "片区", "en": "Zones"},
    "communities": {"zh": "小区", "en": "Compounds"},
    "facilities": {"zh": "现有设施", "en": "Existing facilities"},
    "planned": {"zh": "规划设施", "en": "Planned facilities"},
    "sites": {"zh": "候选点", "en": "Candidate sites"},
    "service_areas": {"zh": "服务范围", "en": "Service areas"},
    "gaps": {"zh": "服务缺口", "en": "Gap areas"},
    "uncovered": {"zh": "未覆盖小区", "en": "Uncovered compounds"},
    "excluded": {"zh": "不纳入改造", "en": "Not renovated"},
    "zone_id": {"zh": "片区", "en": "Zone"},
    "excluded_reason": {"zh": "未纳入原因", "en": "Why not"},
    "n_communities": {"zh": "小区数", "en": "Compounds"},
    "minutes": {"zh": "分钟", "en": "min"},
    "service_area": {"zh": "服务范围", "en": "Service area"},
    "within": {"zh": "步行{minutes}分钟内", "en": "Within {minutes} min"},
    "id": {"zh": "编号", "en": "ID"},
    "planned_kind": {"zh": "{kind}（规划）", "en": "{kind} (planned)"},  # as the printed maps
    "legend": {"zh": "图例", "en": "Legend"},
    "kind": {"zh": "设施类型", "en": "Kind"},
    "capacity": {"zh": "容量", "en": "Capacity"},
    "cost": {"zh": "造价（万元）", "en": "Cost (10k CNY)"},
    "completeness": {"zh": "生活圈完备度", "en": "Life-circle completeness"},
    "kinds_within": {"zh": "{done}/{of} 类达标", "en": "{done} of {of} kinds within reach"},
}


@dataclass(frozen=True)
class CompoundFill:
    """Compounds filled by a class instead of by zone: what :func:`build_map` draws.

    ``colors`` and ``text`` are indexed like the compounds (a compound missing from them is
    drawn in the neutral colour with '—'); ``legend`` lists (colour, label) in legend order;
    ``label`` names ``text`` in the tooltip.
    """

    colors: pd.Series
    text: pd.Series
    legend: tuple[tuple[str, str], ...]
    label: str


def completeness_fill(done: pd.Series, of: int, lang: Lang = "zh") -> CompoundFill:
    """Compounds coloured by how many of ``of`` required facility kinds are within reach.

    Red when none is, green when all are, in ``of + 1`` steps of one palette; the legend lists
    every step from all kinds down to none.

    Examples
    --------
    >>> f = completeness_fill(pd.Series([6, 0, 3], index=["C1", "C2", "C3"]), 6)
    >>> f.colors.tolist(), f.text.tolist()
    (['#1a9850', '#d73027', '#ffffbf'], ['6/6 类达标', '0/6 类达标', '3/6 类达标'])
    >>> [label for _, label in completeness_fill(pd.Series([1]), 2, "en").legend]
    ['2 of 2 kinds within reach', '1 of 2 kinds within reach', '0 of 2 kinds within reach']
    """
    of = max(int(of), 1)
    last = len(_COMPLETENESS_COLORS) - 1
    step = [_COMPLETENESS_COLORS[round(k * last / of)] for k in range(of + 1)]
    words = [_t("kinds_within", lang).format(done=k, of=of) for k in range(of + 1)]
    value = pd.to_numeric(done, errors="coerce").clip(0, of)
    known = value.notna()
    k = value[known].round().astype(int)
    colors = pd.Series(_NEUTRAL_COLOR, index=done.index, dtype=object)
    colors[known] = [step[i] for i in k]
    text = pd.Series("—", index=done.index, dtype=object)
    text[known] = [words[i] for i in k]
    legend = tuple((step[i], words[i]) for i in range(of, -1, -1))
    return CompoundFill(colors=colors, text=text, legend=legend, label=_t("completeness", lang))


_TILES: dict[str, dict[str, Any]] = {
    "osm": {"tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attr": "© OpenStreetMap contributors", "max_zoom": 19},
    "tianditu": {"tiles": "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}"
                          "&tk={key}",
                 "attr": "天地图 © 国家地理信息公共服务平台", "subdomains": "01234567",
                 "max_zoom": 18},
    "tianditu_labels": {"tiles": "https://t{s}.tianditu.gov.cn/DataServer?T=cva_w&x={x}&y={y}"
                                 "&l={z}&tk={key}",
                        "attr": "天地图", "subdomains": "01234567", "max_zoom": 18},
    "amap": {"tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                      "&style=8&x={x}&y={y}&z={z}",
             "attr": "© 高德地图 AutoNavi", "subdomains": "1234", "max_zoom": 18},
}


def _t(key: str, lang: Lang) -> str:
    return _TEXT[key][lang]


def _label(column: str, lang: Lang) -> str:
    """Display name of a column: geo.schema aliases, minutes per kind, or the local table."""
    if column.startswith("walk_minutes_"):
        kind = FACILITY_KINDS.get(column.removeprefix("walk_minutes_"))
        if kind is not None:
            name = kind.label_zh if lang == "zh" else kind.label_en
            return f"{name}（{_t('minutes', lang)}）" if lang == "zh" else f"{name} (min)"
    if column in _TEXT:
        return _t(column, lang)
    try:
        col = COMMUNITIES.column(column)
    except KeyError:
        return column
    return col.label_zh if lang == "zh" else col.label_en


def _site_name(lang: Lang) -> str:
    """What a candidate site's name is called (候选点名称, not the compounds' 小区名称)."""
    col = SITES.column("name")
    return col.label_zh if lang == "zh" else col.label_en


def kind_icon_svg(kind: str, *, planned: bool = False, lang: Lang = "zh", size: int = 22) -> str:
    """Inline SVG icon of a facility kind: a disc (existing) or a square (planned) with a glyph.

    Examples
    --------
    >>> svg = kind_icon_svg("ev_charger")
    >>> svg.startswith("<svg") and "充" in svg
    True
    """
    style = KIND_STYLE.get(kind, {"color": "#555555", "glyph_zh": "?", "glyph_en": "?"})
    glyph = html.escape(style[f"glyph_{lang}"])
    r = size / 2
    if planned:
        shape = (f'<rect x="1.5" y="1.5" width="{size - 3}" height="{size - 3}" rx="3" '
                 f'fill="#ffffff" stroke="{style["color"]}" stroke-width="3"/>')
        text_color = style["color"]
    else:
        shape = (f'<circle cx="{r}" cy="{r}" r="{r - 1.5}" fill="{style["color"]}" '
                 f'stroke="#ffffff" stroke-width="1.5"/>')
        text_color = "#ffffff"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}">{shape}<text x="{r}" y="{r}" dy="0.35em" '
            f'text-anchor="middle" font-size="{size * 0.55:.0f}" font-weight="bold" '
            f'font-family="sans-serif" fill="{text_color}">{glyph}</text></svg>')


def zone_colors(zone_ids: Sequence[str]) -> dict[str, str]:
    """A stable colour per zone id (sorted order, cycling a 14-colour palette).

    Examples
    --------
    >>> zone_colors(["Z002", "Z001"])
    {'Z001': '#1f77b4', 'Z002': '#ff7f0e'}
    """
    ids = sorted({str(z) for z in zone_ids if z is not None and z == z})
    return {z: _ZONE_PALETTE[i % len(_ZONE_PALETTE)] for i, z in enumerate(ids)}


def prepare_layer(gdf: gpd.GeoDataFrame, *, columns: Sequence[str] = (),
                  tolerance_m: float = 1.0, precision: int = 6,
                  datum: Literal["wgs84", "gcj02"] = "wgs84") -> gpd.GeoDataFrame:
    """Simplify in metres, project to WGS84 (or GCJ-02), round coordinates, keep ``columns``.

    Parameters
    ----------
    gdf
        Any layer with a CRS (projected or geographic).
    columns
        Attribute columns to keep (others are dropped to keep the payload small); missing ones
        are ignored.
    tolerance_m
        Douglas-Peucker tolerance in metres (topology preserved); 0 keeps every vertex.
    precision
        Decimals kept in longitude/latitude (6 decimals ≈ 0.1 m).
    datum
        ``"gcj02"`` shifts the result for AMap's GCJ-02 tiles.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 (coordinates GCJ-02 when asked), same index, empty geometries dropped.
    """
    if gdf.crs is None:
        from geo.errors import CRSError

        msg = "layer has no CRS; declare it when reading the file"
        raise CRSError(msg)
    keep = [c for c in columns if c in gdf.columns]
    layer = gdf[[*keep, gdf.geometry.name]]
    key = (layer_digest(layer), tuple(map(str, layer.dtypes)), float(tolerance_m),
           int(precision), datum)
    return remember(_PREPARED, key, lambda: _prepare(layer.copy(), tolerance_m, precision, datum),
                    kept=_PREPARED_KEPT).copy()


#: Layers prepared lately, by content (geometry, columns, CRS) and settings: the app runs a
#: page again on every click, and simplifying a large district's service areas took over a
#: second each time (1.3 s for the 5,000-compound bench city's elderly-care areas).
_PREPARED: dict[Hashable, gpd.GeoDataFrame] = {}
_PREPARED_KEPT = 16


def _prepare(out: gpd.GeoDataFrame, tolerance_m: float, precision: int,
             datum: Literal["wgs84", "gcj02"]) -> gpd.GeoDataFrame:
    out = out[out.geometry.notna() & ~out.geometry.is_empty]
    if tolerance_m > 0 and len(out):
        if out.crs.is_projected:
            out = out.set_geometry(out.geometry.simplify(tolerance_m, preserve_topology=True))
        else:
            from geo.crs import to_metric
            from geo.errors import CRSError

            try:
                metric = to_metric(out)
            except CRSError:  # outside China's zones: any metric CRS will do for a display
                metric = out.to_crs(out.estimate_utm_crs())
            metric = metric.set_geometry(metric.geometry.simplify(tolerance_m,
                                                                  preserve_topology=True))
            out = metric
    out = out.to_crs(4326)
    if datum == "gcj02":
        from geo.crs import shift_datum

        out = shift_datum(out, source="wgs84", target="gcj02")
    scale = 10.0 ** precision
    out = out.set_geometry(shapely.transform(out.geometry.values,
                                             lambda xy: np.round(xy * scale) / scale))
    return out[out.geometry.notna() & ~out.geometry.is_empty]


def _display(value: Any, *, minutes: bool = False) -> str:
    """A property value as escaped display text ('—' when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if minutes:
        return f"{float(value):.1f}"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return html.escape(str(value))


def _amount(value: Any) -> str:
    """A count or an amount with its digits grouped (1,056; 1,239.5), '—' when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return _display(value)
    if not math.isfinite(x):
        return "—"
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.1f}"


def _feature_collection(gdf: gpd.GeoDataFrame, props: Mapping[str, list[str]]) -> dict[str, Any]:
    """GeoJSON FeatureCollection with the given display properties (already escaped)."""
    geoms = shapely.to_geojson(gdf.geometry.values)
    features = []
    for i, g in enumerate(geoms):
        features.append({"type": "Feature", "geometry": json.loads(g),
                         "properties": {k: v[i] for k, v in props.items()}})
    return {"type": "FeatureCollection", "features": features}


def _legend_html(rows: list[tuple[str, str]], lang: Lang) -> str:
    items = "".join(f'<div style="display:flex;align-items:center;gap:6px">{sym}'
                    f"<span>{html.escape(text)}</span></div>" for sym, text in rows)
    return f"<b>{_t('legend', lang)}</b>{items}"


def _swatch(fill: str, stroke: str | None = None, *, dashed: bool = False) -> str:
    border = f"2px {'dashed' if dashed else 'solid'} {stroke or fill}"
    return (f'<span style="display:inline-block;width:14px;height:10px;background:{fill};'
            f'border:{border}"></span>')


def _kind_label(kind: str, lang: Lang) -> str:
    k = FACILITY_KINDS.get(kind)
    if k is None:
        return kind
    return k.label_zh if lang == "zh" else k.label_en


def _points_layer(gdf: gpd.GeoDataFrame, *, name: str, planned: bool,
                  lang: Lang) -> folium.FeatureGroup:
    """One marker per facility, an inline-SVG icon per kind, escaped tooltips.

    The markers are made in the browser from one array (:class:`Markers`): a folium Marker
    per point compiled its own templates, seconds for the thousand facilities of a large
    district.
    """
    group = folium.FeatureGroup(name=name, show=True)
    pts = gdf.copy()
    pts = pts.set_geometry(pts.geometry.representative_point())
    id_name = _t("id", lang)  # not the column's name (planned_id)
    unit = "capacity_unit_zh" if lang == "zh" else "capacity_unit_en"
    icons: dict[str, str] = {}
    rows: list[list[Any]] = []
    for fid, row in pts.iterrows():
        kind = str(row.get("kind", ""))
        if kind not in icons:
            icons[kind] = kind_icon_svg(kind, planned=planned, lang=lang)
        lines = [f"<b>{html.escape(str(row.get('name') or fid))}</b>",
                 f"{_t('kind', lang)}: {html.escape(_kind_label(kind, lang))}"]
        if "capacity" in row and row["capacity"] == row["capacity"]:
            spec = FACILITY_KINDS.get(kind)  # in the kind's unit: m² floor area, chargers …
            lines.append(f"{_t('capacity', lang)}: {_amount(row['capacity'])}"
                         + (f" {html.escape(getattr(spec, unit))}" if spec else ""))
        if planned and "cost" in row and row["cost"] == row["cost"]:
            lines.append(f"{_t('cost', lang)}: {_amount(row['cost'])}")
        if planned and "zone_id" in row:
            lines.append(f"{_t('zone_id', lang)}: {_display(row['zone_id'])}")
        # a planned facility is one kind at a site (id "S036:elderly_care"): the site's id
        site = row.get("site_id") if planned else None
        shown = fid if site is None or site != site else site
        lines.append(f"<small>{html.escape(id_name)}: {html.escape(str(shown))}</small>")
        rows.append([row.geometry.y, row.geometry.x, kind, "<br>".join(lines)])
    Markers(rows, icons, class_name=f"pianqu-{'planned' if planned else 'facility'}"
             ).add_to(group)
    return group


def build_map(communities: gpd.GeoDataFrame | None = None, *,
              zones: gpd.GeoDataFrame | None = None,
              facilities: gpd.GeoDataFrame | None = None,
              planned: gpd.GeoDataFrame | None = None,
              sites: gpd.GeoDataFrame | None = None,
              service_areas: gpd.GeoDataFrame | None = None,
              gaps: gpd.GeoDataFrame | None = None,
              uncovered: pd.Series | None = None,
              minutes_columns: Sequence[str] | None = None,
              lang: Lang = "zh", basemap: Basemap = "none", tianditu_key: str | None = None,
              asset_url: str = DEFAULT_ASSET_URL, draw: bool = False,
              color_by_zone: bool = True, show_sites: bool = False,
              fill: CompoundFill | None = None, tolerance_m: float = 1.0) -> folium.Map:
    """A folium map of a plan's layers with toggles, legend, scale, measure and fullscreen.

    Parameters
    ----------
    communities
        Compounds (any CRS). Coloured by ``zone_id`` when present (grey when excluded); their
        tooltip shows name, households, built year, zone or reason, and ``minutes_columns``.
    zones
        Zone polygons (``zone_id``, ``households``, ``n_communities``), drawn with an SVG class
        ``pianqu-zone`` and a label at a point inside each zone.
    facilities, planned
        Existing and planned facilities (``kind``, ``name``, ``capacity``; planned also
        ``cost``, ``zone_id``): one icon per kind, planned ones as outlined squares.
    sites
        Candidate sites, drawn as small hollow circles.
    service_areas
        ``kind``, ``minutes``, geometry: rings coloured by minutes (5/10/15).
    gaps
        Gap areas, hatched red.
    uncovered
        Boolean Series indexed like ``communities``: these compounds get a red outline.
    minutes_columns
        ``walk_minutes_<kind>`` columns to show in compound tooltips (default: all present).
    lang
        ``"zh"`` (default) or ``"en"`` for layer names, legend and tooltip labels.
    basemap
        ``"none"`` (default, no request leaves the machine), ``"osm"``, ``"tianditu"`` (needs
        ``tianditu_key``) or ``"amap"`` (GCJ-02: every layer is shifted to match the tiles).
    tianditu_key
        The planner's 天地图 key.
    asset_url
        Base URL of the vendored assets (``data/web``).
    draw
        Add a draw toolbar (a point or a polygon) so the planner can add a candidate site.
    show_sites
        Show the candidate sites layer when the map opens (otherwise it is only in the layer
        control).
    color_by_zone
        Fill compounds with their zone's colour (grey when excluded); otherwise one neutral
        colour, so that uncovered compounds and service areas stand out.
    fill
        Fill compounds by a class instead (e.g. :func:`completeness_fill`), with its legend
        and a tooltip line.
    tolerance_m
        Simplification tolerance in metres.

    Returns
    -------
    folium.Map
        Fitted to the layers; every JS/CSS asset under ``asset_url``.
    """
    if basemap not in BASEMAPS:
        from geo.errors import PlanningInputError

        msg = f"basemap {basemap!r} is not one of {list(BASEMAPS)}"
        raise PlanningInputError(msg)
    if basemap == "tianditu" and not tianditu_key:
        from geo.errors import PlanningInputError

        msg = "the 天地图 basemap needs a key (tianditu_key); get one at the 天地图 console"
        raise PlanningInputError(msg)
    datum: Literal["wgs84", "gcj02"] = "gcj02" if basemap == "amap" else "wgs84"

    def prep(gdf: gpd.GeoDataFrame, cols: Sequence[str]) -> gpd.GeoDataFrame:
        return prepare_layer(gdf, columns=cols, tolerance_m=tolerance_m, datum=datum)

    # fractional zoom steps, so that fitting the district fills the map instead of snapping
    # down to the next whole zoom level (which can leave it at half the map's width)
    m = folium.Map(location=[34.0, 113.8], zoom_start=14, tiles=None, control_scale=False,
                   prefer_canvas=False, zoom_control=True, zoom_snap=0.25, zoom_delta=0.5)
    MetricScale().add_to(m)
    local_assets(m, asset_url, _LEAFLET_JS, _LEAFLET_CSS)
    _add_basemap(m, basemap, tianditu_key)

    legend: list[tuple[str, str]] = []
    bounds: list[tuple[float, float, float, float]] = []

    if service_areas is not None and len(service_areas):
        sa = prep(service_areas, ["kind", "minutes"]).sort_values("minutes", ascending=False)
        levels = sorted({int(v) for v in sa["minutes"]})
        ring = {lv: _RING_COLORS[min(i, len(_RING_COLORS) - 1)] for i, lv in enumerate(levels)}
        fc = _feature_collection(sa, {
            "kind": [_display(_kind_label(str(k), lang)) for k in sa["kind"]],
            "minutes": [_t("within", lang).format(minutes=int(v)) for v in sa["minutes"]],
            "_c": [ring[int(v)] for v in sa["minutes"]]})
        CompactGeoJson(
            fc, bounds=sa.total_bounds, name=_t("service_areas", lang),
            style_function=lambda f: {
                "color": f["properties"]["_c"], "weight": 1, "fillColor": f["properties"]["_c"],
                "fillOpacity": 0.35, "className": "pianqu-service-area"},
            tooltip=folium.GeoJsonTooltip(["kind", "minutes"], aliases=[
                _t("kind", lang), _t("service_area", lang)]),
        ).add_to(m)
        legend += [(_swatch(ring[lv]), _t("within", lang).format(minutes=lv)) for lv in levels]
        bounds.append(tuple(sa.total_bounds))

    district: tuple[float, float, float, float] | None = None
    if communities is not None and len(communities):
        district = _add_communities(m, communities, prep=prep, uncovered=uncovered,
                                    minutes_columns=minutes_columns, lang=lang, legend=legend,
                                    color_by_zone=color_by_zone, fill=fill)
        bounds.append(district)

    if zones is not None and len(zones):
        zcols = ["zone_id", "households", "n_communities"]
        z = prep(zones.reset_index() if "zone_id" not in zones.columns else zones, zcols)
        colors = zone_colors(list(z["zone_id"]))
        fc = _feature_collection(z, {
            "zone_id": [_display(v) for v in z["zone_id"]],
            "households": [_amount(v) for v in z.get("households", [None] * len(z))],
            "n_communities": [_amount(v) for v in z.get("n_communities", [None] * len(z))],
            "_c": [colors.get(str(v), "#333333") for v in z["zone_id"]]})
        layer = folium.FeatureGroup(name=_t("zones", lang))
        CompactGeoJson(fc, bounds=z.total_bounds, style_function=lambda f: {
            "color": f["properties"]["_c"], "weight": 3, "fill": False, "opacity": 0.9,
            "className": "pianqu-zone"},
            tooltip=folium.GeoJsonTooltip(zcols, aliases=[_label(c, lang) for c in zcols]),
        ).add_to(layer)
        layer.add_to(m)
        inside = shapely.point_on_surface(z.geometry.values)
        ZoneLabels(layer, [
            [round(p.y, 6), round(p.x, 6),
             f'<div style="font:bold 13px sans-serif;color:{f["properties"]["_c"]};'
             f'text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;'
             f'transform:translate(-50%,-50%)">{f["properties"]["zone_id"]}</div>']
            for p, f in zip(inside, fc["features"], strict=True)]).add_to(m)
        legend.append((_swatch("#ffffff", "#1f77b4"), _t("zones", lang)))
        bounds.append(tuple(z.total_bounds))

    if gaps is not None and len(gaps):
        g = prep(gaps, ["kind", "households"])
        fc = _feature_collection(g, {
            "kind": [_display(_kind_label(str(k), lang)) for k in g.get("kind", [""] * len(g))],
            "households": [_amount(v) for v in g.get("households", [None] * len(g))]})
        # Not interactive: gaps lie on their compounds, whose tooltips (and clicks) must win.
        CompactGeoJson(fc, bounds=g.total_bounds, name=_t("gaps", lang), style_function=lambda f: {
            "color": _UNCOVERED_COLOR, "weight": 1.5, "dashArray": "4 3", "interactive": False,
            "fillColor": _UNCOVERED_COLOR, "fillOpacity": 0.25, "className": "pianqu-gap"},
        ).add_to(m)
        legend.append((_swatch("#d7191c55", _UNCOVERED_COLOR, dashed=True), _t("gaps", lang)))

    if sites is not None and len(sites):
        s = prep(sites, ["name", "kinds", "capacity", "cost"])
        s = s.set_geometry(s.geometry.representative_point())
        fc = _feature_collection(s, {
            "site_id": [html.escape(str(i)) for i in s.index],
            "name": [_display(v) for v in s.get("name", [None] * len(s))]})
        marker = folium.CircleMarker(radius=5, color="#555555", weight=1.5, fill=True,
                                     fill_color="#ffffff", fill_opacity=0.9)
        tooltip = folium.GeoJsonTooltip(["site_id", "name"],
                                        aliases=[_t("id", lang), _site_name(lang)])
        CompactGeoJson(fc, bounds=s.total_bounds, name=_t("sites", lang), marker=marker,
                       tooltip=tooltip, show=show_sites).add_to(m)

    for gdf, planned_flag, key in ((facilities, False, "facilities"), (planned, True, "planned")):
        if gdf is None or not len(gdf):
            continue
        pts = prep(gdf, ["kind", "name", "capacity", "cost", "zone_id", "site_id"])
        _points_layer(pts, name=_t(key, lang), planned=planned_flag, lang=lang).add_to(m)
        for kind in sorted(set(pts["kind"].astype(str))):
            label = _kind_label(kind, lang)
            legend.append((kind_icon_svg(kind, planned=planned_flag, lang=lang, size=16),
                           _t("planned_kind", lang).format(kind=label) if planned_flag
                           else label))
        bounds.append(tuple(pts.total_bounds))

    fs = folium.plugins.Fullscreen(position="topleft",
                                   title="全屏" if lang == "zh" else "Full screen",
                                   title_cancel="退出全屏" if lang == "zh" else "Exit full screen")
    local_assets(fs, asset_url, *_PLUGIN_ASSETS[folium.plugins.Fullscreen])
    fs.add_to(m)
    ms = folium.plugins.MeasureControl(position="topleft", primary_length_unit="meters",
                                       secondary_length_unit="kilometers",
                                       primary_area_unit="sqmeters",
                                       secondary_area_unit="hectares",
                                       localization="cn" if lang == "zh" else "en")
    local_assets(ms, asset_url, *_PLUGIN_ASSETS[folium.plugins.MeasureControl])
    ms.add_to(m)
    if draw:
        dr = folium.plugins.Draw(export=False, position="topleft", draw_options={
            "polyline": False, "rectangle": False, "circle": False, "circlemarker": False,
            "polygon": {"allowIntersection": False}, "marker": True},
            edit_options={"edit": False})
        local_assets(dr, asset_url, *_PLUGIN_ASSETS[folium.plugins.Draw])
        DrawWords(lang).add_to(m)  # before the toolbar is made, which reads them
        dr.add_to(m)
    if legend:
        Legend(_legend_html(legend, lang)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    # the map opens on the compounds: a facility or site far outside the district (a typo in
    # its coordinates, 65 km off) is drawn but does not shrink the district to a dot
    if district is not None and np.isfinite(district).all():
        bounds = [district]
    if bounds:
        arr = np.array(bounds, dtype=float)
        if np.isfinite(arr).all():
            m.fit_bounds([[arr[:, 1].min(), arr[:, 0].min()], [arr[:, 3].max(), arr[:, 2].max()]],
                         padding=(16, 16))
    return m


def _add_communities(m: folium.Map, communities: gpd.GeoDataFrame, *, prep: Any,
                     uncovered: pd.Series | None, minutes_columns: Sequence[str] | None,
                     lang: Lang, legend: list[tuple[str, str]], color_by_zone: bool = True,
                     fill: CompoundFill | None = None) -> tuple[float, float, float, float]:
    """Compounds filled by zone (grey when excluded) or by ``fill``; uncovered outlined red."""
    mins = list(minutes_columns if minutes_columns is not None else
                [c for c in communities.columns if str(c).startswith("walk_minutes_")])
    base = ["name", "households", "built_year"]
    has_zone = "zone_id" in communities.columns
    # the reason a compound is out, or how it joined its zone, in the map's language
    suffix = "_en" if lang == "en" else ""
    why_col = next((col for col in (f"excluded_reason{suffix}", "excluded_reason")
                    if col in communities.columns), None)
    note_col = next((col for col in (f"zone_note{suffix}", "zone_note")
                     if col in communities.columns), None)
    extra = [col for col in ("zone_id", why_col, note_col) if col] if has_zone else []
    c = prep(communities, [*base, *extra, *mins])
    colors = zone_colors(list(c["zone_id"])) if has_zone else {}
    flag = (uncovered.reindex(c.index).fillna(False).astype(bool) if uncovered is not None
            else pd.Series(False, index=c.index))
    props: dict[str, list[str]] = {
        "community_id": [html.escape(str(i)) for i in c.index],
        "name": [_display(v) for v in c.get("name", [None] * len(c))],
        "households": [_amount(v) for v in c["households"]] if "households" in c
        else ["—"] * len(c),
        "built_year": [_display(v) for v in c["built_year"]] if "built_year" in c
        else ["—"] * len(c),
    }
    fields = ["community_id", "name", "households", "built_year"]
    if has_zone:
        zone_text = []
        none = [None] * len(c)
        whys = c[why_col] if why_col else none
        notes = c[note_col] if note_col else none
        for z, why, note in zip(c["zone_id"], whys, notes, strict=True):
            if pd.isna(z):
                zone_text.append(_display(why))
            elif pd.isna(note) or not str(note):
                zone_text.append(_display(z))
            else:
                zone_text.append(f"{_display(z)}（{_display(note)}）" if lang == "zh"
                                 else f"{_display(z)} ({_display(note)})")
        props["zone_id"] = zone_text
        fields.append("zone_id")
    if fill is not None:
        props["_fill"] = [html.escape(str(v)) for v in fill.text.reindex(c.index).fillna("—")]
        fields.append("_fill")
    for col in mins:
        props[col] = [_display(v, minutes=True) for v in c[col]]
        fields.append(col)
    by_zone = has_zone and color_by_zone and fill is None
    if fill is not None:
        props["_c"] = list(fill.colors.reindex(c.index).fillna(_NEUTRAL_COLOR))
    else:
        props["_c"] = [colors.get(str(z), _EXCLUDED_COLOR) if by_zone else _NEUTRAL_COLOR
                       for z in (c["zone_id"] if by_zone else [None] * len(c))]
    props["_u"] = ["1" if u else "" for u in flag]
    fc = _feature_collection(c, props)
    aliases = [_label(f, lang) if f != "community_id" else _t("id", lang) for f in fields]
    if fill is not None:
        aliases[fields.index("_fill")] = html.escape(fill.label)
    if has_zone:
        aliases[fields.index("zone_id")] = f"{_t('zone_id', lang)} / " \
                                           f"{_t('excluded_reason', lang)}"

    def style(f: dict[str, Any]) -> dict[str, Any]:
        uncovered = bool(f["properties"]["_u"])
        return {"color": _UNCOVERED_COLOR if uncovered else "#444444",
                "weight": 2.5 if uncovered else 1, "fillColor": f["properties"]["_c"],
                "fillOpacity": 0.45, "className": "pianqu-community"}

    CompactGeoJson(fc, bounds=c.total_bounds, name=_t("communities", lang), style_function=style,
                   highlight_function=lambda f: {"weight": 3, "color": "#000000"},
                   tooltip=folium.GeoJsonTooltip(fields, aliases=aliases, sticky=True),
                   ).add_to(m)
    if fill is not None:
        legend += [(_swatch(color, "#444444"), text) for color, text in fill.legend]
    elif by_zone:
        legend.append((_swatch("#1f77b4aa", "#444444"), _t("communities", lang)))
        legend.append((_swatch(_EXCLUDED_COLOR, "#444444"), _t("excluded", lang)))
    else:
        legend.append((_swatch(_NEUTRAL_COLOR, "#444444"), _t("communities", lang)))
    if bool(flag.any()):
        legend.append((_swatch("#ffffff", _UNCOVERED_COLOR), _t("uncovered", lang)))
    x0, y0, x1, y1 = (float(v) for v in c.total_bounds)
    return x0, y0, x1, y1


def _add_basemap(m: folium.Map, basemap: str, key: str | None) -> None:
    if basemap == "none":
        return
    if basemap == "tianditu":
        for name in ("tianditu", "tianditu_labels"):
            spec = dict(_TILES[name])
            spec["tiles"] = spec["tiles"].replace("{key}", str(key))
            folium.TileLayer(name="天地图" if name == "tianditu" else "天地图注记",
                             control=False, overlay=name != "tianditu", **spec).add_to(m)
        return
    spec = _TILES[basemap]
    folium.TileLayer(name=basemap, control=False, **spec).add_to(m)


def map_html(m: folium.Map) -> str:
    """The whole standalone HTML page of a map (what a payload is measured on)."""
    return str(m.get_root().render())


def external_urls(page: str) -> list[str]:
    """Every ``http(s)://`` URL that a map page would load as a script or stylesheet.

    Examples
    --------
    >>> external_urls('<script src="https://x.org/a.js"></script><link href="/local.css">')
    ['https://x.org/a.js']
    """
    import re

    found = re.findall(r'(?:src|href)\s*=\s*["\'](https?://[^"\']+)["\']', page)
    return sorted(set(found))
