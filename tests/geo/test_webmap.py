"""geo.webmap: offline assets, escaping, simplification in metres, payload size, datum shift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import folium.utilities
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo import webmap
from geo.errors import CRSError, PlanningInputError
from geo.webmap import (
    ASSET_DIR,
    build_map,
    completeness_fill,
    external_urls,
    kind_icon_svg,
    map_html,
    prepare_layer,
    zone_colors,
)
from geo.webmap_elements import CompactGeoJson
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, points

ASSETS = "/assets"
XSS = "<img src=x onerror=alert(1)>"


def _plan_like(n: int = 4) -> dict[str, gpd.GeoDataFrame]:
    """A grid with two zones, one excluded compound, minutes per kind, facilities and gaps."""
    g = block_grid(n)
    g["zone_id"] = np.where(np.arange(len(g)) % n < n / 2, "Z001", "Z002")
    g["excluded_reason"] = None
    g.loc[g.index[0], ["zone_id", "excluded_reason"]] = [None, "建成于2005年"]
    g["walk_minutes_elderly_care"] = np.linspace(1, 20, len(g))
    g.loc[g.index[1], "walk_minutes_elderly_care"] = np.nan
    zones = (g.dropna(subset=["zone_id"]).dissolve("zone_id", aggfunc={"households": "sum"})
             .assign(n_communities=lambda d: 0).reset_index())
    fac = points([(50, 50), (300, 300)])
    planned = points([(200, 100)], kind="ev_charger", prefix="P").assign(cost=30.0,
                                                                         zone_id="Z001")
    sa = gpd.GeoDataFrame({"kind": ["elderly_care"] * 3, "minutes": [5, 10, 15]},
                          geometry=[Polygon(box(ORIGIN_X, ORIGIN_Y, ORIGIN_X + r, ORIGIN_Y + r))
                                    for r in (150, 300, 450)], crs=CRS_GK)
    gaps = gpd.GeoDataFrame({"kind": ["elderly_care"], "households": [200]},
                            geometry=[g.geometry.iloc[-1]], crs=CRS_GK)
    return {"communities": g, "zones": zones, "facilities": fac, "planned": planned,
            "service_areas": sa, "gaps": gaps}


def _render(**kwargs: object) -> str:
    p = _plan_like()
    m = build_map(p["communities"], zones=p["zones"], facilities=p["facilities"],
                  planned=p["planned"], service_areas=p["service_areas"], gaps=p["gaps"],
                  sites=p["facilities"].rename_axis("site_id").assign(kinds="parking"),
                  asset_url=ASSETS, **kwargs)  # type: ignore[arg-type]
    return map_html(m)


def _geojson_layers(page: str) -> list[dict]:
    """Every FeatureCollection embedded in the page (folium writes them as JSON literals)."""
    out = []
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\((\{.*?\})\);\n", page):
        out.append(json.loads(match.group(1)))
    return out


def _has_text(page: str, text: str) -> bool:
    """Whether ``text`` is in the page, as is or JSON-escaped (folium's ``tojson``)."""
    return text in page or json.dumps(text)[1:-1] in page


def test_every_script_and_stylesheet_is_local_and_vendored() -> None:
    page = _render(draw=True)
    assert external_urls(page) == []
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert srcs, "the page loads no asset at all"
    for url in srcs:
        assert url.startswith(ASSETS + "/"), url
        assert (ASSET_DIR / url.removeprefix(ASSETS + "/")).is_file(), url
    # The plugins the planner uses are all there.
    for name in ("leaflet.js", "Control.FullScreen.js", "leaflet-measure.min.js",
                 "leaflet.draw.js"):
        assert any(u.endswith(name) for u in srcs), name


def test_vendored_css_references_resolve() -> None:
    for css in ASSET_DIR.rglob("*.css"):
        for ref in re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", css.read_text()):
            if ref.startswith(("#", "data:")):
                continue
            assert not ref.startswith(("http:", "https:", "//")), (css, ref)
            assert (css.parent / ref).is_file(), (css, ref)


def test_vendored_readme_lists_every_package() -> None:
    readme = (ASSET_DIR / "README.md").read_text()
    for d in sorted(p for p in ASSET_DIR.iterdir() if p.is_dir()):
        assert d.name in readme, d.name


def test_uploaded_text_is_escaped_everywhere() -> None:
    p = _plan_like()
    p["communities"].loc["C01", "name"] = XSS
    p["facilities"].loc["F0", "name"] = XSS
    p["zones"].loc[0, "zone_id"] = "<b>Z</b>"
    m = build_map(p["communities"], zones=p["zones"], facilities=p["facilities"],
                  asset_url=ASSETS)
    page = map_html(m)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.replace("\\u0026", "&")
    assert "<b>Z</b>" not in page


def test_no_tiles_unless_a_basemap_is_picked() -> None:
    assert "tile.openstreetmap.org" not in _render()
    assert "tile.openstreetmap.org" in _render(basemap="osm")
    page = _render(basemap="tianditu", tianditu_key="KEY123")
    assert "tianditu.gov.cn" in page and "tk=KEY123" in page


def test_bad_basemap_choices_are_refused() -> None:
    with pytest.raises(PlanningInputError, match="key"):
        build_map(block_grid(1), basemap="tianditu")
    with pytest.raises(PlanningInputError, match="basemap"):
        build_map(block_grid(1), basemap="google")  # type: ignore[arg-type]


def test_amap_shifts_layers_to_gcj02() -> None:
    from geo.crs import wgs84_to_gcj02

    g = block_grid(1)
    plain = prepare_layer(g, tolerance_m=0)
    shifted = prepare_layer(g, tolerance_m=0, datum="gcj02")
    x0, y0 = np.asarray(plain.geometry.iloc[0].exterior.coords)[0]
    x1, y1 = np.asarray(shifted.geometry.iloc[0].exterior.coords)[0]
    ex, ey = wgs84_to_gcj02(np.array([x0]), np.array([y0]))
    assert (x1, y1) == pytest.approx((float(np.ravel(ex)[0]), float(np.ravel(ey)[0])), abs=2e-6)
    # GCJ-02 moves points in China by a few hundred metres.
    shift_m = np.hypot((x1 - x0) * 92_000, (y1 - y0) * 111_000)
    assert 100 < shift_m < 1000


def test_prepare_layer_simplifies_in_metres_and_rounds() -> None:
    # A 100 m square with a 0.3 m notch in one side: 1 m tolerance removes it, 0 keeps it.
    x, y = ORIGIN_X, ORIGIN_Y
    notched = Polygon([(x, y), (x + 50, y), (x + 50.5, y + 0.3), (x + 51, y), (x + 100, y),
                       (x + 100, y + 100), (x, y + 100)])
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[notched], crs=CRS_GK,
                           index=pd.Index(["C1"], name="community_id"))
    kept = prepare_layer(gdf, tolerance_m=0)
    simple = prepare_layer(gdf, tolerance_m=1.0)
    assert len(kept.geometry.iloc[0].exterior.coords) == 8
    assert len(simple.geometry.iloc[0].exterior.coords) == 5
    assert simple.crs.to_epsg() == 4326 and simple.index.tolist() == ["C1"]
    coords = np.asarray(simple.geometry.iloc[0].exterior.coords)
    assert np.allclose(coords, np.round(coords, 6), atol=0, rtol=0)
    assert list(simple.columns) == ["geometry"]  # attributes only when asked


def test_prepare_layer_remembers_a_layer_by_content(monkeypatch) -> None:
    import geo.webmap

    simplified = []
    real = gpd.GeoSeries.simplify
    monkeypatch.setattr(gpd.GeoSeries, "simplify",
                        lambda self, *a, **k: simplified.append(1) or real(self, *a, **k))
    monkeypatch.setattr(geo.webmap, "_PREPARED", {})
    g = block_grid(2)
    first = prepare_layer(g, columns=["name"], tolerance_m=1.0)
    again = prepare_layer(g.copy(), columns=["name"], tolerance_m=1.0)
    assert len(simplified) == 1  # the same content: prepared once
    pd.testing.assert_frame_equal(again, first)
    first.loc["C00", "name"] = "edited"  # a caller's edit does not reach the next caller
    assert prepare_layer(g, columns=["name"], tolerance_m=1.0).loc["C00", "name"] != "edited"
    # another value, column, tolerance, datum or dtype: prepared anew, and right
    renamed = g.assign(name=g["name"].where(g.index != "C01", "新名字"))
    assert prepare_layer(renamed, columns=["name"], tolerance_m=1.0).loc["C01", "name"] == "新名字"
    prepare_layer(g, columns=["name", "households"], tolerance_m=1.0)
    prepare_layer(g, columns=["name"], tolerance_m=2.0)
    prepare_layer(g, columns=["name"], tolerance_m=1.0, datum="gcj02")
    ints = prepare_layer(g.assign(households=100), columns=["households"], tolerance_m=1.0)
    floats = prepare_layer(g.assign(households=100.0), columns=["households"], tolerance_m=1.0)
    assert ints["households"].dtype == int and floats["households"].dtype == float
    assert len(simplified) == 7


def test_prepare_layer_simplifies_geographic_input_in_metres() -> None:
    g = block_grid(1).to_crs(4326)
    out = prepare_layer(g, tolerance_m=1.0)
    assert out.geometry.iloc[0].is_valid and len(out.geometry.iloc[0].exterior.coords) == 5


def test_prepare_layer_simplifies_lon_lat_outside_china_in_its_utm_zone() -> None:
    # the notched square in Helsinki (ETRS-TM35FIN), read in lon/lat: no CGCS2000 zone holds
    # it, yet the map shows it, simplified in metres all the same
    x, y = 385_000.0, 6_672_000.0
    notched = Polygon([(x, y), (x + 50, y), (x + 50.5, y + 0.3), (x + 51, y), (x + 100, y),
                       (x + 100, y + 100), (x, y + 100)])
    gdf = gpd.GeoDataFrame(geometry=[notched], crs="EPSG:3067").to_crs(4326)
    out = prepare_layer(gdf, tolerance_m=1.0)
    assert len(out.geometry.iloc[0].exterior.coords) == 5
    assert out.geometry.iloc[0].centroid.x == pytest.approx(24.93, abs=0.01)


def test_holes_and_multipart_compounds_survive() -> None:
    x, y = ORIGIN_X, ORIGIN_Y
    courtyard = Polygon(box(x, y, x + 100, y + 100).exterior.coords,
                        [box(x + 40, y + 40, x + 60, y + 60).exterior.coords])
    two = MultiPolygon([box(x + 200, y, x + 250, y + 50), box(x + 300, y, x + 350, y + 50)])
    gdf = gpd.GeoDataFrame({"households": [10, 20]}, geometry=[courtyard, two], crs=CRS_GK,
                           index=pd.Index(["C1", "C2"], name="community_id"))
    out = prepare_layer(gdf, columns=["households"])
    assert len(out.geometry.iloc[0].interiors) == 1
    assert out.geometry.iloc[1].geom_type == "MultiPolygon" and len(out.geometry.iloc[1].geoms) == 2
    assert out["households"].tolist() == [10, 20]


def test_layer_without_crs_is_refused() -> None:
    g = block_grid(1).set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        prepare_layer(g)


def test_zone_polygons_are_drawn_once_each_with_their_class() -> None:
    p = _plan_like()
    page = map_html(build_map(p["communities"], zones=p["zones"], asset_url=ASSETS))
    layers = _geojson_layers(page)
    zone_layers = [fc for fc in layers if fc["features"]
                   and set(fc["features"][0]["properties"]) >= {"zone_id", "n_communities"}]
    assert len(zone_layers) == 1
    assert sorted(f["properties"]["zone_id"] for f in zone_layers[0]["features"]) == ["Z001",
                                                                                       "Z002"]
    assert page.count('"className": "pianqu-zone"') >= 1
    # One label per zone, inside it, its id escaped into the label's HTML.
    rows = json.loads(re.search(r"var rows = (\[.*?\]);\n", page).group(1))
    assert [re.sub("<[^>]+>", "", r[2]) for r in rows] == ["Z001", "Z002"]
    zones = p["zones"].to_crs(4326).set_index("zone_id")
    for lat, lon, label in rows:
        assert zones.geometry[re.sub("<[^>]+>", "", label)].contains(Point(lon, lat))


def test_compound_tooltips_carry_name_households_year_zone_and_minutes() -> None:
    p = _plan_like()
    page = map_html(build_map(p["communities"], asset_url=ASSETS))
    fc = next(fc for fc in _geojson_layers(page) if len(fc["features"]) == 16)
    props = {f["properties"]["community_id"]: f["properties"] for f in fc["features"]}
    assert props["C00"]["zone_id"] == "建成于2005年"  # excluded: the reason is shown
    assert props["C02"]["zone_id"] in ("Z001", "Z002")
    assert props["C01"]["walk_minutes_elderly_care"] == "—"  # missing minutes
    expected = f"{np.linspace(1, 20, 16)[5]:.1f}"
    assert props["C11"]["walk_minutes_elderly_care"] == expected
    assert props["C11"]["households"] == "200" and props["C11"]["built_year"] == "1990"
    assert _has_text(page, "户数") and _has_text(page, "建成年代")  # aliases from geo.schema
    page_en = map_html(build_map(p["communities"], asset_url=ASSETS, lang="en"))
    assert _has_text(page_en, "Households") and _has_text(page_en, "Built year")
    assert not _has_text(page_en, "户数")


def test_uncovered_compounds_get_a_red_outline() -> None:
    p = _plan_like()
    flag = pd.Series(False, index=p["communities"].index)
    flag[["C10", "C20"]] = True
    page = map_html(build_map(p["communities"], uncovered=flag, asset_url=ASSETS))
    fc = next(fc for fc in _geojson_layers(page) if len(fc["features"]) == 16)
    marked = sorted(f["properties"]["community_id"] for f in fc["features"]
                    if f["properties"]["_u"])
    assert marked == ["C10", "C20"]


def test_completeness_fill_colours_compounds_by_kinds_within_reach() -> None:
    p = _plan_like()
    c = p["communities"]
    done = pd.Series(np.arange(len(c)) % 7, index=c.index)  # 0..6 of 6 kinds
    done["C01"] = np.nan  # unknown: neutral, not "none"
    page = map_html(build_map(c, zones=p["zones"], fill=completeness_fill(done, 6),
                              asset_url=ASSETS))
    fc = next(fc for fc in _geojson_layers(page) if len(fc["features"]) == 16)
    props = {f["properties"]["community_id"]: f["properties"] for f in fc["features"]}
    fills = {props[i]["_fill"]: props[i]["_c"] for i in c.index if i != "C01"}
    assert fills["0/6 类达标"] == "#d73027" and fills["6/6 类达标"] == "#1a9850"
    assert len(set(fills.values())) == 7  # one colour per step, none shared
    assert props["C01"]["_fill"] == "—" and props["C01"]["_c"] == "#9ecae1"
    assert props["C00"]["_c"] == fills["0/6 类达标"]  # excluded from zones, still filled
    # the legend runs from all kinds to none; the zone colours' legend entries are gone
    legend = page[page.index("pianqu-legend"):]
    order = [legend.find(json.dumps(f"{k}/6 类达标")[1:-1]) for k in range(6, -1, -1)]
    assert all(i > 0 for i in order) and order == sorted(order)
    assert not _has_text(legend, "不纳入改造")
    assert _has_text(page, "生活圈完备度")  # the tooltip line's name
    en = completeness_fill(done, 6, "en")
    assert en.text.iloc[8] == "1 of 6 kinds within reach" and en.label == "Life-circle completeness"


def test_empty_and_missing_layers_still_give_a_map() -> None:
    empty = block_grid(1).iloc[:0]
    for m in (build_map(asset_url=ASSETS), build_map(empty, zones=empty, asset_url=ASSETS)):
        page = map_html(m)
        assert "leaflet.js" in page and external_urls(page) == []


def test_icons_differ_by_kind_and_need_no_webfont() -> None:
    svgs = {k: kind_icon_svg(k) for k in ("elderly_care", "ev_charger", "parking")}
    assert len(set(svgs.values())) == 3
    assert all(s.startswith("<svg") for s in svgs.values())
    assert kind_icon_svg("parking", planned=True) != svgs["parking"]
    page = _render()
    assert "font-awesome" not in page and "glyphicon" not in page and "bootstrap" not in page


def test_zone_colours_are_stable_whatever_the_order() -> None:
    assert zone_colors(["Z003", "Z001", "Z002"]) == zone_colors(["Z001", "Z002", "Z003"])
    assert len(set(zone_colors([f"Z{i:03d}" for i in range(14)]).values())) == 14


@pytest.mark.slow
def test_five_thousand_compounds_stay_under_five_megabytes(tmp_path: Path) -> None:
    g = block_grid(71, block=60.0, street=12.0)  # 5,041 compounds
    assert len(g) >= 5000
    g["zone_id"] = [f"Z{(i // 40) + 1:03d}" for i in range(len(g))]
    g["excluded_reason"] = None
    for kind in ("elderly_care", "ev_charger", "parking", "clinic", "market", "kindergarten"):
        g[f"walk_minutes_{kind}"] = np.linspace(0.5, 30.0, len(g))
    zones = g.dissolve("zone_id", aggfunc={"households": "sum"}).assign(
        n_communities=40).reset_index()
    page = map_html(build_map(g, zones=zones, asset_url=ASSETS))
    size = len(page.encode("utf-8"))
    (tmp_path / "map5000.html").write_text(page)
    assert size < 5 * 1024 * 1024, f"{size / 1e6:.2f} MB"


def test_compound_tooltips_say_why_and_how_in_the_maps_language() -> None:
    p = _plan_like()
    g = p["communities"]
    g["excluded_reason_en"] = None
    g.loc["C00", "excluded_reason_en"] = "built in 2005"
    g["zone_note"] = None
    g["zone_note_en"] = None
    g.loc["C03", ["zone_note", "zone_note_en"]] = ["孤立组团，跨118 m并入Z002",
                                                   "joined Z002 across 118 m"]

    def tips(lang: str) -> dict[str, str]:
        page = map_html(build_map(g, asset_url=ASSETS, lang=lang))  # type: ignore[arg-type]
        fc = next(fc for fc in _geojson_layers(page) if len(fc["features"]) == 16)
        return {f["properties"]["community_id"]: f["properties"]["zone_id"]
                for f in fc["features"]}

    zh, en = tips("zh"), tips("en")
    zone = g.loc["C03", "zone_id"]
    assert zh["C00"] == "建成于2005年" and en["C00"] == "built in 2005"
    assert zh["C03"] == f"{zone}（孤立组团，跨118 m并入Z002）"
    assert en["C03"] == f"{zone} (joined Z002 across 118 m)"
    assert zh["C02"] == g.loc["C02", "zone_id"]  # no note: the zone alone


def _geojson_children(m: folium.Map) -> list[folium.GeoJson]:
    out, todo = [], [m]
    while todo:
        elem = todo.pop()
        todo.extend(elem._children.values())
        if isinstance(elem, folium.GeoJson):
            out.append(elem)
    return out


def test_layer_bounds_are_those_of_their_coordinates() -> None:
    # the layers give their bounds instead of walking their coordinates; folium's walk is the
    # reference
    p = _plan_like()
    m = build_map(p["communities"], zones=p["zones"], service_areas=p["service_areas"],
                  gaps=p["gaps"], sites=p["facilities"].rename_axis("site_id"),
                  asset_url=ASSETS)
    layers = _geojson_children(m)
    assert len(layers) == 5
    for layer in layers:
        want = folium.utilities.get_bounds(layer.data, lonlat=True)
        assert np.allclose(layer.get_bounds(), want, atol=1e-9), layer.layer_name
    nothing = {"type": "FeatureCollection", "features": []}
    assert CompactGeoJson(nothing, bounds=[np.nan] * 4).get_bounds() == \
        folium.utilities.get_bounds(nothing, lonlat=True)


def test_a_layers_script_defines_it_before_it_is_added_or_given_a_tooltip() -> None:
    page = _render()
    names = re.findall(r"var (geo_json_[0-9a-f]+) = L\.geoJson", page)
    assert len(names) == 5
    added = tooltips = 0
    for name in names:
        defined = page.index(f"var {name} = L.geoJson")
        assert defined < page.index(f"{name}_add({{")
        if f"{name}.addTo(" in page:  # the candidate sites start hidden
            added += 1
            assert defined < page.index(f"{name}.addTo(")
        if f"{name}.bindTooltip(" in page:
            tooltips += 1
            assert defined < page.index(f"{name}.bindTooltip(")
    assert added == 4
    assert tooltips == 4  # all but the gaps


def _layer_scripts(page: str) -> list[str]:
    """Each layer's style function and features, in page order."""
    return re.findall(r"function geo_json_[0-9a-f]+_styler\(feature\) \{.*?\n        \}\n"
                      r"|geo_json_[0-9a-f]+_add\(\{.*?\}\);\n", page, flags=re.S)


def test_a_map_rendered_again_keeps_its_layers_styles_and_features() -> None:
    # streamlit-folium renders a map twice before drawing it; the style maps are made once
    p = _plan_like()
    m = build_map(p["communities"], zones=p["zones"], service_areas=p["service_areas"],
                  gaps=p["gaps"], uncovered=pd.Series(True, index=p["communities"].index[:3]),
                  asset_url=ASSETS)
    first = _layer_scripts(map_html(m))
    m.render()
    assert _layer_scripts(map_html(m)) == first
    assert len(first) == 8  # four layers, each with its style function and its features
    styles = " ".join(first)
    assert styles.count('"color": "#d7191c"') >= 1  # the uncovered outlines survive the cache


def test_features_are_written_compactly_with_chinese_as_is() -> None:
    page = _render()
    p = _plan_like()
    layers = _geojson_layers(page)
    compounds = next(fc for fc in layers if "community_id" in fc["features"][0]["properties"])
    assert [f["properties"]["community_id"] for f in compounds["features"]] == \
        list(p["communities"].index)
    raw = re.search(r"geo_json_[0-9a-f]+_add\((\{.*?\})\);\n", page).group(1)
    assert ", " not in raw and '": ' not in raw
    assert "建成于2005年" in page  # the excluded compound's reason, not \\u escapes


def test_the_map_opens_on_the_compounds_even_with_a_facility_far_away() -> None:
    # a facility 65 km off (a typo in its coordinates) made every map a dot of a district
    p = _plan_like()
    far = pd.concat([p["facilities"], points([(65_000, 0)], prefix="FAR")])
    fitted = []
    for fac in (p["facilities"], far):
        m = build_map(p["communities"], facilities=fac, service_areas=p["service_areas"],
                      asset_url=ASSETS)
        fit = [c for c in m._children.values() if isinstance(c, folium.map.FitBounds)]
        assert len(fit) == 1
        fitted.append(np.array(fit[0].bounds, dtype=float))
    lon0, lat0, lon1, lat1 = p["communities"].to_crs(4326).total_bounds
    for b in fitted:
        np.testing.assert_allclose(b, [[lat0, lon0], [lat1, lon1]], atol=1e-4)
    # the far facility is still drawn, with the others
    page = map_html(build_map(p["communities"], facilities=far, asset_url=ASSETS))
    assert _has_text(page, "FAR0")
    # with no compounds, the map fits what there is
    m = build_map(None, facilities=far, asset_url=ASSETS)
    fit = next(c for c in m._children.values() if isinstance(c, folium.map.FitBounds))
    lon0, lat0, lon1, lat1 = far.to_crs(4326).total_bounds
    np.testing.assert_allclose(np.array(fit.bounds, dtype=float), [[lat0, lon0], [lat1, lon1]],
                               atol=1e-4)


def test_facility_tooltips_name_the_id_in_the_maps_language() -> None:
    p = _plan_like()
    planned = p["planned"].rename_axis("planned_id")
    for lang, word in (("zh", "编号"), ("en", "ID")):
        page = map_html(build_map(p["communities"], planned=planned, asset_url=ASSETS,
                                  lang=lang))  # type: ignore[arg-type]
        assert _has_text(page, f"{word}: P0")
        assert not _has_text(page, "planned_id")  # the column's own name is not for people


def _aliases(page: str) -> list[list[str]]:
    """The labels of every GeoJSON tooltip on the page, layer by layer."""
    return [json.loads(a) for a in re.findall(r"let aliases = (\[.*?\]);", page)]


def _t(lang: str, key: str) -> str:
    return webmap._TEXT[key][lang]


def _tooltips(page: str) -> list[str]:
    """The tooltip HTML of every facility marker on the page (rows of lat, lon, icon, HTML)."""
    out = [r[3] for match in re.finditer(r"(\[\[.*?\]\])\.forEach\(function \(r\)", page)
           for r in json.loads(match.group(1))]
    assert out, "no facility markers on the page"
    return out


def test_planned_facility_tooltips_give_the_site_id_and_capacities_their_unit() -> None:
    # "ID: S036:elderly_care" (the kind is shown already) and "Capacity: 698" in no unit
    p = _plan_like()
    planned = p["planned"].assign(site_id="S036", kind="elderly_care", capacity=1250.0)
    planned.index = pd.Index(["S036:elderly_care"], name="planned_id")
    fac = p["facilities"].assign(capacity=698.0)
    for lang, words in (("zh", ["编号: S036</small>", "容量: 1,250 平方米建筑面积",
                                "容量: 698 平方米建筑面积"]),
                        ("en", ["ID: S036</small>", "Capacity: 1,250 m² floor area",
                                "Capacity: 698 m² floor area"])):
        page = map_html(build_map(facilities=fac, planned=planned, asset_url=ASSETS,
                                  lang=lang))  # type: ignore[arg-type]
        tips = "\n".join(_tooltips(page))
        for word in words:
            assert word in tips, (word, tips)
        assert "S036:elderly_care" not in tips


def test_legend_service_areas_and_zone_tooltips_read_as_the_printed_maps() -> None:
    p = _plan_like()
    p["zones"]["households"] = [1056, 23400]
    for lang, planned, within, area in (("zh", "充电桩（规划）", "步行10分钟内", "服务范围"),
                                        ("en", "EV charger (planned)", "Within 10 min",
                                         "Service area")):
        page = _render(lang=lang)
        assert _has_text(page, planned)
        assert not _has_text(page, "（规划设施）") and not _has_text(page, "(Planned facilities)")
        rings = next(fc for fc in _geojson_layers(page)
                     if fc["features"] and "_c" in fc["features"][0]["properties"]
                     and "minutes" in fc["features"][0]["properties"])
        assert within in [f["properties"]["minutes"] for f in rings["features"]]
        assert [_t(lang, "kind"), area] in _aliases(page)  # the tooltip's label for it
        m = build_map(p["communities"], zones=p["zones"], asset_url=ASSETS, lang=lang)
        zones = next(fc for fc in _geojson_layers(map_html(m)) if fc["features"]
                     and "n_communities" in fc["features"][0]["properties"])
        assert [f["properties"]["households"] for f in zones["features"]] == ["1,056",
                                                                              "23,400"]


def test_chinese_maps_name_ids_and_site_names_in_chinese() -> None:
    p = _plan_like()
    sites = p["facilities"].rename_axis("site_id").assign(kinds="parking", name="空地1号")
    page = map_html(build_map(p["communities"], sites=sites, asset_url=ASSETS))
    parsed = _aliases(page)
    site_tip = next(a for a in parsed if len(a) == 2 and "候选点名称" in a)
    assert site_tip == ["编号", "候选点名称"]  # not "ID" and the compounds' 小区名称
    compound_tip = next(a for a in parsed if "户数" in a)
    assert compound_tip[0] == "编号"
    page_en = map_html(build_map(p["communities"], sites=sites, asset_url=ASSETS, lang="en"))
    assert ["ID", "Name"] in _aliases(page_en)


def test_the_draw_toolbar_speaks_the_maps_language() -> None:
    p = _plan_like()
    for lang, marker, delete in (("zh", "画点（候选点）", "没有可删除的图形"),
                                 ("en", "Draw a point (a candidate site)", "No shapes to delete")):
        page = map_html(build_map(p["communities"], draw=True, asset_url=ASSETS,
                                  lang=lang))  # type: ignore[arg-type]
        assert _has_text(page, marker) and _has_text(page, delete)
        # the words reach L.drawLocal before the toolbar, which reads them, is made
        assert page.index("L.drawLocal") < page.index("new L.Control.Draw")
    # both languages set the same words, so none of one is left after a map in the other
    from geo.webmap_elements import DRAW_WORDS as _DRAW_WORDS

    def keys(d: dict, at: str = "") -> set[str]:
        return {k for key, v in d.items()
                for k in (keys(v, f"{at}.{key}") if isinstance(v, dict) else {f"{at}.{key}"})}

    assert keys(_DRAW_WORDS["zh"]) == keys(_DRAW_WORDS["en"])
