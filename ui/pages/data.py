"""数据 — the sample district by default; uploads with validation problems as a table."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st

from geo.errors import LayerValidationError, PlanningInputError
from geo.schema import LAYERS
from geo.webmap import build_map
from planning.demand import SITED_KINDS
from ui.i18n import kind_label, md, t, unknown_counts
from ui.pipeline import standards_for
from ui.state import (
    current_layers,
    digest,
    get_params,
    lang,
    load_sample_layers,
    set_layers,
    set_params,
)
from ui.uploads import MAX_UPLOAD_MB, save_upload
from ui.widgets import basemap_choice, choice, problems_table, show_map, uploader_words

L = lang()
st.title(t("page_data", L))

_UPLOADS = ("communities", "streets", "facilities", "sites", "barriers")


def _file_layers(name: str, data: bytes) -> list[str]:
    """The layers of an uploaded file (GeoPackage layers, zipped datasets, Excel sheets).

    Listed once per file content this session; a file that cannot be listed gives none (its
    read says what is wrong).
    """
    known: dict[tuple[str, str], list[str]] = st.session_state.setdefault("upload_layers", {})
    key = (name, digest(data))
    if key not in known:
        from geo.io.sources import list_file_layers

        with tempfile.TemporaryDirectory(prefix="pianqu_layers_") as tmp:
            try:
                known[key] = list_file_layers(save_upload(name, data, Path(tmp)))
            except (PlanningInputError, OSError, ValueError):
                known[key] = []
    return known[key]


def _layer_choice(schema: str, names: list[str]) -> str:
    """Which layer of a multi-layer file to read; by default the one ``geo.io`` would pick.

    That is the layer named like the schema (communities or 小区, …), else the first.
    """
    from geo.io.sources import named_like

    spec = LAYERS[schema]
    named = named_like(names, (spec.name, spec.label_zh))
    picked: str = st.selectbox(t("file_layer", L), names,
                               index=names.index(named) if named is not None else 0,
                               key=f"file_layer_{schema}")
    return picked


def _read_upload(name: str, data: bytes, schema: str, tmp: Path, coords: str,
                 crs: str | None, layer: str | None) -> dict[str, gpd.GeoDataFrame]:
    """One uploaded file -> layers (an .osm.pbf may give several, always in WGS84).

    ``coords``: ``"file"`` (the file's CRS, or WGS84 lon/lat when it has none), ``"gcj02"`` or
    ``"bd09"`` (shifted lon/lat from Chinese web maps), or ``"epsg"`` with ``crs`` given.
    """
    path = save_upload(name, data, tmp / schema)
    if path.name.lower().endswith(".osm.pbf"):
        from geo.osm import read_osm

        return {k: v for k, v in read_osm(path).items() if k == "streets" or k == schema}
    from geo.io import read_layer

    result = read_layer(path, schema, layer=layer, crs=crs if coords == "epsg" else None,
                        datum=coords if coords in ("gcj02", "bd09") else None)
    if result.report is not None:  # said in the page's language, under the file's own name
        st.session_state.setdefault("read_reports", {})[schema] = replace(result.report,
                                                                          source=name)
    return {schema: result.gdf}


source = choice("radio", t("data_source", L), ["sample", "upload"], key="data_source",
                format_func=lambda v: t(f"source_{v}", L), horizontal=True,
                default="sample" if st.session_state.get("data_key", "sample") == "sample"
                else "upload")

if source == "sample":
    if st.session_state.get("data_key", "sample") != "sample":
        set_layers("sample", load_sample_layers())
    if get_params().get("crs"):  # an analysis CRS given for uploaded data is not the sample's
        set_params(crs=None)
else:
    st.caption(t("upload_help", L, mb=MAX_UPLOAD_MB))
    uploader_words(MAX_UPLOAD_MB)
    files: dict[str, Any] = {}
    coords: dict[str, str] = {}
    crs_given: dict[str, str | None] = {}
    layer_of: dict[str, str | None] = {}
    cols = st.columns(len(_UPLOADS))
    for col, schema in zip(cols, _UPLOADS, strict=True):
        with col:
            types = ["gpkg", "geojson", "json", "zip", "csv", "tsv", "txt", "xlsx"]
            if schema == "streets":
                types.append("pbf")
            files[schema] = st.file_uploader(t(f"layer_{schema}", L), type=types,
                                             key=f"upload_{schema}")
            up = files[schema]
            osm = up is not None and up.name.lower().endswith(".osm.pbf")  # always WGS84
            # lon/lat copied from a Chinese web map are shifted (GCJ-02, BD-09): hundreds of
            # metres off if read as WGS84; and bureau files often have no .prj
            coords[schema] = "file" if osm else choice(
                "selectbox", t("coords", L), ["file", "gcj02", "bd09", "epsg"],
                key=f"coords_{schema}", help=t("coords_help", L),
                format_func=lambda v: t(f"coords_{v}", L))
            crs_given[schema] = (st.text_input(t("coords_epsg_code", L), key=f"crs_{schema}",
                                               placeholder="EPSG:4547").strip() or None
                                 if coords[schema] == "epsg" else None)
            # a GeoPackage from QGIS often holds the whole district: say which layer is this
            # (below the coordinates, which then stay in one row across the columns)
            names = [] if up is None or osm else _file_layers(up.name, up.getvalue())
            layer_of[schema] = _layer_choice(schema, names) if len(names) > 1 else None
    crs_text = st.text_input(t("analysis_crs", L), value=get_params().get("crs") or "",
                             help=t("analysis_crs_help", L), key="analysis_crs")
    if (crs_text.strip() or None) != get_params().get("crs"):
        set_params(crs=crs_text.strip() or None)
    if st.button(t("use_uploads", L), type="primary"):
        if files["communities"] is None:
            st.error(t("need_communities", L))
        else:
            layers: dict[str, gpd.GeoDataFrame] = {}
            failed = False
            st.session_state.pop("read_reports", None)
            with tempfile.TemporaryDirectory(prefix="pianqu_upload_") as tmpdir:
                for schema, up in files.items():
                    if up is None:
                        continue
                    try:
                        layers.update(_read_upload(up.name, up.getvalue(), schema,
                                                   Path(tmpdir), coords[schema],
                                                   crs_given[schema], layer_of[schema]))
                    except LayerValidationError as exc:
                        failed = True
                        st.error(t("problems_title", L, file=md(up.name), n=len(exc.problems)))
                        problems_table(exc.problems)
                    except (PlanningInputError, OSError, ValueError) as exc:
                        failed = True
                        st.error(t("upload_error", L, file=md(up.name), error=md(exc)))
            if failed:  # the metrics and map below are the data in use, not the upload
                in_use = st.session_state.get("data_files")
                st.warning(t("upload_not_used", L, current=t("current_sample", L)
                             if current_layers()[0] == "sample" or not in_use
                             else md(t("name_sep", L).join(in_use))))
            elif "communities" in layers:
                key = digest(*(files[s].getvalue()
                               + f"{coords[s]} {crs_given[s]} {layer_of[s]}".encode()
                               for s in _UPLOADS if files[s] is not None))
                set_layers(key, layers)
                st.session_state["data_files"] = list(dict.fromkeys(  # one file, one name
                    files[s].name for s in _UPLOADS if files[s] is not None))
                # once more, so that the sidebar (drawn before this page) names the new data
                st.session_state["layers_loaded"] = True
                st.rerun()
    if st.session_state.pop("layers_loaded", False):
        st.success(t("layers_loaded", L))

data_key, layers = current_layers()
communities = layers["communities"]
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("summary_compounds", L), f"{len(communities):,}")
hh = communities["households"].sum() if "households" in communities else 0
m2.metric(t("summary_households", L), f"{int(hh):,}")
m3.metric(t("summary_facilities", L), f"{len(layers.get('facilities', [])):,}")
m4.metric(t("summary_sites", L), f"{len(layers.get('sites', [])):,}")

unknown = {col: int(communities[col].isna().sum()) if col in communities else len(communities)
           for col in ("built_year", "consent_rate")}
if any(unknown.values()):  # eligibility cannot be decided for them: say so before the plan
    included = standards_for(get_params()).eligibility.include_unknown
    columns = ("both" if all(unknown.values()) else
               "built_year" if unknown["built_year"] else "consent_rate")
    st.warning(t("unknown_included" if included else "unknown_eligibility", L,
                 unknown=unknown_counts(unknown["built_year"], unknown["consent_rate"], L),
                 columns=t(f"unknown_columns_{columns}", L)))

# required kinds the facilities have none of and siting does not add: no compound will reach
# them, so every compound's life circle comes out incomplete; say so before the plan
facilities = layers.get("facilities")
present = (set(facilities["kind"].astype(str)) if facilities is not None and len(facilities)
           and "kind" in facilities.columns else set())
lacking = [k for k, spec in standards_for(get_params()).kinds.items()
           if spec.required and k not in SITED_KINDS and k not in present]
if lacking:
    st.warning(t("facilities_lacking", L, kinds=t("name_sep", L).join(
        kind_label(k, L) for k in lacking)))

basemap, tkey = basemap_choice()

m = build_map(communities, facilities=layers.get("facilities"), sites=layers.get("sites"),
              lang=L, basemap=basemap, tianditu_key=tkey)
show_map(m, key="map_data")

reports = st.session_state.get("read_reports")
if reports:
    # what the reader assumed (approximate numbers, percentages, a kind planning does not use,
    # a CRS) changes the plan: open, and said, rather than folded away
    assumed = [schema for schema, report in reports.items() if report.notes]
    if assumed:
        st.warning(t("read_assumed", L, layers=t("name_sep", L).join(
            t(f"layer_{s}", L) for s in assumed)))
    with st.expander(t("read_report", L), expanded=bool(assumed)):
        for report in reports.values():  # geo.io.report.LayerReport, named by its layer
            st.text(report.summary(L))
