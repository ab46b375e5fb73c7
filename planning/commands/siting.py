"""``pianqu siting --out DIR``: site a zone's shared chargers, parking and elderly care.

Runs eligibility and zoning first (so that each zone's facilities serve its own compounds), then
:func:`planning.siting.plan_facilities`, and writes into DIR:

- ``planned_facilities.gpkg`` (layer ``planned_facilities``; plus ``candidates``),
- ``unserved.csv`` (demand left, per compound and kind, with the reason),
- ``coverage_before_after.csv`` (households and elderly within 5/10/15 minutes per kind),
- ``solves.csv`` (model, method, status, objective, bound, gap, seconds per solve),

CSV files in UTF-8 with a BOM so that Excel opens the Chinese text. Without input files it
runs on the bundled sample district; ``--osm`` reads the compounds, facilities, streets and
barriers of an OpenStreetMap extract (each replaced by the file given).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="pianqu")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["siting", "--out", "out", "--model", "capacitated",
...                           "--kinds", "ev_charger,parking", "--budget", "500"])
>>> args.model, args.kinds, args.budget, args.max_sites
('capacitated', 'ev_charger,parking', 500.0, None)
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import ScenarioError
from geo.io.write import write_geopackage
from geo.schema import FACILITY_KINDS
from planning.commands._layers import EMPTY_STREETS, add_crs_options, command_layers
from planning.commands._report import add_include_unknown, include_unknown, unknown_lines
from planning.demand import SITED_KINDS
from planning.scenario import EMPTY_GEOMETRY_TYPES
from planning.siting import DEFAULT_TIME_LIMIT_S, MODELS, SitingResult, plan_facilities
from planning.siting_candidates import parse_kinds
from planning.standards import Standards, load_standards

__all__ = ["load_inputs", "register", "run_siting", "write_outputs"]


def register(subparsers: Any) -> None:
    """Add the ``siting`` sub-command."""
    p = subparsers.add_parser(
        "siting",
        help="共享设施选址 / site shared EV chargers, parking and elderly care",
        description="Choose where each zone's shared EV chargers, parking and elderly-care "
                    "sites go. Runs eligibility and zoning first (a zone's facilities serve its "
                    "own compounds), measures walking distances on the street network, and "
                    "solves with HiGHS. Models: mclp (most demand within walking reach, under "
                    "--max-sites per kind and/or --budget), capacitated (the same, each site "
                    "serving at most its capacity), min_sites (cheapest sites that serve all "
                    "the demand that can be served). Without input files: the bundled sample.",
    )
    p.add_argument("--communities", metavar="FILE", help="compounds (default: the sample)")
    p.add_argument("--sites", metavar="FILE",
                   help="candidate sites; kinds without a site get generated candidates")
    p.add_argument("--facilities", metavar="FILE", help="existing facilities")
    p.add_argument("--streets", metavar="FILE",
                   help="street centre lines (without: straight lines × detour factor)")
    p.add_argument("--barriers", metavar="FILE", help="barriers for zoning")
    p.add_argument("--osm", metavar="FILE.pbf",
                   help="an OpenStreetMap extract: its compounds (households estimated), "
                        "facilities, streets and barriers, each replaced by the file given")
    p.add_argument("--standards", metavar="FILE", help="standards TOML (default: bundled)")
    add_crs_options(p)
    add_include_unknown(p)
    p.add_argument("--model", choices=MODELS, default="mclp", help="model (default mclp)")
    p.add_argument("--kinds", default=",".join(SITED_KINDS),
                   help=f"kinds to site, comma-separated (default {','.join(SITED_KINDS)})")
    p.add_argument("--budget", type=float, metavar="WAN", help="total budget, 万元")
    p.add_argument("--max-sites", type=int, metavar="N", help="sites per kind at most")
    p.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S, metavar="S",
                   help=f"time limit per solve, seconds (default {DEFAULT_TIME_LIMIT_S:g}); "
                        "a solve it stops may come out differently on a rerun")
    p.add_argument("--method", choices=["auto", "milp", "heuristic"], default="auto",
                   help="mclp and capacitated (min_sites is always the MILP): auto "
                        "(default) is greedy + swap (capacitated: greedy + allocation LP), "
                        "measured against the LP relaxation; unless that proves it within "
                        "0.01%%, a perturbation search (mclp) and then the MILP started from "
                        "the best plan; milp: the MILP alone; heuristic: the heuristics "
                        "alone, with their gap to the LP")
    p.add_argument("--per-zone", action="store_true",
                   help="--max-sites counts per kind in each zone (default: in the district)")
    p.add_argument("--generate", choices=["missing", "always", "never"], default="missing",
                   help="generated candidates (compound grounds, existing parking lots): for "
                        "kinds without a site (missing, default), added to the planner's sites "
                        "(always), or never")
    p.add_argument("--no-zones", action="store_true",
                   help="do not run zoning (no zone rule: any site serves any compound)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of zoning and of the siting heuristic (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.set_defaults(func=_run)


def load_inputs(args: argparse.Namespace) -> dict[str, gpd.GeoDataFrame | None]:
    """The input layers, in the communities' metric CRS (the sample's where none is given)."""
    return command_layers(args, ("sites", "facilities", "streets", "barriers"))


def run_siting(layers: dict[str, gpd.GeoDataFrame | None], *, standards: Standards,
               model: str = "mclp", kinds: list[str] | None = None,
               budget_wan: float | None = None, max_sites: int | None = None,
               time_limit_s: float = DEFAULT_TIME_LIMIT_S, method: str = "auto",
               zoning: bool = True,
               per_zone: bool = False, generate: str = "missing", seed: int = 0
               ) -> tuple[SitingResult, list[str]]:
    """Eligibility, zoning, network, then siting; returns the result and what was done."""
    from planning.eligibility import assess_eligibility

    communities = layers["communities"]
    assert communities is not None
    steps: list[str] = []
    eligibility = assess_eligibility(communities, standards.eligibility)
    eligible = eligibility["excluded_reason"].isna()
    steps.append(f"资格 eligibility: {int(eligible.sum())}/{len(communities)} compounds qualify")
    steps += unknown_lines(eligibility)
    zones = None
    zone_fn = _optional("planning.zoning", "zone_communities") if zoning else None
    if zone_fn is not None:
        zres = zone_fn(communities, standards=standards, eligibility=eligibility,
                       barriers=layers.get("barriers"), streets=layers.get("streets"),
                       seed=seed)
        planned_for = communities.assign(zone_id=zres.assignments["zone_id"])
        zones = zres.zones
        steps.append(f"分区 zoning: {len(zones)} zones")
    else:
        planned_for = communities.loc[eligible.to_numpy()]
        steps.append("分区 zoning: not run (no zone rule); eligible compounds only")
    network = None
    streets = layers.get("streets")
    if streets is not None and len(streets):
        from planning.coverage import walking_network

        network = walking_network(streets, standards)
        steps.append(f"路网 network: {network.n_nodes} nodes, {network.n_edges} edges")
    elif streets is not None:
        steps.append(f"路网 network: {EMPTY_STREETS}")
    else:
        steps.append("路网 network: none (straight lines × detour factor)")
    result = plan_facilities(planned_for, layers.get("sites"), standards=standards,
                             zones=zones, facilities=layers.get("facilities"), network=network,
                             model=model, kinds=kinds or list(SITED_KINDS),
                             budget_wan=budget_wan, max_sites=max_sites,
                             time_limit_s=time_limit_s, method=method,  # type: ignore[arg-type]
                             per_zone=per_zone, generate=generate, seed=seed)
    return result, steps


def write_outputs(result: SitingResult, out_dir: str | Path) -> list[Path]:
    """Write the planned layer (GeoPackage) and the tables (CSV, UTF-8 with BOM)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = write_geopackage({"planned_facilities": result.planned,
                             "candidates": result.candidates},
                            out / "planned_facilities.gpkg", empty_types=EMPTY_GEOMETRY_TYPES)
    paths = [gpkg]
    # demand in m², spaces and chargers to the hundredth (sums left 20.099999999999998)
    unserved = result.unserved.round({"demand": 2, "served": 2, "unserved": 2})
    for name, frame in (("unserved", unserved),
                        ("coverage_before_after", result.before_after),
                        ("solves", result.solves)):
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        paths.append(path)
    return paths


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _run(args: argparse.Namespace) -> int:
    # keys or the Chinese names the files use (养老,充电桩), as a site's kinds are read
    kinds, unknown = parse_kinds(args.kinds)
    if unknown or not kinds:
        words = ", ".join(unknown) if unknown else repr(args.kinds)
        msg = (f"--kinds: 无法识别 / not a kind: {words}; "
               f"give one or more of {','.join(SITED_KINDS)} (or 养老服务设施,充电桩,停车场)")
        raise ScenarioError(msg)
    standards = include_unknown(load_standards(args.standards), args)
    started = time.perf_counter()
    layers = load_inputs(args)
    result, steps = run_siting(layers, standards=standards, model=args.model, kinds=kinds,
                               budget_wan=args.budget, max_sites=args.max_sites,
                               time_limit_s=args.time_limit, method=args.method,
                               zoning=not args.no_zones, per_zone=args.per_zone,
                               generate=args.generate, seed=args.seed)
    paths = write_outputs(result, args.out)
    for line in steps:
        print(line)
    for note in result.notes:
        print(f"注意 note: {note}")
    print(f"距离 distances: {result.distance_method}")
    print(_summary(result))
    print(f"状态 status: {result.status}, 最大间隙 max gap {result.gap:.4%}, "
          f"{time.perf_counter() - started:.1f} s")
    for p in paths:
        print(f"  -> {p}")
    return 0


def _kind_words(kind: str) -> str:
    """充电桩 ev_charger: the kind as the planner reads it, and as --kinds takes it."""
    return f"{FACILITY_KINDS[kind].label_zh} {kind}" if kind in FACILITY_KINDS else kind


def _summary(result: SitingResult) -> str:
    lines = ["类型 kind | 选址 sites | 造价 cost (万元) | 需求 demand | 已满足 served | "
             "未满足 unserved | 单位 unit"]
    kinds = [c.removeprefix("served_") for c in result.demand.columns if c.startswith("served_")]
    over: list[str] = []
    for kind in kinds:
        planned = result.planned[result.planned["kind"] == kind]
        demand = float(result.demand[f"demand_{kind}"].sum())
        served = float(result.demand[f"served_{kind}"].sum())
        unit = FACILITY_KINDS[kind].capacity_unit_zh if kind in FACILITY_KINDS else ""
        lines.append(f"{_kind_words(kind)} | {len(planned)} | {planned['cost'].sum():,.0f} | "
                     f"{demand:,.0f} | {served:,.0f} | {demand - served:,.0f} | {unit}")
        if "over_capacity" in planned.columns:
            over += planned.index[planned["over_capacity"].fillna(False).astype(bool)].astype(
                str).tolist()
    if over:
        # maximal coverage counts the demand in reach, not what a site holds
        shown = ", ".join(over[:10]) + (" …" if len(over) > 10 else "")
        lines.append(f"注意 note: {len(over)} 处设施的服务需求超过其容量（最大覆盖模型不计容量，"
                     f"按容量分配请用 --model capacitated）/ {len(over)} sites serve more than "
                     f"their capacity (mclp does not count capacities; --model capacitated "
                     f"does): {shown}")
    if len(result.before_after):
        ba = result.before_after
        for _, r in ba.iterrows():
            # no population and elderly share anywhere (OSM): the elderly are not counted
            elderly = ("" if pd.isna(r["elderly_before"]) else
                       f"; elderly {r['elderly_before']:,} -> {r['elderly_after']:,}")
            lines.append(f"  {_kind_words(r['kind'])} {r['minutes']} min: households "
                         f"{r['households_before']:,} -> {r['households_after']:,} of "
                         f"{r['households_total']:,}{elderly}")
    return "\n".join(lines)
