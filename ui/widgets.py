"""Reusable Streamlit pieces: the map, problem tables, tables with translated headers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
import pandas as pd
import streamlit as st

from geo.webmap import Basemap
from ui.i18n import column_labels, t
from ui.state import assets_ok, lang

__all__ = ["basemap_choice", "labelled", "problems_table", "show_map"]

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


def problems_table(problems: Iterable[Any]) -> None:
    """Validation problems as a table naming column, rows and what is wrong (escaped text)."""
    rows = [{"column": p.column, "rows": ", ".join(str(r) for r in p.rows), "message": p.message}
            for p in problems]
    st.dataframe(labelled(pd.DataFrame(rows, columns=["column", "rows", "message"])),
                 hide_index=True)


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The same table with Chinese/English column headers (geo.schema labels)."""
    out = df.rename(columns=column_labels([str(c) for c in df.columns], lang()))
    if out.index.name:
        out.index.name = column_labels([str(out.index.name)], lang())[str(out.index.name)]
    return out
