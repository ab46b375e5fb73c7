"""Reusable Streamlit pieces: the map, problem tables, tables with translated headers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
import pandas as pd
import streamlit as st

from geo.io.report import column_word, row_label
from geo.schema import LAYERS
from geo.webmap import Basemap
from ui.i18n import Lang, column_label, column_labels, kind_label, t
from ui.state import assets_ok, lang

__all__ = ["basemap_choice", "choice", "labelled", "plan_warnings", "problems_table", "show_map",
           "uploader_css", "uploader_words", "walking_standards", "counts_config",
           "COUNT_COLUMNS"]

MAP_HEIGHT = 640


def basemap_choice() -> tuple[Basemap, str | None]:
    """The basemap picked in the sidebar (``"none"`` by default) and the 天地图 key."""
    choice = st.session_state.get("basemap", "none")
    key = st.session_state.get("tianditu_key") or None
    if choice == "tianditu" and not key:
        return "none", None
    if choice not in ("none", "osm", "tianditu", "amap"):
        return "none", None
    return choice, key


def choice(widget: str, label: str, options: Sequence[Any], *, key: str,
           format_func: Any = str, default: Any = None, container: Any = None,
           **kwargs: Any) -> Any:
    """A radio or selectbox whose value survives a language switch.

    Streamlit keeps a keyed widget's option labels when only ``format_func`` changes, so the
    widget is keyed per language (``<key>_<lang>``) and its value is kept under ``key``.
    """
    where = container if container is not None else st
    current = st.session_state.get(key, default if default is not None else options[0])
    index = list(options).index(current) if current in options else 0
    make = where.radio if widget == "radio" else where.selectbox
    value = make(label, options, index=index, key=f"{key}_{lang()}", format_func=format_func,
                 **kwargs)
    st.session_state[key] = value
    return value


def show_map(m: folium.Map, *, key: str,
             returned_objects: Sequence[str] = ()) -> dict[str, Any] | None:
    """Render a folium map through streamlit-folium.

    ``returned_objects`` is empty unless a page needs a click or a drawing, so panning and zooming
    never re-run the script.
    """
    from streamlit_folium import st_folium

    if not assets_ok():
        st.error(t("assets_missing", lang()))
        return None
    result: dict[str, Any] | None = st_folium(m, key=key, height=MAP_HEIGHT,
                                              use_container_width=True,
                                              returned_objects=list(returned_objects))
    return result


#: Streamlit's file uploader, as rendered by Streamlit 1.67: its button's label and the line
#: under it ("200MB per file • GPKG, …"), which Streamlit writes in English whatever the app's
#: language.
_UPLOADER_BUTTON = ('[data-testid="stFileUploaderDropzone"] button '
                    '[data-testid="stMarkdownContainer"] p')
_UPLOADER_LIMIT = '[data-testid="stFileUploaderDropzoneInstructions"] span'


def uploader_css(language: Lang, max_mb: int) -> str:
    """CSS that puts the uploader's button label and size line in ``language`` (none in English).

    Streamlit has no setting for these words; the English text is shrunk to nothing and the
    translation drawn after it. The accepted file types, which the line also listed (cut off
    in narrow columns), are in the page's caption above the uploaders.

    Examples
    --------
    >>> uploader_css("en", 200)
    ''
    >>> "上传" in uploader_css("zh", 200) and "200 MB" in uploader_css("zh", 200)
    True
    """
    if language == "en":
        return ""
    words = {_UPLOADER_BUTTON: t("uploader_button", language),
             _UPLOADER_LIMIT: t("uploader_limit", language, mb=max_mb)}
    return "\n".join(f'{sel} {{font-size: 0 !important;}}\n'
                     f'{sel}::after {{content: "{text}"; font-size: 0.875rem;}}'
                     for sel, text in words.items())


def uploader_words(max_mb: int) -> None:
    """Relabel Streamlit's file uploaders on this page in the app's language."""
    css = uploader_css(lang(), max_mb)
    if css:
        st.html(f"<style>{css}</style>")


def walking_standards(kinds: Iterable[str], standards: Any) -> str:
    """Each kind with its walking standard in the app's language, e.g. '养老服务设施 10 分钟'."""
    L = lang()
    return t("name_sep", L).join(
        f"{kind_label(k, L)} {standards.kinds[k].threshold_minutes:g} {t('minutes', L)}"
        for k in kinds if k in standards.kinds)


def problems_table(problems: Iterable[Any], *, max_rows: int = 30) -> None:
    """Validation problems as a table naming column, rows and what is wrong (escaped text).

    A static table, whose cells wrap: the end of a long message is what to do (the CRS to
    declare, the encoding to give), which a scrolling grid cuts off. At most ``max_rows`` row
    ids per problem, then how many more.
    """
    L = lang()
    rows = []
    for p in problems:
        ids = [row_label(str(r), L) for r in p.rows]
        shown = t("name_sep", L).join(ids[:max_rows])
        if len(ids) > max_rows:
            shown += t("and_more", L, n=len(ids) - max_rows)
        rows.append({"column": _problem_column(str(p.column), L), "rows": shown,
                     "message": p.message})
    frame = labelled(pd.DataFrame(rows, columns=["column", "rows", "message"]))
    st.table(frame.set_index(frame.columns[0]))


def _problem_column(column: str, L: Lang) -> str:
    """A problem's column in words: ``communities.crs`` → 小区 · 坐标系, ``households`` → 户数."""
    layer, _, name = column.rpartition(".")
    word = column_word(name, L) or column_label(name, L, layer=layer or None)
    return f"{t(f'layer_{layer}', L)} · {word}" if layer in LAYERS else word


#: Counts and amounts shown with thousands separators (1,224,547 户 rather than 1224547; the
#: siting page's 15,096 parking spaces left unserved).
COUNT_COLUMNS = frozenset({"households", "population", "households_covered", "households_total",
                           "elderly_covered", "elderly_total", "households_served",
                           "compounds", "unserved", "elderly"})


def counts_config(columns: Iterable[Any], *, layer: str | None = None) -> dict[str, Any]:
    """Column settings that group the digits of counts, keyed by the columns' labels.

    ``columns`` are the table's columns before :func:`labelled` renames them; anything else
    (years, ids, shares) is left as Streamlit shows it.
    """
    names = [str(c) for c in columns]
    labels = column_labels(names, lang(), layer=layer)
    return {labels[c]: st.column_config.NumberColumn(format="localized")
            for c in names if c in COUNT_COLUMNS}


def labelled(df: pd.DataFrame, *, layer: str | None = None) -> pd.DataFrame:
    """The same table with Chinese/English column headers (geo.schema labels of ``layer``)."""
    out = df.rename(columns=column_labels([str(c) for c in df.columns], lang(), layer=layer))
    if out.index.name:
        name = str(out.index.name)
        out.index.name = column_labels([name], lang(), layer=layer)[name]
    return out


#: A facility or candidate site further than this from every compound is probably misplaced
#: (a typo in its coordinates): the walking standards reach 1-2 km at most.
FAR_KM = 5.0


def plan_warnings(plan: Any, layers: dict[str, Any], *, sites: bool = False) -> list[str]:
    """What the plan's pages must say about its inputs, in the app's language.

    Straight-line distances (no streets, or an empty streets layer), facilities of kinds the
    standards do not use (ignored), and facilities (and, with ``sites``, candidate sites)
    further than :data:`FAR_KM` from every compound, by id.
    """
    import numpy as np
    import shapely

    L = lang()
    out: list[str] = []
    method = plan.communities.get("distance_method")
    if method is not None and len(method) and str(method.iloc[0]) != "network":
        streets = layers.get("streets")
        why = "streets_none" if streets is None else "streets_empty"
        out.append(t("straight_line_note", L, why=t(why, L),
                     f=f"{plan.scenario.standards.walking.detour_factor:g}"))
    fac = layers.get("facilities")
    used = set(plan.scenario.standards.kinds)
    if fac is not None and len(fac) and "kind" in fac.columns:
        odd = fac[~fac["kind"].astype(str).isin(used)]
        if len(odd):
            items = t("name_sep", L).join(f"{i}（{k}）" if L == "zh" else f"{i} ({k})"
                                          for i, k in zip(odd.index[:10], odd["kind"][:10],
                                                          strict=True))
            out.append(t("ignored_kinds", L, n=f"{len(odd):,}",
                         items=items + (" …" if len(odd) > 10 else "")))
    tree = shapely.STRtree(np.asarray(plan.communities.geometry.values, dtype=object))
    for name, gdf in (("facilities", fac), ("sites", layers.get("sites") if sites else None)):
        if gdf is None or not len(gdf) or not len(plan.communities):
            continue
        pts = np.asarray(gdf.to_crs(plan.crs).geometry.values, dtype=object)
        ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
        if not ok.any():
            continue
        _, dist = tree.query_nearest(pts[ok], return_distance=True, all_matches=False)
        far = dist > FAR_KM * 1000
        if far.any():
            ids = gdf.index[ok][far]
            km = dist[far]
            items = t("name_sep", L).join(f"{i} {d / 1000:.1f} km" for i, d in
                                          zip(ids[:10], km[:10], strict=True))
            out.append(t("far_points", L, layer=t(f"far_{name}", L), n=f"{far.sum():,}",
                         km=f"{FAR_KM:g}", items=items + (" …" if far.sum() > 10 else "")))
    return out
