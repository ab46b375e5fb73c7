"""``pianqu plan --out DIR``: run the whole plan and write every export.

Inputs, in order of precedence: the layer files given (``--communities`` ...), else an OSM
extract (``--osm``), else a saved plan (``--scenario``), else the bundled sample district.
Layer files given together with ``--osm``, ``--scenario`` or (without ``--communities``) the
sample replace those layers; ``--standards``
and ``--seed`` replace a saved scenario's. The run is eligibility → zoning → siting → coverage
(planning.scenario.run_plan); the outputs are planning.export's (project GeoPackage, GeoJSON,
Shapefile zips, summary tables) and the printed zone maps.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="pianqu")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["plan", "--out", "out", "--seed", "3", "--lang", "en"])
>>> args.out, args.seed, args.lang, args.shapefile_encoding
('out', 3, 'en', None)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.errors import LayerValidationError, PlanningInputError
from planning.commands._layers import (
    add_crs_options,
    analysis_crs,
    explicit_analysis_crs,
    osm_replaced_lines,
    read_file,
    read_options,
)
from planning.commands._report import (
    add_include_unknown,
    include_unknown,
    unconnected_line,
    unknown_lines,
    zone_lines,
)
from planning.export import ZONE_PAGES_MAX, export_plan, print_maps
from planning.scenario import (
    INPUT_LAYERS,
    Plan,
    Scenario,
    SitingParameters,
    load_scenario,
    run_plan,
)
from planning.standards import load_standards

__all__ = ["build_scenario", "register", "step_times", "zone_pages"]


def register(subparsers: Any) -> None:
    """Add the ``plan`` sub-command."""
    p = subparsers.add_parser(
        "plan",
        help="运行规划并导出成果 / run the plan and write every export",
        description="Run eligibility → zoning → siting → coverage on the bundled sample "
                    "district (default), on the layers given, or on a saved plan, and write "
                    "into OUT: plan.gpkg (project file, reloads with --scenario), geojson/ "
                    "(RFC 7946, one file per layer, field schema CSV), shapefile/ (zips with "
                    ".prj, .cpg and alias table), tables/ (summary.xlsx and CSVs) and maps/ "
                    "(printed zone maps, PDF and PNG).",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    src = p.add_argument_group("inputs (default: the bundled sample district)")
    for name in INPUT_LAYERS:
        src.add_argument(f"--{name}", metavar="FILE",
                         help=f"the {name} layer (GeoPackage, GeoJSON, Shapefile/zip, CSV/XLSX)")
    src.add_argument("--layers", metavar="FILE.gpkg",
                     help="one GeoPackage (or zip) with layers named communities, facilities, "
                          "sites, streets, barriers")
    src.add_argument("--osm", metavar="FILE.pbf",
                     help="an OpenStreetMap extract: compounds (households estimated), "
                          "facilities, streets, barriers")
    src.add_argument("--scenario", metavar="PLAN.gpkg",
                     help="a plan saved by Pianqu (its plan.gpkg): rerun with its layers and "
                          "parameters")
    par = p.add_argument_group("parameters")
    add_crs_options(src, par)
    src.add_argument("--overrides", metavar="CSV",
                     help="planner overrides: community_id, action (纳入/排除), note (备注)")
    par.add_argument("--standards", metavar="FILE.toml",
                     help="standards and policy (a copy of data/standards.toml, edited)")
    add_include_unknown(par)
    par.add_argument("--seed", type=int, default=None, help="seed of every random choice "
                                                             "(default 0, or the saved one)")
    par.add_argument("--model", choices=["mclp", "capacitated", "min_sites"],
                     help="siting model (default: the siting module's, mclp)")
    par.add_argument("--budget", type=float, metavar="WAN", help="facility budget in 万元")
    par.add_argument("--max-sites", type=int, metavar="N", help="sites per kind at most")
    par.add_argument("--time-limit", type=float, metavar="S",
                     help="siting: time limit per solve, seconds (default 30, or the saved "
                          "one); a solve it stops may come out differently on a rerun")
    out = p.add_argument_group("outputs")
    out.add_argument("--lang", choices=["zh", "en"], default="zh",
                     help="language of tables and maps (default zh)")
    out.add_argument("--shapefile-encoding", choices=["gbk", "utf-8"], default=None,
                     help="text encoding of the Shapefiles' .dbf, which the .cpg states "
                          "(default: gbk, or utf-8 with a note when some text has no GBK "
                          "code; gbk given: such text stops the export)")
    out.add_argument("--no-maps", action="store_true", help="do not print the zone maps")
    out.add_argument("--zones", metavar="IDS",
                     help="zones that get a map page after the overview: all, none, or ids "
                          "such as Z001,Z005 (default: all when the plan has at most "
                          f"{ZONE_PAGES_MAX} zones, else the overview only)")
    out.add_argument("--dpi", type=int, default=300,
                     help="resolution of the map PNGs (default 300 for print; the PDF is "
                          "vector)")
    p.set_defaults(func=_run)


def build_scenario(args: argparse.Namespace) -> Scenario:
    """The scenario the arguments describe (see the module docstring for precedence)."""
    from geo.io import read_layers

    files = {name: getattr(args, name) for name in INPUT_LAYERS if getattr(args, name, None)}
    base: Scenario | None = None
    layers: dict[str, gpd.GeoDataFrame] = {}
    if args.scenario:
        base = load_scenario(args.scenario)
        layers.update(base.layers)
        counts = ", ".join(f"{name} {len(gdf)}" for name, gdf in base.layers.items()
                          if gdf is not None)
        print(f"方案 scenario: {args.scenario} · {base.name or '未命名 unnamed'} · 种子 seed "
              f"{base.seed} · {counts}")
    extract: dict[str, gpd.GeoDataFrame] = {}
    if args.osm:
        from geo.osm import read_osm

        extract = read_osm(args.osm)
        layers.update(extract)
    given: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    if args.layers:
        given.update({k: (str(args.layers), r.gdf) for k, r in
                      read_layers(args.layers, **read_options(args)).items()})
    for name, path in files.items():
        given[name] = (str(path), read_file(path, name, args))
    if not layers and "communities" not in given:  # the sample, its layers replaced by files
        from planning.sample import load_sample

        layers = load_sample()
    layers.update({name: gdf for name, (_, gdf) in given.items()})
    for line in osm_replaced_lines(extract, given):
        print(line)
    if "communities" not in layers:
        msg = "no communities layer: give --communities FILE (or --layers, --osm, --scenario)"
        raise PlanningInputError(msg)
    standards = include_unknown(load_standards(args.standards) if args.standards
                                else base.standards if base is not None else load_standards(),
                                args)
    siting = base.siting if base is not None else SitingParameters()
    changes = {k: v for k, v in (("model", args.model), ("budget_wan", args.budget),
                                 ("max_sites", args.max_sites),
                                 ("time_limit_s", args.time_limit)) if v is not None}
    siting = dataclasses.replace(siting, **changes)
    overrides = base.overrides if base is not None else None
    if args.overrides:
        from planning.eligibility import read_overrides

        overrides = read_overrides(args.overrides)
    seed = args.seed if args.seed is not None else base.seed if base is not None else 0
    name = base.name if base is not None else ""
    if explicit_analysis_crs(args) is not None:  # --analysis-crs, or --crs in metres
        crs = args.analysis_crs or args.crs
    else:
        crs = base.crs if base is not None else None
    if crs is None:  # the zone nearest the data: fail now, naming --analysis-crs, if none is
        analysis_crs(args, layers["communities"])
    return Scenario(layers=layers, standards=standards, siting=siting, seed=seed,
                    overrides=overrides, name=name, crs=crs)


def zone_pages(asked: str | None, zone_ids: list[str]) -> list[str] | None:
    """The zones to print a page for: ``--zones`` read against the plan's zones.

    None means every zone. Without ``--zones``: every zone when there are at most
    :data:`planning.export.ZONE_PAGES_MAX`, else none.

    Examples
    --------
    >>> zone_pages("Z002, Z001", ["Z001", "Z002", "Z003"])
    ['Z002', 'Z001']
    >>> zone_pages("none", ["Z001"]), zone_pages("all", ["Z001"]), zone_pages(None, ["Z001"])
    ([], None, None)
    >>> zone_pages("Z009", ["Z001", "Z002"])
    Traceback (most recent call last):
    ...
    geo.errors.PlanningInputError: --zones: 本方案没有片区 Z009（片区为 Z001, Z002） / ...
    """
    if asked is None:
        return None if len(zone_ids) <= ZONE_PAGES_MAX else []
    word = asked.strip().lower()
    if word == "all":
        return None
    if word in ("none", ""):
        return []
    ids = list(dict.fromkeys(i.strip() for i in asked.split(",") if i.strip()))
    known = set(zone_ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        some = ", ".join(zone_ids[:5]) + (f" … {zone_ids[-1]}" if len(zone_ids) > 5 else "")
        msg = (f"--zones: 本方案没有片区 {', '.join(unknown)}（片区为 {some or '无'}） / "
               f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
               f"a zone of this plan (its zones: {some or 'none'})")
        raise PlanningInputError(msg)
    return ids


def step_times(began: dict[str, float], end: float) -> str:
    """One line of seconds per step, from when each step began (in order) to the next.

    >>> print(step_times({"network": 0.0, "zoning": 2.25, "siting": 3.0}, 18.5))
    用时（秒） time (s): network 2.2 · zoning 0.8 · siting 15.5 · total 18.5
    """
    steps = list(began.items())
    ends = [t for _, t in steps[1:]] + [end]
    parts = [f"{step} {stop - start:.1f}" for (step, start), stop in zip(steps, ends, strict=True)
             if step != "done"]  # run_plan's last word, not a step
    total = end - steps[0][1] if steps else 0.0
    return f"用时（秒） time (s): {' · '.join(parts)} · total {total:.1f}"


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    scenario = build_scenario(args)
    out = Path(args.out)
    zh = args.lang == "zh"
    maps_share = 0 if args.no_maps else 30  # printing dozens of A3 pages is the longest step
    plan_share = (100 - maps_share) * 0.8
    began: dict[str, float] = {}  # when each step began: a batch run says where time went
    with tqdm(total=100, unit="%", file=sys.stderr, bar_format="{l_bar}{bar}| {elapsed}",
              desc="规划" if zh else "plan") as bar:
        def progress(step: str, fraction: float) -> None:
            began.setdefault(step, time.perf_counter())
            bar.set_description_str(step)
            bar.update(max(0, round(fraction * plan_share) - bar.n))

        plan = run_plan(scenario, progress=progress)
        zone_ids = [str(z) for z in plan.zones["zone_id"]]
        try:
            pages: list[str] | None = zone_pages(args.zones, zone_ids)
        except PlanningInputError as exc:  # the plan is exported all the same, not thrown away
            wrong_zones: PlanningInputError | None = exc
            pages = []
        else:
            wrong_zones = None
        progress("export", 1.0)
        encoding = args.shapefile_encoding or "gbk"
        try:
            result = export_plan(plan, out, lang=args.lang, shapefile_encoding=encoding)
        except LayerValidationError as exc:
            if args.shapefile_encoding is not None:  # GBK was asked for: stop, nothing written
                raise
            # as the app does: the plan is not thrown away for a character GBK lacks
            encoding = "utf-8"
            tqdm.write(f"注意 / note: {exc}\nShapefile 改用 UTF-8 编码（.cpg 注明）/ Shapefiles "
                       "written in UTF-8 instead (their .cpg says so)", file=sys.stderr)
            result = export_plan(plan, out, lang=args.lang, shapefile_encoding=encoding)
        bar.update(100 - maps_share - bar.n)
        maps = None
        if maps_share and len(plan.zones) and wrong_zones is None:
            began["maps"] = time.perf_counter()
            bar.set_description_str("maps")
            start = bar.n

            def page_done(done: int, pages: int) -> None:
                bar.set_description_str(f"maps {done}/{pages}")
                bar.update(start + round(done / pages * maps_share) - bar.n)

            maps = print_maps(plan, out / "maps", lang=args.lang, dpi=args.dpi,
                              progress=page_done, zones=pages)
        bar.set_description_str("done")
        bar.update(100 - bar.n)
    _print_summary(plan, out)
    print(step_times(began, time.perf_counter()))
    print(f"项目文件 project: {result.project}")
    print(f"GeoJSON: {out / 'geojson'}  Shapefile ({encoding.upper()}): {out / 'shapefile'}  "
          f"表格 tables: {out / 'tables'}")
    if wrong_zones is not None:
        print(f"错误 / error: {wrong_zones}\n图纸未打印；成果已写出，可用 --scenario "
              f"{result.project} --zones … 重新打印 / maps not printed; everything else is "
              f"written, and --scenario {result.project} --zones … prints them",
              file=sys.stderr)
        return 2
    if maps is not None:
        listed = sum(page == "zone_list" for page in maps.pages)
        print(f"图纸 maps: {maps.pdf} ({len(maps.pages)} pages"
              + (f"; 片区一览 zone list: {listed}" if listed else "") + ")")
        if args.zones is None and pages == []:
            example = ",".join(zone_ids[:2])
            print(f"  {len(plan.zones)} 个片区，只印总图 / {len(plan.zones)} zones: the overview "
                  f"only; --zones {example} (or --zones all) prints zone pages")
    elif not args.no_maps:
        print("图纸 maps: not printed (no zones)")
    return 0


def _print_summary(plan: Plan, out: Path) -> None:
    """Compounds, zones and facilities, as ``zoning``, ``siting`` and ``coverage`` say them."""
    from planning.eligibility import assess_eligibility, exclusion_lines, exclusion_summary

    scenario = plan.scenario
    c = plan.communities
    zoned = int(c["zone_id"].notna().sum())
    print(f"小区 compounds: {len(c)}  入片区 zoned: {zoned}  未纳入 excluded: {len(c) - zoned}")
    if zoned < len(c) and "reason_codes" in c.columns:
        print("\n".join(exclusion_lines(exclusion_summary(
            c.loc[c["zone_id"].isna(), "reason_codes"], scenario.standards.eligibility))))
    # the plan keeps reasons, not eligibility's notes: the same call on the same compounds
    eligibility = assess_eligibility(scenario.layers["communities"],
                                     scenario.standards.eligibility,
                                     overrides=scenario.overrides)
    for line in unknown_lines(eligibility):
        print(line)
    for line in zone_lines(plan.zones, str(out / "tables" / "zones.csv")):
        print(line)
    print(f"规划设施 planned facilities: {len(plan.planned_facilities)}")
    for step, status in plan.steps.items():
        print(f"  {step}: {status}")
    off = _unconnected(plan)
    if off:
        print(f"  {off}")
    for note in plan.notes:
        print(f"注意 note: {note}")


def _unconnected(plan: Plan) -> str | None:
    """:func:`~planning.commands._report.unconnected_line` for the plan's existing facilities.

    The plan keeps no facility report: coverage of the existing facilities alone (minutes
    only) on the plan's network, which :func:`planning.coverage.walking_network` remembers.
    """
    from geo.crs import to_metric
    from planning.coverage import compute_coverage, walking_network

    layers = plan.scenario.layers
    facilities, streets = layers.get("facilities"), layers.get("streets")
    if facilities is None or not len(facilities) or streets is None or not len(streets):
        return None
    standards = plan.scenario.standards
    network = walking_network(to_metric(streets, crs=plan.crs), standards)
    result = compute_coverage(to_metric(layers["communities"], crs=plan.crs),
                              to_metric(facilities, crs=plan.crs), standards=standards,
                              network=network, areas=False)
    return unconnected_line(result.facilities, list(standards.kinds))
