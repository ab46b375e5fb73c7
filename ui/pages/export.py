"""导出 — downloads of the plan for the bureau (planning.export) and the project file."""

from __future__ import annotations

import streamlit as st

from geo.errors import LayerValidationError
from ui.i18n import md, t
from ui.state import (
    export_files,
    lang,
    module_available,
    not_available,
    plan_or_notice,
    printed_maps,
)
from ui.widgets import problems_table

L = lang()
st.title(t("page_export", L))

plan = plan_or_notice()
if plan is None:
    st.stop()
if not module_available("planning.export"):
    not_available("planning.export")
    st.stop()

encoding = st.radio(t("shp_encoding", L), ["gbk", "utf-8"], horizontal=True,
                    format_func=lambda e: t(f"shp_{e.replace('-', '')}", L), key="shp_encoding")
try:
    with st.spinner(t("running", L)):
        files = export_files(st.session_state["plan_key"], L, encoding, plan)
except LayerValidationError as exc:
    if encoding != "gbk":
        raise
    # Some text of the plan has no GBK code (e.g. "ö" in a name): say so, export in UTF-8.
    st.warning(t("gbk_fallback", L, source=md(exc.source)))
    problems_table(exc.problems)
    with st.spinner(t("running", L)):
        files = export_files(st.session_state["plan_key"], L, "utf-8", plan)

st.subheader(t("downloads", L))
_ZIP = "application/zip"
_ENTRIES = [
    ("export_all", "pianqu_plan.zip", _ZIP),
    ("export_gpkg", "plan.gpkg", "application/geopackage+sqlite3"),
    ("export_bureau", "geojson.zip", _ZIP),
    ("export_table", "tables/summary.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
for label, name, mime in _ENTRIES:
    if name in files:
        st.download_button(t(label, L), data=files[name], file_name=name.split("/")[-1],
                           mime=mime, key=f"dl_{name}")
shp = sorted(n for n in files if n.startswith("shapefile/") and n.endswith(".zip"))
if shp:
    st.markdown(f"**{t('export_shp', L)}**")
    cols = st.columns(len(shp))
    for col, name in zip(cols, shp, strict=True):
        col.download_button(name.removeprefix("shapefile/"), data=files[name],
                            file_name=name.removeprefix("shapefile/"), mime=_ZIP,
                            key=f"dl_{name}")

st.subheader(t("print_title", L))
st.caption(t("print_hint", L))
c1, c2 = st.columns([1, 3])
paper = c1.radio(t("paper", L), ["A3", "A4"], horizontal=True, key="print_paper")
if c2.button(t("print_make", L), key="print_make"):
    with st.spinner(t("running", L)):
        pdf = printed_maps(st.session_state["plan_key"], L, paper, plan)
    if pdf is None:
        st.info(t("print_no_zones", L))
    else:
        st.download_button(t("print_download", L), data=pdf, file_name=f"zone_maps_{paper}.pdf",
                           mime="application/pdf", key="dl_print")
