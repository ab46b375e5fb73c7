"""One run of Pianqu: input layers + standards + parameters -> a plan.

:func:`run_plan` is the ONE pipeline that the app, the command line and the tests call:

``to_metric`` → eligibility → walking network → zoning → siting → coverage (before: existing
facilities; after: existing + planned).

A step that cannot run (no streets: straight-line distances; no compound in a zone: nothing
to site) is recorded as not run in :attr:`Plan.steps`; its output is left empty, never
guessed. Nothing is lost: every input compound comes out of the plan, in a zone or with the
reason it is not (:func:`run_plan` asserts it).

:func:`save_plan` writes a plan to one GeoPackage (every input and result layer in the analysis
CRS, plus a ``parameters`` table); :func:`load_plan` and :func:`load_scenario` read it back
losslessly.

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> scenario = Scenario(layers=load_sample(), standards=load_standards(), seed=7)
>>> plan = run_plan(scenario)
>>> len(plan.communities) == len(scenario.layers["communities"])
True
>>> bool((plan.communities["zone_id"].notna() | plan.communities["excluded_reason"].notna()).all())
True
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import json
import tempfile
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj

from geo.crs import local_metric_crs, to_metric
from geo.digest import layer_digest, remember
from geo.errors import LayerValidationError, Problem, ScenarioError
from geo.io.write import write_geopackage
from geo.network import WalkNetwork
from geo.schema import LAYERS
from planning.coverage import compute_coverage, walking_network
from planning.eligibility import assess_eligibility
from planning.siting import plan_facilities
from planning.standards import Standards, load_standards
from planning.zoning import zone_communities

__all__ = [
    "EMPTY_GEOMETRY_TYPES",
    "INPUT_LAYERS",
    "STEPS",
    "Plan",
    "ProgressCallback",
    "Scenario",
    "SitingParameters",
    "load_plan",
    "load_scenario",
    "run_plan",
    "save_plan",
    "standards_from_toml",
    "standards_to_toml",
]

INPUT_LAYERS: tuple[str, ...] = ("communities", "facilities", "sites", "streets", "barriers")
"""Layers a scenario may hold; only ``communities`` is required."""

STEPS: tuple[str, ...] = ("metric", "eligibility", "network", "zoning", "siting", "coverage")
"""The steps of :func:`run_plan`, in order (names passed to the progress callback)."""

_STEP_WEIGHT = {"metric": 0.02, "eligibility": 0.03, "network": 0.15, "zoning": 0.25,
                "siting": 0.30, "coverage": 0.25}

_ELIGIBILITY_EXTRA = ("excluded_reason_en", "reason_codes", "override", "override_note",
                      "eligibility_note", "eligibility_note_en")

ProgressCallback = Callable[[str, float], None]
"""``progress(step_name, fraction_done)``; fraction in 0–1 over the whole run."""



@dataclass(frozen=True)
class SitingParameters:
    """Parameters of the siting step (``planning.siting.plan_facilities``).

    ``None`` means the siting module's own default.
    """

    model: str | None = None
    budget_wan: float | None = None
    max_sites: int | None = None
    time_limit_s: float | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The parameters that are set, as keyword arguments."""
        return {k: v for k, v in (("model", self.model), ("budget_wan", self.budget_wan),
                                  ("max_sites", self.max_sites),
                                  ("time_limit_s", self.time_limit_s)) if v is not None}


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything one run needs: layers, standards, parameters and the seed.

    Parameters
    ----------
    layers
        ``communities`` (required), ``facilities``, ``sites``, ``streets``, ``barriers``:
        GeoDataFrames in the canonical columns of ``geo.schema``, indexed by their id columns.
    standards
        The frozen standards and policy of the run (``planning.standards.load_standards``).
    siting
        Siting model parameters.
    seed
        Seed of every random choice in the run.
    overrides
        Planner overrides passed to eligibility: a table indexed by ``community_id`` with
        ``action`` (``force_in``/``force_out``) and ``note``
        (``planning.eligibility.read_overrides`` reads and checks one).
    name
        A label for the scenario (shown in exports).
    crs
        The analysis CRS (projected, metres), e.g. ``"EPSG:32635"`` for data outside China; by
        default the CGCS2000 3-degree Gauss-Kruger zone nearest the data.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    standards: Standards
    siting: SitingParameters = field(default_factory=SitingParameters)
    seed: int = 0
    overrides: pd.DataFrame | None = None
    name: str = ""
    crs: str | None = None


@dataclass(frozen=True, eq=False)
class Plan:
    """The result of :func:`run_plan`.

    Attributes
    ----------
    scenario
        The scenario that produced the plan.
    crs
        The analysis CRS (CGCS2000 Gauss-Kruger, metres) of every layer below.
    communities
        Every input compound: its input columns plus ``eligible``, ``zone_id``,
        ``excluded_reason``, ``walk_minutes_<kind>``, ``reason_<kind>``, covered flags and
        ``completeness`` after the plan, and ``covered_<kind>_before``, ``completeness_before``
        with existing facilities only.
    zones
        Renovation zones (``zone_id``, ``households``, ``n_communities``, ... , geometry).
    planned_facilities
        Facilities the plan adds (``site_id``, ``kind``, ``capacity``, ``zone_id``, ``cost``, ...).
    service_areas, gaps
        Walking service areas and gap areas after the plan.
    coverage_before, coverage_after
        Coverage summaries (kind, minutes, households covered, share) with existing facilities
        only and with the planned ones added.
    unserved
        Demand the siting step could not serve, with reasons.
    steps
        Step name -> ``"done"`` or ``"not run: <why>"``.
    notes
        What the run decided for the planner that the layers do not show ("中文 / English"):
        the siting step's notes (generated candidates, a site's capacity or cost taken from
        the standards, the fewest sites used for want of a budget or count).
    """

    scenario: Scenario
    crs: pyproj.CRS
    communities: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    planned_facilities: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    coverage_before: pd.DataFrame
    coverage_after: pd.DataFrame
    unserved: pd.DataFrame
    steps: Mapping[str, str]
    notes: tuple[str, ...] = ()

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The result layers by name (for exports and maps)."""
        return {"communities": self.communities, "zones": self.zones,
                "planned_facilities": self.planned_facilities,
                "service_areas": self.service_areas, "gaps": self.gaps}

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The non-spatial result tables by name."""
        return {"coverage_before": self.coverage_before, "coverage_after": self.coverage_after,
                "unserved": self.unserved}


# --------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------


def run_plan(scenario: Scenario, *, progress: ProgressCallback | None = None) -> Plan:
    """Run the whole pipeline on a scenario.

    Parameters
    ----------
    scenario
        Layers, standards and parameters.
    progress
        Called as ``progress(step_name, fraction)`` before each step and once with
        ``("done", 1.0)`` at the end; the CLI feeds tqdm with it, the app ``st.progress``.

    Returns
    -------
    Plan
        Every input compound with its zone or excluded reason, plus the result layers.

    Raises
    ------
    ScenarioError, LayerValidationError
        When the scenario's layers cannot be used (every problem listed at once), or when a step
        rejects its input.
    """
    report = progress if progress is not None else _no_progress
    steps: dict[str, str] = {}
    done = 0.0

    def start(step: str) -> None:
        report(step, min(done, 1.0))

    _validate(scenario)
    start("metric")
    crs = (pyproj.CRS.from_user_input(scenario.crs) if scenario.crs
           else local_metric_crs(scenario.layers["communities"]))
    layers = {name: to_metric(gdf, crs=crs) for name, gdf in scenario.layers.items()
              if gdf is not None}
    communities = layers["communities"]
    facilities = layers.get("facilities")
    steps["metric"] = "done"
    done += _STEP_WEIGHT["metric"]

    start("eligibility")
    eligibility = _run_eligibility(communities, scenario, steps)
    done += _STEP_WEIGHT["eligibility"]

    start("network")
    network = _run_network(layers, scenario, steps)
    done += _STEP_WEIGHT["network"]

    start("zoning")
    assignments, zones = _run_zoning(communities, layers, eligibility, scenario, steps)
    done += _STEP_WEIGHT["zoning"]

    start("siting")
    share = _STEP_WEIGHT["siting"]
    planned, unserved, notes = _run_siting(
        communities, layers, assignments, zones, network, scenario, steps,
        lambda k, n: report("siting", min(done + share * k / n, 1.0)))
    done += share

    start("coverage")
    share = _STEP_WEIGHT["coverage"]
    coverage = _run_coverage(communities, facilities, planned, network, scenario, steps, crs,
                             lambda k, n: report("coverage", min(done + share * k / n, 1.0)))
    report("done", 1.0)

    table_after, service_areas, gaps, before, after, before_columns = coverage
    out = communities.copy()
    out["eligible"] = eligibility["eligible"]
    out["zone_id"] = assignments["zone_id"]
    out["excluded_reason"] = assignments["excluded_reason"]
    for col in ("zone_note", "zone_note_en"):  # joined across a gap, or why off bounds
        if col in assignments.columns:
            out[col] = assignments[col]
    for col in _ELIGIBILITY_EXTRA:
        if col in eligibility.columns:
            out[col] = eligibility[col]
    for col in table_after.columns:
        out[col] = table_after[col]
    for col in before_columns.columns:
        out[col] = before_columns[col]
    out = _geometry_last(_none_for_missing(out))
    zones, planned, service_areas, gaps = (_none_for_missing(f) for f in
                                           (zones, planned, service_areas, gaps))
    before, after, unserved = (_none_for_missing(f) for f in (before, after, unserved))
    _assert_nothing_lost(scenario.layers["communities"], out)
    return Plan(scenario=scenario, crs=crs, communities=out, zones=zones,
                planned_facilities=planned, service_areas=service_areas, gaps=gaps,
                coverage_before=before, coverage_after=after, unserved=unserved, steps=steps,
                notes=notes)


def _no_progress(step: str, fraction: float) -> None:
    """Progress callback that does nothing."""


def _validate(scenario: Scenario) -> None:
    """Check the scenario's layers once, listing every problem."""
    problems: list[Problem] = []
    unknown = sorted(set(scenario.layers) - set(INPUT_LAYERS))
    if unknown:
        problems.append(Problem("layers", tuple(unknown),
                                f"unknown layer names; allowed: {', '.join(INPUT_LAYERS)}"))
    communities = scenario.layers.get("communities")
    if communities is None or len(communities) == 0:
        problems.append(Problem("communities", (), "the communities layer is required and must "
                                                   "hold at least one compound"))
    for name, gdf in scenario.layers.items():
        if gdf is None or name not in LAYERS:
            continue
        if not isinstance(gdf, gpd.GeoDataFrame):
            problems.append(Problem(name, (), "must be a GeoDataFrame"))
            continue
        dup = gdf.index[gdf.index.duplicated()]
        if len(dup):
            problems.append(Problem(LAYERS[name].id_column,
                                    tuple(str(i) for i in dup.unique()),
                                    f"{name}: ids must be unique"))
        if gdf.crs is None and len(gdf):
            problems.append(Problem("crs", (), f"{name}: 图层没有坐标系，请在读取时声明（如 "
                                               f"--crs EPSG:4547） / the layer has no CRS; "
                                               "declare it when reading (e.g. --crs EPSG:4547)"))
        missing = [c.name for c in LAYERS[name].columns
                   if c.required and c.name not in gdf.columns]
        if missing:
            problems.append(Problem(", ".join(missing), (), f"{name}: required column missing"))
    if scenario.crs:
        try:
            pyproj.CRS.from_user_input(scenario.crs)
        except pyproj.exceptions.CRSError:
            problems.append(Problem("crs", (), f"analysis CRS {scenario.crs!r} is not a CRS "
                                               "pyproj knows; give e.g. 'EPSG:4547'"))
    if not isinstance(scenario.seed, (int, np.integer)) or isinstance(scenario.seed, bool):
        problems.append(Problem("seed", (), f"must be an integer, got {scenario.seed!r}"))
    if problems:
        raise LayerValidationError("scenario", problems)


def _run_eligibility(communities: gpd.GeoDataFrame, scenario: Scenario,
                     steps: dict[str, str]) -> pd.DataFrame:
    result = assess_eligibility(communities, scenario.standards.eligibility,
                                overrides=scenario.overrides)
    steps["eligibility"] = "done"
    return result


def _run_network(layers: Mapping[str, gpd.GeoDataFrame], scenario: Scenario,
                 steps: dict[str, str]) -> WalkNetwork | None:
    streets = layers.get("streets")
    if streets is None or len(streets) == 0:
        steps["network"] = (
            "not run: no streets layer (straight-line distances × detour factor)"
            if streets is None else
            "not run: 街道图层为空 / the streets layer is empty: straight-line distances × "
            "detour factor")
        return None
    network = walking_network(streets, scenario.standards)
    steps["network"] = "done"
    return network


#: Zonings of the last two plans, by everything zoning reads: the app plans again after every
#: siting parameter or drawn site, which changes nothing here, and zoning a large district
#: takes seconds.
_ZONINGS: dict[Hashable, tuple[pd.DataFrame, gpd.GeoDataFrame]] = {}
_ZONINGS_KEPT = 2


def _run_zoning(communities: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame],
                eligibility: pd.DataFrame, scenario: Scenario,
                steps: dict[str, str]) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    key = "/".join([*(layer_digest(x) for x in (communities, eligibility,
                                                 layers.get("barriers"), layers.get("streets"))),
                    # the sections zone_communities reads (demand and cost are siting's)
                    json.dumps({k: v for k, v in scenario.standards.to_dict().items()
                                if k in ("walking", "eligibility", "zoning")},
                               sort_keys=True, default=str),
                    str(int(scenario.seed))])

    def build() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
        result = zone_communities(communities, standards=scenario.standards,
                                  eligibility=eligibility, barriers=layers.get("barriers"),
                                  streets=layers.get("streets"), seed=int(scenario.seed))
        return result.assignments, result.zones

    assignments, zones = remember(_ZONINGS, key, build, kept=_ZONINGS_KEPT)
    steps["zoning"] = "done"
    return assignments.copy(deep=True), zones.copy(deep=True)


def _run_siting(communities: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame],
                assignments: pd.DataFrame, zones: gpd.GeoDataFrame,
                network: WalkNetwork | None, scenario: Scenario, steps: dict[str, str],
                progress: Callable[[int, int], None],
                ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, tuple[str, ...]]:
    zoned = assignments["zone_id"].notna()
    if not zoned.any():
        steps["siting"] = "not run: no compound is in a zone"
        return _empty_planned(communities.crs), pd.DataFrame(), ()
    # the compounds of the renovation zones share the facilities
    demand = communities.loc[zoned].assign(zone_id=assignments.loc[zoned, "zone_id"])
    result = plan_facilities(demand, layers.get("sites"), standards=scenario.standards,
                             zones=zones, facilities=layers.get("facilities"),
                             network=network, progress=progress,
                             **scenario.siting.as_kwargs())
    # the worst solve's status, and the largest gap to a proven bound when not all are optimal
    gap = (f", gap {result.gap:.2%}" if result.status != "optimal" and np.isfinite(result.gap)
           and result.gap > 0 else "")
    steps["siting"] = f"done ({result.status}{gap})"
    return result.planned, result.unserved, tuple(result.notes)


def _run_coverage(communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None,
                  planned: gpd.GeoDataFrame, network: WalkNetwork | None, scenario: Scenario,
                  steps: dict[str, str], crs: pyproj.CRS,
                  progress: Callable[[int, int], None],
                  ) -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame,
                             pd.DataFrame, pd.DataFrame]:
    existing = facilities if facilities is not None else _empty_facilities(crs)
    # before: minutes and summary only (its service areas and gaps would be thrown away)
    before = compute_coverage(communities, existing, standards=scenario.standards,
                              network=network, areas=False)
    after = compute_coverage(communities, _facilities_after(existing, planned),
                             standards=scenario.standards, network=network, progress=progress)
    steps["coverage"] = "done"
    covered = [f"covered_{k}" for k in scenario.standards.kinds
               if f"covered_{k}" in before.table.columns]
    was = before.table[[*covered, "completeness"]].rename(
        columns={c: f"{c}_before" for c in [*covered, "completeness"]})
    return (after.table, after.service_areas, after.gaps, before.summary, after.summary, was)


def _facilities_after(existing: gpd.GeoDataFrame, planned: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Existing facilities plus the planned ones (as points, ids ``<site_id>:<kind>``)."""
    if len(planned) == 0:
        return existing
    site = planned["site_id"] if "site_id" in planned.columns else planned.index.to_series()
    ids = [f"{s}:{k}" for s, k in zip(site.astype(str), planned["kind"].astype(str), strict=True)]
    new = gpd.GeoDataFrame(
        {"kind": planned["kind"].to_numpy(),
         "name": [f"规划{i}" for i in ids],
         "capacity": pd.to_numeric(planned.get("capacity"), errors="coerce")
         if "capacity" in planned.columns else np.nan},
        geometry=planned.geometry.representative_point().to_numpy(),
        index=pd.Index(ids, name=existing.index.name or "facility_id"), crs=existing.crs)
    return pd.concat([existing[["kind", "name", "capacity", "geometry"]]
                      if "name" in existing.columns else existing, new])


def _empty_facilities(crs: pyproj.CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": pd.Series([], dtype=object),
                             "name": pd.Series([], dtype=object),
                             "capacity": pd.Series([], dtype=float)},
                            geometry=gpd.GeoSeries([], crs=crs),
                            index=pd.Index([], name="facility_id", dtype=object))


def _empty_zones(crs: Any) -> gpd.GeoDataFrame:
    cols = {"zone_id": object, "households": "int64", "n_communities": "int64",
            "area_m2": float, "diameter_m": float, "compactness": float, "within_bounds": bool}
    return gpd.GeoDataFrame({k: pd.Series([], dtype=v) for k, v in cols.items()},
                            geometry=gpd.GeoSeries([], crs=crs))


def _empty_planned(crs: Any) -> gpd.GeoDataFrame:
    cols = {"site_id": object, "kind": object, "capacity": float, "zone_id": object,
            "demand_served": float, "cost": float, "generated": bool}
    return gpd.GeoDataFrame({k: pd.Series([], dtype=v) for k, v in cols.items()},
                            geometry=gpd.GeoSeries([], crs=crs))


def _none_for_missing(frame: pd.DataFrame) -> Any:
    """Object columns hold None (not NaN) for missing values, as they read back from a file."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and col != getattr(out, "_geometry_column_name", None):
            out[col] = out[col].where(out[col].notna(), None)
    return out


def _geometry_last(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    name = gdf.geometry.name
    cols = [c for c in gdf.columns if c != name] + [name]
    return gdf[cols]


def _assert_nothing_lost(given: gpd.GeoDataFrame, out: gpd.GeoDataFrame) -> None:
    """Every input compound comes out, in a zone or with an excluded reason."""
    missing = given.index.difference(out.index)
    unexplained = out.index[out["zone_id"].isna() & out["excluded_reason"].isna()]
    if len(missing) or len(unexplained) or len(out) != len(given):
        msg = ("internal error: compounds lost by the plan "
               f"(missing: {list(missing)[:20]}, neither zoned nor excluded: "
               f"{list(unexplained)[:20]})")
        raise AssertionError(msg)


# --------------------------------------------------------------------------------------------
# Saving and loading (one GeoPackage: inputs, results, parameters)
# --------------------------------------------------------------------------------------------

_RESULT_LAYERS = {"communities": "plan_communities", "zones": "zones",
                  "planned_facilities": "planned_facilities", "service_areas": "service_areas",
                  "gaps": "gaps"}
_RESULT_TABLES = ("coverage_before", "coverage_after", "unserved")
# what an empty layer is declared as (a budget of 0 plans no facility; full coverage, no gap)
EMPTY_GEOMETRY_TYPES = {"facilities": "Point", "streets": "LineString", "zones": "MultiPolygon",
                        "planned_facilities": "Point", "service_areas": "MultiPolygon",
                        "gaps": "MultiPolygon", "candidates": "Point"}
_FORMAT = "pianqu-plan/1"


def save_plan(plan: Plan, path: str | Path) -> Path:
    """Write a plan to one GeoPackage that opens in QGIS and reloads into the same plan.

    Layers, all in the analysis CRS: the inputs under their canonical names (``communities``,
    ``facilities``, ``sites``, ``streets``, ``barriers``, so the file is also an input file), the
    results (``plan_communities``, ``zones``, ``planned_facilities``, ``service_areas``,
    ``gaps``), the tables ``coverage_before``, ``coverage_after``, ``unserved``, ``overrides``,
    and ``parameters`` (key, value): the format, Pianqu version, standards as TOML text, the
    scenario's parameters and seed, the steps run, and each layer's columns and dtypes.

    Parameters
    ----------
    plan
        The plan to save.
    path
        The ``.gpkg`` file (replaced if it exists).

    Returns
    -------
    Path
        The file written.
    """
    frames: dict[str, pd.DataFrame] = {}
    for name, gdf in plan.scenario.layers.items():
        if gdf is not None:
            frames[name] = to_metric(gdf, crs=plan.crs)
    for attr, layer in _RESULT_LAYERS.items():
        frames[layer] = getattr(plan, attr)
    for table in _RESULT_TABLES:
        frames[table] = getattr(plan, table)
    if plan.scenario.overrides is not None:
        frames["overrides"] = plan.scenario.overrides
    manifest = {name: _frame_manifest(frame) for name, frame in frames.items()}
    scenario = plan.scenario
    params = {
        "format": _FORMAT,
        "pianqu_version": _version(),
        "name": scenario.name,
        "seed": str(int(scenario.seed)),
        "analysis_crs": scenario.crs or "",
        "siting": json.dumps(dataclasses.asdict(scenario.siting), ensure_ascii=False),
        "standards_toml": standards_to_toml(scenario.standards),
        "standards_source": scenario.standards.source,
        "crs": plan.crs.to_wkt(),
        "inputs": json.dumps([n for n in INPUT_LAYERS if n in scenario.layers]),
        "steps": json.dumps(dict(plan.steps), ensure_ascii=False),
        "notes": json.dumps(list(plan.notes), ensure_ascii=False),
        "layers": json.dumps(manifest, ensure_ascii=False),
    }
    frames["parameters"] = pd.DataFrame({"key": list(params), "value": list(params.values())})
    return write_geopackage(frames, path, empty_types=EMPTY_GEOMETRY_TYPES)


def load_scenario(path: str | Path) -> Scenario:
    """The scenario saved in a plan GeoPackage (inputs in the analysis CRS + parameters).

    Running it again (:func:`run_plan`) gives the saved plan.

    Raises
    ------
    ScenarioError
        If the file is not a Pianqu plan, or was written by an incompatible format version.
    """
    params, manifest = _read_parameters(path)
    layers = {name: _read_frame(path, name, manifest[name])
              for name in json.loads(params["inputs"])}
    siting = SitingParameters(**json.loads(params["siting"]))
    overrides = (_read_frame(path, "overrides", manifest["overrides"])
                 if "overrides" in manifest else None)
    standards = standards_from_toml(params["standards_toml"], source=params["standards_source"])
    return Scenario(layers=layers, standards=standards, siting=siting, seed=int(params["seed"]),
                    overrides=overrides, name=params["name"],
                    crs=params.get("analysis_crs") or None)


def load_plan(path: str | Path) -> Plan:
    """A plan saved with :func:`save_plan`, identical to the one saved (frames, dtypes, order).

    Raises
    ------
    ScenarioError
        If the file is not a Pianqu plan, or was written by an incompatible format version.
    """
    params, manifest = _read_parameters(path)
    scenario = load_scenario(path)
    results = {attr: _read_frame(path, layer, manifest[layer])
               for attr, layer in _RESULT_LAYERS.items()}
    tables = {t: _read_frame(path, t, manifest[t]) for t in _RESULT_TABLES}
    return Plan(scenario=scenario, crs=pyproj.CRS.from_wkt(params["crs"]),
                steps=json.loads(params["steps"]),
                notes=tuple(json.loads(params.get("notes", "[]"))), **results, **tables)


def standards_to_toml(standards: Standards) -> str:
    """The standards as TOML text in the shape of ``data/standards.toml``.

    >>> from planning.standards import load_standards
    >>> std = load_standards()
    >>> standards_from_toml(standards_to_toml(std), source=std.source) == std
    True
    """
    data = standards.to_dict()
    lines: list[str] = []
    for section, values in data.items():
        if section == "life_circle":
            for level in values:
                lines.append("[[life_circle]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in level.items()]
                lines.append("")
        elif section == "kinds":
            for key, spec in values.items():
                lines.append(f"[kinds.{key}]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
                lines.append("")
        else:
            lines.append(f"[{section}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
            lines.append("")
    return "\n".join(lines)


def standards_from_toml(text: str, *, source: str) -> Standards:
    """Standards from TOML text (validated like a file; missing keys take the defaults)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "standards.toml"
        path.write_text(text, encoding="utf-8")
        standards = load_standards(path)
    return dataclasses.replace(standards, source=source)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _version() -> str:
    try:
        return importlib.metadata.version("pianqu")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _frame_manifest(frame: pd.DataFrame) -> dict[str, Any]:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return {
        "index": frame.index.name,
        "index_dtype": str(frame.index.dtype),
        "columns": [[str(c), str(frame[c].dtype)] for c in frame.columns if c != geometry],
        "order": [str(c) for c in frame.columns],
        "geometry": geometry,
        "crs": frame.crs.to_wkt() if geometry and frame.crs is not None else None,
        "rows": len(frame),
    }


def _read_parameters(path: str | Path) -> tuple[dict[str, str], dict[str, Any]]:
    src = Path(path)
    if not src.exists():
        msg = f"plan file not found: {src}"
        raise ScenarioError(msg)
    names = {str(row[0]) for row in pyogrio.list_layers(src)}
    if "parameters" not in names:
        msg = (f"{src} is not a Pianqu plan (no 'parameters' table); save one with "
               "planning.scenario.save_plan or `pianqu plan --out DIR`")
        raise ScenarioError(msg)
    table = pyogrio.read_dataframe(src, layer="parameters", read_geometry=False)
    params = dict(zip(table["key"].astype(str), table["value"].astype(str), strict=True))
    if params.get("format") != _FORMAT:
        msg = f"{src}: plan format {params.get('format')!r} is not {_FORMAT!r}"
        raise ScenarioError(msg)
    return params, json.loads(params["layers"])


def _read_frame(path: str | Path, layer: str, spec: Mapping[str, Any]) -> pd.DataFrame:
    """Read one saved layer and restore its index, column order and dtypes exactly."""
    geometry = spec["geometry"]
    crs = pyproj.CRS.from_wkt(spec["crs"]) if spec.get("crs") else None
    dtypes = dict(spec["columns"])
    if spec["rows"] == 0:
        data = {c: pd.Series([], dtype=_empty_dtype(dtypes[c])) for c in dtypes}
        index = pd.Index([], name=spec["index"], dtype=_empty_dtype(spec["index_dtype"]))
        frame: pd.DataFrame
        if geometry:
            frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs, index=index),
                                     index=index)
            frame = frame.rename_geometry(geometry) if geometry != "geometry" else frame
        else:
            frame = pd.DataFrame(data, index=index)
        return frame[spec["order"]]
    raw = pyogrio.read_dataframe(path, layer=layer, read_geometry=bool(geometry))
    if spec["index"] is not None:
        raw = raw.set_index(spec["index"])
        raw.index = _restore(raw.index.to_series(), spec["index_dtype"]).rename(spec["index"])
        raw.index.name = spec["index"]
    for col, dtype in dtypes.items():
        raw[col] = _restore(raw[col], dtype)
    if geometry:
        raw = gpd.GeoDataFrame(raw, geometry="geometry", crs=crs)
        if geometry != "geometry":
            raw = raw.rename_geometry(geometry)
    return raw[spec["order"]]


def _empty_dtype(dtype: str) -> Any:
    return object if dtype == "object" else dtype


def _restore(values: pd.Series, dtype: str) -> pd.Series:
    """Cast a column read from GeoPackage back to the dtype it was saved with."""
    if dtype == "object":
        out = values.astype(object)
        return out.where(values.notna(), None)
    if dtype in ("bool", "boolean", "Int64", "Int32", "int64", "int32"):
        if dtype in ("bool", "int64", "int32") and values.isna().any():
            return values  # cannot happen for a column saved without missing values
        return values.astype(dtype)
    return values.astype(dtype)
