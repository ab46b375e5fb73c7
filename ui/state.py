"""Session state, cached loading and the one pipeline call (planning.scenario.run_plan).

Layers live in ``st.session_state`` under a ``data_key`` (``"sample"`` or a digest of the uploaded
bytes); every cached result is keyed on that key and the parameters, never on the frames
themselves, so reruns caused by widgets or map clicks cost nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st

from geo.digest import remember
from ui.i18n import Lang, md, t

__all__ = [
    "ROOT",
    "assets_ok",
    "current_layers",
    "digest",
    "export_files",
    "export_files_ready",
    "printed_maps",
    "printed_maps_ready",
    "get_params",
    "lang",
    "load_sample_layers",
    "module_available",
    "not_available",
    "plan_or_notice",
    "set_layers",
    "set_params",
]

ROOT = Path(__file__).resolve().parent.parent


def lang() -> Lang:
    """The interface language chosen in the sidebar (Chinese by default)."""
    value = st.session_state.get("lang", "zh")
    return "en" if value == "en" else "zh"


def assets_ok() -> bool:
    """Whether Streamlit can serve the vendored Leaflet (``static/`` -> ``data/web/``)."""
    return (ROOT / "static" / "leaflet" / "leaflet.js").is_file()


def module_available(name: str) -> bool:
    """Whether a module of the project has landed (importable)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def not_available(module: str) -> None:
    """The clear notice shown instead of results when a module has not landed yet."""
    st.info(t("not_available", lang(), module=module))


@st.cache_data(show_spinner=False, max_entries=2)
def load_sample_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled sample district, read once per server."""
    from planning.sample import load_sample

    return load_sample()


def digest(*parts: bytes) -> str:
    """A short content key for uploaded bytes."""
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()[:16]


def current_layers() -> tuple[str, dict[str, gpd.GeoDataFrame]]:
    """``(data_key, layers)``: the uploaded layers, or the sample district by default."""
    key = st.session_state.get("data_key")
    layers = st.session_state.get("layers")
    if key is None or layers is None:
        return "sample", load_sample_layers()
    return str(key), layers


def set_layers(key: str, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Replace the working layers (and forget candidate sites drawn on the old ones)."""
    st.session_state["data_key"] = key
    st.session_state["layers"] = layers
    st.session_state.pop("user_sites", None)


def get_params() -> dict[str, Any]:
    """The run's parameters (standards overrides and siting options), JSON-serialisable."""
    params = st.session_state.get("params")
    if params is None:
        params = {"standards": {}, "seed": 0, "model": None, "budget_wan": None,
                  "max_sites": None, "crs": None}
        st.session_state["params"] = params
    return dict(params)


def set_params(**changes: Any) -> None:
    """Update some parameters; the next run uses them (cache keyed on their JSON)."""
    params = get_params()
    params.update(changes)
    st.session_state["params"] = params


_MAX_PLANS = 8


@st.cache_resource(show_spinner=False)
def _plan_store() -> dict[str, Any]:
    """Plans by input key, shared by every session (a small LRU, see :func:`plan_or_notice`).

    Not ``st.cache_data``: the run reports progress to a bar created outside it, which a
    replayed ``cache_data`` function may not touch. Plans are never mutated by the pages.
    """
    return {}


def plan_or_notice() -> Any | None:
    """Run (or fetch from cache) the plan for the current layers and parameters.

    Shows a progress bar while it runs, a clear notice when the pipeline has not landed, and the
    planner's error (naming rows and columns) when the inputs cannot be planned.
    """
    from geo.errors import PlanningInputError

    if not module_available("planning.scenario"):
        not_available("planning.scenario")
        return None
    key, layers = current_layers()
    params_json = json.dumps(get_params(), sort_keys=True, ensure_ascii=False)
    sites_json = json.dumps(st.session_state.get("user_sites", []), sort_keys=True,
                            ensure_ascii=False)
    bar = st.progress(0.0, text=t("running", lang()))

    def progress(step: str, fraction: float) -> None:
        name = t(f"step_{step}", lang())
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=t("step", lang(), step=name))

    plan_key = f"{key}|{params_json}|{sites_json}"
    store = _plan_store()
    try:
        plan = store.pop(plan_key, None)
        if plan is None:
            from ui.pipeline import run_pipeline

            plan = run_pipeline(layers, json.loads(params_json), json.loads(sites_json),
                                progress=progress)
        store[plan_key] = plan  # most recent last
        while len(store) > _MAX_PLANS:
            store.pop(next(iter(store)))
    except PlanningInputError as exc:
        bar.empty()
        st.error(md(exc))
        problems = getattr(exc, "problems", None)
        if problems:
            from ui.widgets import problems_table

            problems_table(problems)
        return None
    bar.empty()
    st.session_state["plan_key"] = plan_key
    return plan


def export_files(plan_key: str, lang_: str, encoding: str, plan: Any, *,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
    """Every bureau export of the plan (``planning.export.export_plan``) as file name -> bytes.

    Written to a temporary folder and read back, so nothing stays on the server's disk. The
    last two exports of this session are kept by (plan, language, Shapefile encoding)
    (:func:`export_files_ready`); ``progress(done, steps)`` as in ``export_plan``.
    """
    def build() -> dict[str, bytes]:
        import io
        import tempfile
        import zipfile

        from planning.export import export_plan

        files: dict[str, bytes] = {}
        with tempfile.TemporaryDirectory(prefix="pianqu_export_") as tmp:
            export_plan(plan, tmp, lang="en" if lang_ == "en" else "zh",
                        shapefile_encoding=encoding, progress=progress)
            root = Path(tmp)
            everything = io.BytesIO()
            with zipfile.ZipFile(everything, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        rel = path.relative_to(root).as_posix()
                        files[rel] = path.read_bytes()
                        zf.writestr(f"pianqu_plan/{rel}", files[rel])
            geojson = io.BytesIO()
            with zipfile.ZipFile(geojson, "w", zipfile.ZIP_DEFLATED) as zf:
                for rel, data in files.items():
                    if rel.startswith("geojson/"):
                        zf.writestr(rel.removeprefix("geojson/"), data)
            files["pianqu_plan.zip"] = everything.getvalue()
            files["geojson.zip"] = geojson.getvalue()
        return files

    return remember(_session_store("export_files"), (plan_key, lang_, encoding), build,
                    kept=2)


def export_files_ready(plan_key: str, lang_: str, encoding: str) -> dict[str, bytes] | None:
    """The files :func:`export_files` made for these choices this session, if it made them."""
    return _session_store("export_files").get((plan_key, lang_, encoding))


def printed_maps(plan_key: str, lang_: str, paper: str, zones: tuple[str, ...] | None,
                 plan: Any, *, progress: Callable[[int, int], None] | None = None
                 ) -> bytes | None:
    """The zone maps PDF for meetings (``planning.export.print_maps``), or None without zones.

    ``zones`` are the zones that get a page after the overview (None: every zone). The last
    two PDFs of this session are kept, so the download stays after the page runs again
    (:func:`printed_maps_ready`).
    """
    def build() -> bytes | None:
        import tempfile

        from planning.export import print_maps

        with tempfile.TemporaryDirectory(prefix="pianqu_print_") as tmp:
            out = print_maps(plan, tmp, lang="en" if lang_ == "en" else "zh", paper=paper,
                             pngs=False,  # the download is the PDF; PNGs would triple the wait
                             progress=progress, zones=zones)
            return None if out is None else Path(out.pdf).read_bytes()

    return remember(_session_store("printed_maps"), (plan_key, lang_, paper, zones), build,
                    kept=2)


def printed_maps_ready(plan_key: str, lang_: str, paper: str,
                       zones: tuple[str, ...] | None) -> bytes | None:
    """The PDF :func:`printed_maps` made for these choices this session, if it made one."""
    return _session_store("printed_maps").get((plan_key, lang_, paper, zones))


def _session_store(name: str) -> dict[Any, Any]:
    """Files made for this session's downloads, by the choices they were made for.

    Kept in the session, so a download stays after the page runs again.
    """
    store: dict[Any, Any] = st.session_state.setdefault(name, {})
    return store
