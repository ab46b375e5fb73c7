"""The folium elements behind :func:`geo.webmap.build_map`.

Compact GeoJSON layers, legend, zone labels, the drawing toolbar's words, the metric scale and
SVG markers.

Each writes its own small script into the page, so that a city's layers travel as one array
rather than folium's per-feature objects; vendored assets only (:func:`local_assets`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, Literal

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

__all__ = ["DRAW_WORDS", "CompactGeoJson", "DrawWords", "LayerScript", "Legend", "Markers",
           "MetricScale", "ZoneLabels", "local_assets"]

Lang = Literal["zh", "en"]


def local_assets(elem: Any, asset_url: str, js: list[tuple[str, str]],
           css: list[tuple[str, str]]) -> None:
    """Point one folium element's JS/CSS at the vendored copies."""
    base = asset_url.rstrip("/")
    elem.default_js = [(name, f"{base}/{path}") for name, path in js]
    elem.default_css = [(name, f"{base}/{path}") for name, path in css]


#: What a :class:`CompactGeoJson` hands folium while folium renders it: a script macro that writes
#: nothing, so that folium's own bookkeeping (style maps, the layer's ``addTo``, tooltips)
#: runs and the layer's script, with its features, takes its place afterwards.
_NO_SCRIPT = Template("{% macro script(this, kwargs) %}{% endmacro %}")
_DATA_MARK = "__pianqu_features__"


class CompactGeoJson(folium.GeoJson):
    """``folium.GeoJson`` whose features reach the page as compact JSON, without Jinja.

    branca compiles every element's rendered script as a Jinja template before the page is
    assembled; a layer's script holds its features, so the 7 MB of a 5,000-compound city's
    map were lexed for a second, twice on every draw in the app, for nothing. Here folium
    renders the layer with an empty script (so it still makes the style maps and adds the
    ``addTo`` and the tooltip after it), and :class:`LayerScript` takes that script's place
    in the page. The features' bounds are given, not walked coordinate by coordinate (which
    streamlit-folium asks for on every draw), and the style maps are made once.
    """

    def __init__(self, data: dict[str, Any], *, bounds: Sequence[float], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        x0, y0, x1, y1 = (float(v) if math.isfinite(v) else None for v in bounds)
        self._bounds = [[y0, x0], [y1, x1]]  # None, as folium says, when nothing is drawn
        self._styled = False

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [[*self._bounds[0]], [*self._bounds[1]]]

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as folium's
        """Render as folium does, then put this layer's own script in place of folium's."""
        script = self._template
        self._template = _NO_SCRIPT
        try:
            if self._styled:  # the features have not changed: keep folium's style maps
                super(folium.GeoJson, self).render(**kwargs)
            else:
                super().render(**kwargs)
                self._styled = True
        finally:
            self._template = script
        # the same name, so it takes the empty script's place, before the addTo and tooltip
        figure = self.get_root()
        assert isinstance(figure, Figure)
        figure.script.add_child(LayerScript(self, kwargs), name=self.get_name())


class LayerScript(Element):
    """A :class:`CompactGeoJson`'s script, written when the page is.

    streamlit-folium never asks (it takes each element's script macro itself), so the app
    skips the features' JSON here. They are dumped once, without spaces, Chinese as UTF-8 and
    ``<>&'`` escaped as Jinja's ``tojson`` does.
    """

    def __init__(self, layer: CompactGeoJson, kwargs: dict[str, Any]) -> None:
        super().__init__()
        self.layer = layer
        self.kwargs = kwargs

    def render(self, **kwargs: Any) -> str:
        """The layer's script: its features as one array, styled in the browser."""
        layer = self.layer
        data = layer.data
        layer.data = _DATA_MARK  # type: ignore[assignment]  # a stand-in for the template
        try:
            text = str(layer._template.module.script(layer, self.kwargs))  # type: ignore[attr-defined]
        finally:
            layer.data = data
        features = (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                    .replace("<", "\\u003c").replace(">", "\\u003e")
                    .replace("&", "\\u0026").replace("'", "\\u0027"))
        return text.replace(json.dumps(_DATA_MARK), features, 1)


class Legend(MacroElement):
    """A Leaflet control in the bottom-right corner holding pre-escaped legend HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "pianqu-legend");
            div.innerHTML = {{ this.body|tojson }};
            div.style.cssText = "background:rgba(255,255,255,.92);padding:6px 8px;"
                + "border-radius:4px;font:12px/1.5 sans-serif;box-shadow:0 1px 4px #0004;";
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body


class ZoneLabels(MacroElement):
    """Zone ids at a point inside each zone, shown while the view is not crowded with them.

    Hundreds of zones at district scale would bury the map under their labels; they show
    when at most one label per ``_LABEL_PX`` square pixels of the map would be in view, so
    they appear as the planner zooms in. They belong to the zones' layer (the layer control
    hides both). ``rows``: latitude, longitude and the label's escaped HTML.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, group) {
            var rows = {{ this.rows|tojson }};
            var labels = L.layerGroup(rows.map(function (r) {
                return L.marker([r[0], r[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "pianqu-zone-label", iconSize: [0, 0],
                                     html: r[2]})});
            }));
            function update() {
                var size = map.getSize(), view = map.getBounds();
                var room = Math.max(1, Math.floor(size.x * size.y / {{ this.px }})), n = 0;
                for (var i = 0; i < rows.length && n <= room; i++) {
                    if (view.contains([rows[i][0], rows[i][1]])) { n++; }
                }
                if (n <= room) { group.addLayer(labels); } else { group.removeLayer(labels); }
            }
            map.on("zoomend moveend resize", update);
            update();
        })({{ this._parent.get_name() }}, {{ this.group }});
        {% endmacro %}
    """)

    def __init__(self, group: folium.FeatureGroup, rows: list[list[Any]]) -> None:
        super().__init__()
        self._name = "ZoneLabels"
        self.group = group.get_name()
        self.rows = rows
        self.px = _LABEL_PX


#: Square pixels of map per zone label: 80 x 40 px each, or the labels are hidden until the
#: planner zooms in (the sample's 64 zones show at once; 1,590 zones of a large district do not).
_LABEL_PX = 80 * 40


#: Leaflet.draw's words (``L.drawLocal``) for the tools this map offers (a polygon, a point,
#: deleting), per language. Both languages set the same words, so that a map drawn after one
#: in the other language, in the frame streamlit-folium keeps, has none of the other's left.
DRAW_WORDS: dict[str, dict[str, Any]] = {
    "zh": {"draw": {
        "toolbar": {"actions": {"title": "取消绘制", "text": "取消"},
                    "finish": {"title": "完成绘制", "text": "完成"},
                    "undo": {"title": "删除最后一个点", "text": "删除最后一个点"},
                    "buttons": {"polygon": "画多边形（候选点用地）", "marker": "画点（候选点）"}},
        "handlers": {"marker": {"tooltip": {"start": "点击地图放置候选点。"}},
                     "polygon": {"tooltip": {"start": "点击开始画多边形。",
                                             "cont": "点击继续画多边形。",
                                             "end": "点击第一个点以闭合多边形。"}},
                     "polyline": {"error": "<strong>错误：</strong>边不能相交！"}}},
        "edit": {
            "toolbar": {"actions": {"save": {"title": "保存修改", "text": "保存"},
                                    "cancel": {"title": "取消，放弃全部修改", "text": "取消"},
                                    "clearAll": {"title": "删除全部图形", "text": "全部删除"}},
                        "buttons": {"remove": "删除图形", "removeDisabled": "没有可删除的图形"}},
            "handlers": {"remove": {"tooltip": {"text": "点击要删除的图形。"}}}}},
    "en": {"draw": {
        "toolbar": {"actions": {"title": "Cancel drawing", "text": "Cancel"},
                    "finish": {"title": "Finish drawing", "text": "Finish"},
                    "undo": {"title": "Delete the last point drawn", "text": "Delete last point"},
                    "buttons": {"polygon": "Draw a polygon (a candidate site's ground)",
                                "marker": "Draw a point (a candidate site)"}},
        "handlers": {"marker": {"tooltip": {"start": "Click the map to place the site."}},
                     "polygon": {"tooltip": {"start": "Click to start drawing the shape.",
                                             "cont": "Click to continue drawing the shape.",
                                             "end": "Click the first point to close the shape."}},
                     "polyline": {"error": "<strong>Error:</strong> edges cannot cross!"}}},
        "edit": {
            "toolbar": {"actions": {"save": {"title": "Save changes", "text": "Save"},
                                    "cancel": {"title": "Cancel, discarding all changes",
                                               "text": "Cancel"},
                                    "clearAll": {"title": "Delete every shape",
                                                 "text": "Delete all"}},
                        "buttons": {"remove": "Delete shapes",
                                    "removeDisabled": "No shapes to delete"}},
            "handlers": {"remove": {"tooltip": {"text": "Click a shape to delete it."}}}}},
}


class DrawWords(MacroElement):
    """Leaflet.draw's toolbar and hints in the map's language (merged into ``L.drawLocal``).

    Added before the draw control, whose toolbar reads the words when it is made; the hints
    are read as each tool starts.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function merge(into, words) {
            Object.keys(words).forEach(function (k) {
                if (typeof words[k] === "object") { merge(into[k] = into[k] || {}, words[k]); }
                else { into[k] = words[k]; }
            });
        })(L.drawLocal, {{ this.words|tojson }});
        {% endmacro %}
    """)

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self._name = "DrawWords"
        self.words = DRAW_WORDS[lang]


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres only (planners do not read feet)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true, position: "bottomleft"})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class Markers(MacroElement):
    """Markers with inline-SVG icons and HTML tooltips, made in the browser from one array.

    ``rows``: latitude, longitude, icon key, tooltip HTML (escaped by the caller);
    ``icons``: icon key -> SVG.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (group) {
            var icons = {{ this.icons|tojson }};
            {{ this.rows|tojson }}.forEach(function (r) {
                L.marker([r[0], r[1]], {icon: L.divIcon({className: {{ this.cls|tojson }},
                    html: icons[r[2]], iconSize: [22, 22], iconAnchor: [11, 11]})})
                    .bindTooltip(r[3]).addTo(group);
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, rows: list[list[Any]], icons: dict[str, str], *, class_name: str
                 ) -> None:
        super().__init__()
        self._name = "Markers"
        self.rows = rows
        self.icons = icons
        self.cls = class_name
