"""设施选址 — demand ratios, budget and counts; planned facilities; before/after; drawn sites."""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import mapping, shape

from geo.crs import shift_datum
from geo.schema import FACILITY_KINDS
from geo.webmap import build_map
from planning.export_tables import solver_words, unserved_sheet
from planning.siting import reason_in, unserved_summary
from ui.i18n import column_label, kind_label, kind_unit, md, t
from ui.pipeline import standards_for
from ui.state import current_layers, get_params, lang, not_available, plan_or_notice, set_params
from ui.widgets import (
    basemap_choice,
    counts_config,
    labelled,
    plan_warnings,
    show_map,
    walking_standards,
)

L = lang()
st.title(t("page_siting", L))

params = get_params()
std = standards_for(params)
# every widget keyed: unkeyed, a widget whose value comes from the parameters is a new widget
# once they change, and the browser dropped every second edit of the form
with st.form("siting_params"):
    c1, c2 = st.columns(2)
    c1.subheader(t("demand_ratios", L))
    elderly = c1.number_input(t("elderly_m2", L), min_value=0.0, max_value=500.0,
                              value=float(std.demand.elderly_care_m2_per_100_households),
                              step=1.0, key="siting_elderly_m2")
    # in percent, as the zoning page's consent rate; kept as a fraction
    ev_share = c1.slider(t("ev_share", L), min_value=0.0, max_value=100.0,
                         value=float(round(std.demand.ev_share * 100, 2)), step=1.0,
                         format="%.0f%%", key="siting_ev_share") / 100
    parking = c1.number_input(t("parking_ratio", L), min_value=0.0, max_value=5.0,
                              value=float(std.demand.parking_spaces_per_household), step=0.05,
                              key="siting_parking")
    c2.subheader(t("siting_limits", L))
    models = ["mclp", "capacitated", "min_sites"]
    model = c2.radio(t("siting_model", L), models,
                     index=models.index(params.get("model") or "mclp"),
                     format_func=lambda v: t(f"model_{v}", L), key=f"siting_model_{L}",
                     help=t("model_hint", L))
    budget = c2.number_input(t("budget", L), min_value=0.0, max_value=1e7,
                             value=float(params.get("budget_wan") or 0.0), step=100.0,
                             format="%.1f", key="siting_budget")
    max_sites = c2.number_input(t("max_sites", L), min_value=0, max_value=10_000,
                                value=int(params.get("max_sites") or 0), step=1,
                                key="siting_max_sites")
    if st.form_submit_button(t("run_plan", L), type="primary"):
        overrides = dict(params.get("standards", {}))
        overrides["demand"] = {**dict(overrides.get("demand", {})),
                               "elderly_care_m2_per_100_households": float(elderly),
                               "ev_share": round(float(ev_share), 6),
                               "parking_spaces_per_household": float(parking)}
        set_params(standards=overrides, model=model, budget_wan=float(budget) or None,
                   max_sites=int(max_sites) or None)

user_sites: list[dict[str, Any]] = list(st.session_state.get("user_sites", []))
if user_sites:  # before the run, so the planner can always take drawn sites back out
    c1, c2 = st.columns([3, 1])
    c1.info(t("user_sites", L, n=len(user_sites)))
    if c2.button(t("clear_sites", L)):
        st.session_state["user_sites"] = []
        st.rerun()

plan = plan_or_notice()
if plan is None:
    st.stop()
status = str(plan.steps.get("siting", ""))
if status.startswith("not run"):  # nothing to site: no compound is in a zone
    st.info(t("siting_not_run", L))
    st.stop()
if not status.startswith("done"):
    not_available("planning.siting")
else:  # "done (heuristic, gap 0.33%)": the solver's status in the page's language, the gap
    solver, _, gap = status.removeprefix("done").strip(" ()").partition(", gap ")
    st.caption(t("status_line", L, status=solver_words(solver, gap or None, L) if solver
                 else ""))
# what the run decided that the map does not show: generated candidates, the standards'
# capacity or cost for a site that gave none, the fewest sites for want of a budget or count
for note in plan.notes:
    st.caption(md(reason_in(note, L)))
# the fewest sites take no budget or count (ui.pipeline drops them): say so, with the values
ran = get_params()  # as the plan was run (the form above may have just changed them)
ignored = []
if ran.get("budget_wan"):
    ignored.append(t("ignored_budget", L, v=f"{ran['budget_wan']:,g}"))
if ran.get("max_sites"):
    ignored.append(t("ignored_count_one" if ran["max_sites"] == 1 else "ignored_count", L,
                     v=f"{ran['max_sites']:,}"))
if ran.get("model") == "min_sites" and ignored:
    st.caption(t("min_sites_ignores_one" if len(ignored) == 1 else "min_sites_ignores", L,
                 what=t("and", L).join(ignored)))

basemap, tkey = basemap_choice()
_, layers = current_layers()
for warning in plan_warnings(plan, layers, sites=True):
    st.warning(warning)

m = build_map(plan.communities, zones=plan.zones, facilities=layers.get("facilities"),
              planned=plan.planned_facilities, sites=plan.scenario.layers.get("sites"),
              minutes_columns=[], lang=L, basemap=basemap, tianditu_key=tkey, draw=True,
              show_sites=True)
st.caption(t("draw_hint", L))
result = show_map(m, key="map_siting", returned_objects=["last_active_drawing"])

drawing = (result or {}).get("last_active_drawing")
added = {json.dumps(f.get("drawn"), sort_keys=True) for f in user_sites}
if drawing and drawing.get("geometry", {}).get("type") in ("Point", "Polygon") and \
        json.dumps(drawing["geometry"], sort_keys=True) not in added:
    geometry = dict(drawing["geometry"])
    if basemap == "amap":  # drawn on GCJ-02 tiles: back to WGS84
        g = gpd.GeoDataFrame(geometry=[shape(geometry)], crs="EPSG:4326")
        geometry = dict(mapping(shift_datum(g, source="gcj02", target="wgs84").geometry.iloc[0]))
    with st.form("drawn_site"):
        st.subheader(t("drawn_site", L))
        kinds = st.multiselect(t("drawn_kinds", L), options=list(FACILITY_KINDS),
                               default=["ev_charger"],
                               format_func=lambda k: kind_label(k, L),
                               placeholder=t("drawn_kinds_placeholder", L))
        # in the chosen kinds' units (m², spaces, chargers); 0: the standards' default, and
        # the siting notes say so
        capacity = st.number_input(t("drawn_capacity", L), min_value=0.0, value=0.0, step=10.0)
        cost = st.number_input(t("drawn_cost", L), min_value=0.0, value=50.0, step=10.0)
        if st.form_submit_button(t("add_site", L)) and kinds:
            site_id = f"U{len(user_sites) + 1:03d}"
            user_sites.append({"type": "Feature", "geometry": json.loads(json.dumps(geometry)),
                               "drawn": drawing["geometry"],
                               "properties": {"site_id": site_id, "kinds": kinds,
                                              "capacity": float(capacity) or None,
                                              "cost": float(cost), "name": site_id}})
            st.session_state["user_sites"] = user_sites
            st.rerun()

st.subheader(t("planned_table", L))
planned = plan.planned_facilities
if len(planned):
    table = planned.drop(columns=planned.geometry.name).copy()
    # capacity and demand served count in the kind's unit (m², chargers, spaces): said beside
    # them, as in the table of unserved demand; demand to one decimal, as there
    if "capacity" in table.columns:
        table.insert(table.columns.get_loc("capacity") + 1, "unit",
                     [kind_unit(str(k), L) for k in table["kind"]])
    for col in ("capacity", "demand_served"):
        if col in table.columns:
            table[col] = pd.to_numeric(table[col], errors="coerce").round(1)
    if "households_served" in table.columns:  # a shared compound counts by its share: whole
        table["households_served"] = pd.to_numeric(table["households_served"]).round(0)
    if "generated_from" in table.columns:  # blank for the planner's own sites
        table["generated_from"] = ["" if pd.isna(v) else reason_in(v, L)
                                   for v in table["generated_from"]]
    table["kind"] = table["kind"].map(lambda k: kind_label(str(k), L))
    steps = {"capacity": None, "demand_served": 0.1, "cost": None}  # 262.4 beside 172.0
    st.dataframe(labelled(table, layer="sites"), hide_index=True, column_config={
        **counts_config(table.columns, layer="sites"),
        **{column_label(c, L, layer="sites"): st.column_config.NumberColumn(
            format="localized", step=step) for c, step in steps.items() if c in table.columns}})

st.subheader(t("unserved_title", L))
unserved = plan.unserved
if unserved is None or not len(unserved):
    st.caption(t("unserved_none", L))
else:
    # by kind and reason first (what to change: sites, budget, zone rule), then every compound
    summary = unserved_summary(unserved, L)
    summary["unserved"] = summary["unserved"].round(1)
    summary["unit"] = [kind_unit(k, L) for k in summary["kind"]]
    summary["kind"] = [kind_label(k, L) for k in summary["kind"]]
    st.dataframe(labelled(summary), hide_index=True,
                 column_config=counts_config(summary.columns))
    with st.expander(t("unserved_detail", L, n=f"{len(unserved):,}")):
        st.dataframe(unserved_sheet(plan, lang=L), hide_index=True)  # as summary.xlsx has it

st.subheader(t("before_after", L))


def _at_threshold(summary: pd.DataFrame) -> pd.Series:
    if summary is None or not len(summary) or "kind" not in summary:
        return pd.Series(dtype=float)
    rows = summary[summary["threshold"]] if "threshold" in summary else summary
    return rows.set_index("kind")["households_covered"]


before, after = _at_threshold(plan.coverage_before), _at_threshold(plan.coverage_after)
if len(before) or len(after):
    chart = pd.DataFrame({t("before", L): before, t("after", L): after}).fillna(0)
    standards_text = walking_standards([str(k) for k in chart.index], plan.scenario.standards)
    chart.index = [kind_label(str(k), L) for k in chart.index]
    st.caption(t("before_after_hint", L, kinds=standards_text))
    # before light, after dark, in that order in both languages (st.bar_chart orders and
    # colours series by name, which put 选址后 first in Chinese and After first in English)
    stages = [t("before", L), t("after", L)]
    long = chart.rename_axis("kind").reset_index().melt("kind", var_name="stage",
                                                        value_name="households")
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        y=alt.Y("kind:N", title=None, sort=list(chart.index)),
        yOffset=alt.YOffset("stage:N", sort=stages),
        x=alt.X("households:Q", title=None, axis=alt.Axis(format=",d")),
        color=alt.Color("stage:N", title=None, sort=stages,
                        scale=alt.Scale(domain=stages, range=["#9ecae1", "#08519c"])),
        tooltip=[alt.Tooltip("kind:N", title=t("kind", L)),
                 alt.Tooltip("stage:N", title=t("stage", L)),
                 alt.Tooltip("households:Q", format=",d", title=column_label("households", L))],
    ), width="stretch")
    st.dataframe(chart.astype(int), column_config={
        c: st.column_config.NumberColumn(format="localized") for c in chart.columns})
