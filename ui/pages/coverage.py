"""15分钟生活圈 — per-kind reach: rings, uncovered compounds, gaps, charts, click for minutes."""

from __future__ import annotations

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from shapely.geometry import Point

from geo.crs import gcj02_to_wgs84
from geo.schema import FACILITY_KINDS
from geo.webmap import build_map, completeness_fill
from planning.coverage import outside_circle
from planning.siting import reason_in
from ui.i18n import column_label, kind_label, md, t
from ui.pipeline import standards_for
from ui.state import current_layers, get_params, lang, not_available, plan_or_notice
from ui.widgets import (
    basemap_choice,
    choice,
    counts_config,
    labelled,
    plan_warnings,
    show_map,
    walking_standards,
)

L = lang()
st.title(t("page_coverage", L))

std = standards_for(get_params())
plan = plan_or_notice()
if plan is None:
    st.stop()
if plan.steps.get("coverage") != "done":
    not_available("planning.coverage")
    st.stop()

_, layers = current_layers()
# straight lines, facilities ignored for their kind or far off: the numbers below depend on it
for warning in plan_warnings(plan, layers):
    st.warning(warning)

com = plan.communities
kinds = [k for k in FACILITY_KINDS if f"walk_minutes_{k}" in com.columns]
levels = [lv.minutes for lv in std.life_circle]
# kinds with no facility anywhere, existing or planned: no compound reaches them, say so
absent = [k for k in kinds if com[f"walk_minutes_{k}"].isna().all()]
view = choice("radio", t("coverage_view", L), ["kind", "completeness"], key="coverage_view",
              format_func=lambda v: t(f"coverage_view_{v}", L), horizontal=True)
basemap, tkey = basemap_choice()
outside = None  # the one kind's compounds outside its circle, listed under the map
stage = "after"  # the completeness view can show today's instead
if view == "completeness" and "completeness" in com.columns:
    # every required kind at once: how complete each compound's life circle is
    stage = choice("radio", t("stage", L), ["after", "before"], key="coverage_stage",
                   format_func=lambda v: t(f"stage_{v}", L), horizontal=True)
    # the plan's own standards: completeness counts its required kinds
    required = [k for k, spec in plan.scenario.standards.kinds.items() if spec.required]
    of = len(required)
    column = "completeness" if stage == "after" else "completeness_before"
    done = com[column] if column in com.columns else com["completeness"]
    hh = pd.to_numeric(com["households"], errors="coerce").fillna(0)
    full = com["completeness"] >= of
    full0 = com.get("completeness_before", com["completeness"]) >= of
    st.markdown(t("complete_n", L, of=of, n=f"{int(full.sum()):,}",
                  hh=f"{int(hh[full].sum()):,}",
                  share=f"{hh[full].sum() / max(hh.sum(), 1):.0%}", n0=f"{int(full0.sum()):,}",
                  hh0=f"{int(hh[full0].sum()):,}"))
    st.caption(t("complete_hint", L,
                 kinds=walking_standards(required, plan.scenario.standards)))
    missing = [k for k in required if k in absent or k not in kinds]
    if missing:  # every compound is incomplete on these
        st.warning(t("complete_missing", L, kinds=t("name_sep", L).join(
            kind_label(k, L) for k in missing)))
    # the walking minutes are the plan's: shown with it, not over today's completeness
    after = stage == "after"
    m = build_map(com, facilities=layers.get("facilities"),
                  planned=plan.planned_facilities if after else None,
                  minutes_columns=[f"walk_minutes_{k}" for k in required if k in kinds]
                  if after else [],
                  fill=completeness_fill(done, of, L), lang=L, basemap=basemap,
                  tianditu_key=tkey)
else:
    c1, c2 = st.columns(2)
    kind = choice("selectbox", t("kind", L), kinds, key="coverage_kind", container=c1,
                  format_func=lambda k: kind_label(k, L))
    default_level = std.kinds[kind].threshold_minutes if kind in std.kinds else levels[-1]
    minutes = choice("radio", t("minutes_label", L), levels, key=f"coverage_minutes_{kind}",
                     default=default_level, container=c2, horizontal=True)

    # the compounds this kind leaves outside the circle: counted here, drawn red, listed below
    outside = outside_circle(com, kind, minutes)
    uncovered = pd.Series(com.index.astype(str).isin(outside["community_id"]), index=com.index)
    st.markdown(t("uncovered_n", L, minutes=minutes, n=f"{len(outside):,}",
                  hh=f"{int(outside['households'].sum()):,}",
                  elderly=f"{int(outside['elderly'].sum()):,}"))
    if kind in absent:
        st.warning(t("kind_missing", L, kind=kind_label(kind, L)))

    sa = plan.service_areas
    sa = sa[(sa["kind"] == kind) & (sa["minutes"] <= minutes)] if len(sa) else sa
    gaps = plan.gaps
    gaps = gaps[gaps["kind"] == kind] if len(gaps) and "kind" in gaps.columns else gaps
    fac = layers.get("facilities")
    fac = fac[fac["kind"] == kind] if fac is not None and len(fac) else fac
    planned = plan.planned_facilities
    planned = planned[planned["kind"] == kind] if len(planned) else planned
    m = build_map(com, service_areas=sa, gaps=gaps, facilities=fac, planned=planned,
                  uncovered=uncovered, minutes_columns=[f"walk_minutes_{kind}"], lang=L,
                  basemap=basemap, tianditu_key=tkey, color_by_zone=False)
st.caption(t("click_hint", L))
result = show_map(m, key="map_coverage", returned_objects=["last_object_clicked"])

clicked = (result or {}).get("last_object_clicked")
if clicked and clicked.get("lat") is not None:
    lon, lat = float(clicked["lng"]), float(clicked["lat"])
    if basemap == "amap":
        x, y = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        lon, lat = float(np.ravel(x)[0]), float(np.ravel(y)[0])
    here = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(com.crs).iloc[0]
    hit = com[com.geometry.contains(here)]
    if len(hit) == 0:
        dist = com.geometry.distance(here)
        hit = com.loc[[dist.idxmin()]] if dist.min() < 5 else hit
    if len(hit):
        row = hit.iloc[0]
        name = row.get("name") or hit.index[0]
        st.subheader(t("clicked", L, name=md(name)))
        why = [row.get(f"reason_{k}") for k in kinds]
        today = {}
        if view == "completeness" and stage == "before":
            # the map shows today's completeness; the minutes are the plan's, so say both
            st.caption(t("clicked_today_hint", L))
            today = {t("covered_today", L): [bool(row.get(f"covered_{k}_before", False))
                                             for k in kinds]}
        # walking minutes, then a tick per circle the nearest facility is within
        table = pd.DataFrame({
            t("kind", L): [kind_label(k, L) for k in kinds],
            **today,
            t("walk_minutes_short", L): [row.get(f"walk_minutes_{k}") for k in kinds],
            **{t("within_minutes", L, minutes=lv): [bool(row.get(f"covered_{k}_{lv}min", False))
                                                    for k in kinds] for lv in levels},
            # why a kind has no minutes (no such facility, not on the network)
            column_label("reason", L): ["" if pd.isna(w) else reason_in(w, L) for w in why],
        })
        st.dataframe(table, hide_index=True, column_config={
            t("walk_minutes_short", L): st.column_config.NumberColumn(format="%.1f")})

if outside is not None and len(outside):
    with st.expander(t("uncovered_list", L, n=f"{len(outside):,}")):
        listed = outside.assign(reason=[reason_in(r, L) for r in outside["reason"]],
                                zone_id=outside["zone_id"].fillna(""))  # blank, not None
        listed = labelled(listed)
        st.dataframe(listed, hide_index=True, column_config={
            **counts_config(outside.columns),
            column_label("walk_minutes", L): st.column_config.NumberColumn(format="%.1f")})
        # with a BOM, so that Excel opens the Chinese as it is
        st.download_button(t("uncovered_download", L),
                           listed.to_csv(index=False).encode("utf-8-sig"),
                           file_name=t("uncovered_file", L, minutes=minutes,
                                       kind=kind_label(kind, L).replace(" ", "_")),
                           mime="text/csv", key="uncovered_csv")

st.subheader(t("coverage_chart", L))
summary = plan.coverage_after
if summary is not None and len(summary):
    data = summary.assign(
        kind_label=summary["kind"].map(lambda k: kind_label(str(k), L)),
        level=summary["minutes"].map(lambda v: f"{int(v)} {t('minutes', L)}"))
    order = [f"{lv} {t('minutes', L)}" for lv in levels]
    chart = alt.Chart(data).mark_bar().encode(
        # kinds in the table's order below (altair would sort their names)
        x=alt.X("kind_label:N", title=None, axis=alt.Axis(labelAngle=0),
                sort=list(dict.fromkeys(data["kind_label"]))),
        xOffset=alt.XOffset("level:N", sort=order),
        y=alt.Y("share:Q", title=t("share_axis", L), axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("level:N", sort=order, title=None,
                        scale=alt.Scale(range=["#1a9850", "#91cf60", "#d9ef8b"])),
        tooltip=[alt.Tooltip("kind_label:N", title=t("kind", L)),
                 alt.Tooltip("level:N", title=t("minutes", L)),
                 alt.Tooltip("share:Q", format=".1%", title=t("share_axis", L))])
    st.altair_chart(chart, width="stretch")
    st.subheader(t("coverage_table", L))
    table = summary.copy()
    table["kind"] = table["kind"].map(lambda k: kind_label(str(k), L))
    st.dataframe(labelled(table), hide_index=True, column_config={
        **counts_config(table.columns),
        column_label("share", L): st.column_config.NumberColumn(format="percent")})
