"""片区划分 — eligibility and zoning parameters; zones on the map with labels; zone table."""

from __future__ import annotations

import streamlit as st

from geo.webmap import build_map
from planning.eligibility import assess_eligibility, exclusion_summary, unknown_counts
from ui.i18n import column_label, md, t
from ui.pipeline import standards_for
from ui.state import get_params, lang, not_available, plan_or_notice, set_params
from ui.widgets import basemap_choice, counts_config, labelled, show_map

L = lang()
st.title(t("page_zoning", L))

params = get_params()
std = standards_for(params)
# keyed widgets: see the siting page's form
with st.form("zoning_params"):
    c1, c2, c3 = st.columns(3)
    c1.subheader(t("eligibility", L))
    built_before = c1.number_input(t("built_before", L), min_value=1900, max_value=2100,
                                   value=int(std.eligibility.built_before_year), step=1,
                                   key="zoning_built_before")
    # in percent, as the reasons say it (居民同意率60.0%低于66.7%); kept as a fraction
    min_consent = c1.slider(t("min_consent", L), min_value=0.0, max_value=100.0,
                            value=float(round(std.eligibility.min_consent_rate * 100, 2)),
                            step=0.1, format="%.1f%%", key="zoning_min_consent") / 100
    with_unknown = c1.checkbox(t("include_unknown", L),
                               value=bool(std.eligibility.include_unknown),
                               help=t("include_unknown_help", L), key="zoning_include_unknown")
    c2.subheader(t("zoning_params", L))
    min_hh = c2.number_input(t("min_households", L), min_value=1, max_value=1_000_000,
                             value=int(std.zoning.min_households), step=50,
                             key="zoning_min_households")
    max_hh = c2.number_input(t("max_households", L), min_value=1, max_value=1_000_000,
                             value=int(std.zoning.max_households), step=50,
                             key="zoning_max_households")
    c3.subheader("\u00a0")
    gap = c3.number_input(t("gap_tolerance", L), min_value=0.0, max_value=1000.0,
                          value=float(std.zoning.gap_tolerance_m), step=5.0, format="%.0f",
                          key="zoning_gap")
    diameter = c3.number_input(t("max_diameter", L), min_value=100.0, max_value=50_000.0,
                               value=float(std.zoning.max_diameter_m), step=50.0,
                               format="%.0f", key="zoning_max_diameter")
    seed = c3.number_input(t("seed", L), min_value=0, max_value=2**31 - 1,
                           value=int(params.get("seed", 0)), step=1, key="zoning_seed")
    if st.form_submit_button(t("run_plan", L), type="primary"):
        overrides = dict(params.get("standards", {}))
        overrides["eligibility"] = {"built_before_year": int(built_before),
                                    "min_consent_rate": round(float(min_consent), 6),
                                    "include_unknown": bool(with_unknown)}
        overrides["zoning"] = {"min_households": int(min_hh), "max_households": int(max_hh),
                               "gap_tolerance_m": float(gap), "max_diameter_m": float(diameter)}
        set_params(standards=overrides, seed=int(seed))

plan = plan_or_notice()
if plan is None:
    st.stop()
if plan.steps.get("zoning") != "done":
    not_available("planning.zoning")

com = plan.communities
in_zone = com["zone_id"].notna()
m1, m2, m3 = st.columns(3)
m1.metric(t("n_zones", L), f"{len(plan.zones):,}")
m2.metric(t("n_in_zones", L), f"{int(in_zone.sum()):,}")
m3.metric(t("n_excluded", L), f"{int((~in_zone).sum()):,}")

# why compounds are left out, counted; data a planner can complete first, in plain sight
reasons = (exclusion_summary(com.loc[~in_zone, "reason_codes"],
                             plan.scenario.standards.eligibility)
           if "reason_codes" in com.columns else None)
if reasons is not None and len(reasons):
    en = "_en" if L == "en" else ""
    fixable = reasons[reasons["code"].str.endswith("_missing")]
    if len(fixable) or not in_zone.any():
        lines = [t("reason_line", L, n=r["compounds"], reason=md(r["reason" + en]),
                   advice=md(r["advice" + en])) if r["advice" + en]
                 else t("reason_count", L, n=r["compounds"], reason=md(r["reason" + en]))
                 for _, r in (fixable if len(fixable) else reasons).iterrows()]
        head = t("missing_data", L) if len(fixable) else t("none_zoned", L)
        hint = f"\n\n{t('include_unknown_hint', L)}" if len(fixable) else ""
        st.warning("\n".join([head, *(f"- {line}" for line in lines)]) + hint)
# compounds let in with a value unknown: the plan keeps no note, eligibility says it again
_, included = unknown_counts(assess_eligibility(plan.scenario.layers["communities"],
                                                plan.scenario.standards.eligibility,
                                                overrides=plan.scenario.overrides))
if included:
    st.info(t("included_unknown", L, n=included))

basemap, tkey = basemap_choice()
m = build_map(com, zones=plan.zones, minutes_columns=[], lang=L, basemap=basemap,
              tianditu_key=tkey)
show_map(m, key="map_zoning")

st.subheader(t("zones_table", L))
if len(plan.zones):
    zt = plan.zones.drop(columns=plan.zones.geometry.name)
    zt = zt.set_index("zone_id") if "zone_id" in zt.columns else zt
    if L == "en" and "bounds_note_en" in zt.columns:
        zt["bounds_note"] = zt["bounds_note_en"]
    zt = zt.drop(columns=[c for c in ("bounds_note_en",) if c in zt.columns])
    # one precision per column, digits grouped: 34,636 m², compactness 0.221, 245.2
    steps = {"area_m2": 1, "diameter_m": 1, "compactness": 0.001, "heterogeneity": 0.1}
    st.dataframe(labelled(zt), column_config={
        **counts_config(zt.columns),
        **{column_label(c, L): st.column_config.NumberColumn(format="localized", step=step)
           for c, step in steps.items() if c in zt.columns}})

st.subheader(t("excluded_table", L))
if reasons is not None and len(reasons):
    st.caption(t("by_reason", L, items=t("list_sep", L).join(
        t("reason_count", L, n=r["compounds"], reason=md(r["reason" + en]))
        for _, r in reasons.iterrows())))
cols = [c for c in ("name", "households", "built_year", "consent_rate", "excluded_reason")
        if c in com.columns]
excluded = com.loc[~in_zone, cols].copy()
if L == "en" and "excluded_reason_en" in com.columns:
    excluded["excluded_reason"] = com.loc[~in_zone, "excluded_reason_en"].fillna(
        excluded["excluded_reason"])
st.dataframe(labelled(excluded), column_config={  # consent in percent, as the reasons say it
    **counts_config(excluded.columns),
    column_label("consent_rate", L): st.column_config.NumberColumn(format="percent",
                                                                   step=0.001)})
