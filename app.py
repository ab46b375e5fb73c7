"""片区 Pianqu — the planner's app: five pages on one plan, Chinese first, offline first.

Run with ``make app`` (``python -m ui.serve``: ``streamlit run app.py`` with the libraries
imported while the server starts). Pages live in ``ui/pages/``; the pipeline is
``planning.scenario.run_plan`` (called through ``ui.state.plan_or_notice``).
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import md, t
from ui.state import lang
from ui.widgets import choice

# No page or navigation icons: Streamlit turns the current page's icon into the favicon and
# fetches Material icons from Google's font server; the default favicon is served locally.
st.set_page_config(page_title="片区 Pianqu", layout="wide")

with st.sidebar:
    st.radio(t("language", "zh"), options=["zh", "en"], key="lang", horizontal=True,
             format_func=lambda v: "中文" if v == "zh" else "English")
    L = lang()
    choice("selectbox", t("basemap", L), ["none", "osm", "tianditu", "amap"], key="basemap",
           format_func=lambda v: t(f"basemap_{v}", L))
    if st.session_state.get("basemap", "none") != "none":
        st.caption(t("basemap_online_note", L))
    # which district every page works on: the sample until uploads are used (a reload of
    # the browser starts a new session, on the sample again)
    if st.session_state.get("data_key", "sample") == "sample":
        st.caption(t("data_in_use_sample", L))
    else:
        names = st.session_state.get("data_files") or [t("uploaded_data", L)]
        st.caption(t("data_in_use_files", L, files=md(t("name_sep", L).join(names))))
    if st.session_state.get("basemap") == "tianditu":
        st.text_input(t("tianditu_key", L), key="tianditu_key", type="password")
        if not st.session_state.get("tianditu_key"):
            st.warning(t("tianditu_key_missing", L))

pages = [
    st.Page("ui/pages/data.py", title=t("page_data", L), url_path="data", default=True),
    st.Page("ui/pages/zoning.py", title=t("page_zoning", L), url_path="zoning"),
    st.Page("ui/pages/siting.py", title=t("page_siting", L), url_path="siting"),
    st.Page("ui/pages/coverage.py", title=t("page_coverage", L), url_path="coverage"),
    st.Page("ui/pages/export.py", title=t("page_export", L), url_path="export"),
]
st.navigation(pages).run()
