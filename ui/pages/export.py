"""导出 — downloads of the plan for the bureau (planning.export) and the project file."""

from __future__ import annotations

import streamlit as st

from geo.errors import LayerValidationError
from planning.export import ZONE_PAGES_MAX
from ui.i18n import TEXT, md, t
from ui.state import (
    export_files,
    export_files_ready,
    lang,
    module_available,
    not_available,
    plan_or_notice,
    printed_maps,
    printed_maps_ready,
)
from ui.widgets import choice, problems_table

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


def _export(enc: str) -> dict[str, bytes]:
    """The export files, written now with a bar (a city's plan takes a quarter of a minute)."""
    key = st.session_state["plan_key"]
    files = export_files_ready(key, L, enc)
    if files is None:
        bar = st.progress(0.0, text=t("running", L))
        try:
            files = export_files(key, L, enc, plan, progress=lambda k, n: bar.progress(
                k / n, text=t("export_progress", L, done=k, steps=n)))
        finally:
            bar.empty()
    return files


try:
    files = _export(encoding)
except LayerValidationError as exc:
    if encoding != "gbk":
        raise
    # Some text of the plan has no GBK code (e.g. "ö" in a name): say so, export in UTF-8.
    st.warning(t("gbk_fallback", L, source=md(exc.source)))
    problems_table(exc.problems)
    files = _export("utf-8")

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
        file_name = name.removeprefix("shapefile/")
        # the layer's name in the page's language; the file keeps the bureau's name
        stem = file_name.removesuffix(".zip")
        label = t(f"shp_{stem}", L) if f"shp_{stem}" in TEXT else file_name
        col.download_button(label, data=files[name], file_name=file_name, mime=_ZIP,
                            key=f"dl_{name}")

st.subheader(t("print_title", L))
st.caption(t("print_hint", L))
zone_ids = [str(z) for z in plan.zones["zone_id"]] if len(plan.zones) else []
many = len(zone_ids) > ZONE_PAGES_MAX
c1, c2 = st.columns([1, 3])
paper = c1.radio(t("paper", L), ["A3", "A4"], horizontal=True, key="print_paper")
scope = choice("radio", t("print_scope", L), ["all", "overview", "some"], key="print_scope",
               default="overview" if many else "all", container=c2, horizontal=True,
               format_func=lambda v: t(f"print_scope_{v}", L, n=len(zone_ids)))
if many:
    # ~0.5 s a page at the default A3 (65 pages of the sample district: 32 s)
    c2.caption(t("print_many_zones", L, n=f"{len(zone_ids):,}",
                 minutes=max(1, round(len(zone_ids) * 0.5 / 60))))
chosen: tuple[str, ...] | None = None if scope == "all" else ()
if scope == "some":
    chosen = tuple(c2.multiselect(t("print_zones", L), zone_ids, key="print_zones",
                                  placeholder=t("print_zones_placeholder", L)))
plan_key = st.session_state["plan_key"]
if st.button(t("print_make", L), key="print_make"):
    bar = st.progress(0.0)
    shown = printed_maps(plan_key, L, paper, chosen, plan, progress=lambda k, n: bar.progress(
        k / n, text=t("print_progress", L, done=k, pages=n)))
    if shown is None:
        st.info(t("print_no_zones", L))
    bar.empty()
pdf = printed_maps_ready(plan_key, L, paper, chosen)
if pdf is not None:
    st.download_button(t("print_download", L), data=pdf, file_name=f"zone_maps_{paper}.pdf",
                       mime="application/pdf", key="dl_print")
