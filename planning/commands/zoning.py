"""``pianqu zoning --out DIR``: group eligible neighbouring compounds into renovation zones.

Runs eligibility (with the planner's overrides) and :func:`planning.zoning.zone_communities`,
and writes into DIR:

- ``zones.gpkg`` (layer ``zones``: one polygon per zone with households, area, walking diameter,
  compactness and the bounds check),
- ``assignments.csv`` (every input compound: ``zone_id`` or ``excluded_reason``, and notes:
  ``zone_note``, and ``eligibility_note`` for a compound included with its built year or
  consent rate unknown, ``--include-unknown``),
- ``zones.csv`` (the zone table without geometry),

CSV files in UTF-8 with a BOM so that Excel opens the Chinese text. Without input files it runs
on the bundled sample district (with its barriers and streets); ``--osm`` reads the compounds,
streets and barriers of an OpenStreetMap extract (each replaced by the file given).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="pianqu")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["zoning", "--out", "out", "--min-households", "1000",
...                           "--max-households", "4000", "--gap-m", "40", "--seed", "3"])
>>> args.min_households, args.max_households, args.gap_m, args.seed
(1000, 4000, 40.0, 3)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planning.commands._layers import add_crs_options, command_layers
from planning.commands._report import (
    add_include_unknown,
    include_unknown,
    unknown_lines,
    zone_lines,
)
from planning.eligibility import assess_eligibility, exclusion_lines, exclusion_summary
from planning.standards import Standards, load_standards
from planning.zoning import ROAD_CLASS_RANK, ZoningResult, zone_communities

__all__ = ["register", "run_zoning", "write_outputs"]


def register(subparsers: Any) -> None:
    """Add the ``zoning`` sub-command."""
    p = subparsers.add_parser(
        "zoning",
        help="连片改造分区 / group eligible compounds into contiguous renovation zones",
        description="Decide which compounds qualify (build year, consent, overrides), link "
                    "neighbouring compounds across streets up to --gap-m but never across a "
                    "barrier (railway, river, arterial streets), and group them into contiguous "
                    "zones whose households lie within [--min-households, --max-households] "
                    "and whose walking diameter fits --max-diameter-m. Every compound comes out "
                    "with a zone_id or the reason it is excluded. Without input files: the "
                    "bundled sample district.",
    )
    p.add_argument("--communities", metavar="FILE", help="compounds (default: the sample)")
    p.add_argument("--barriers", metavar="FILE",
                   help="railways, rivers, lines you drew (default: the sample's)")
    p.add_argument("--streets", metavar="FILE",
                   help="streets with road_class; fast classes are barriers (default: sample's)")
    p.add_argument("--osm", metavar="FILE.pbf",
                   help="an OpenStreetMap extract: its compounds (households estimated), "
                        "streets and barriers, each replaced by the file given")
    p.add_argument("--overrides", metavar="FILE",
                   help="CSV: community_id, action (force_in/纳入, force_out/排除), note")
    p.add_argument("--standards", metavar="FILE", help="standards TOML (default: bundled)")
    add_crs_options(p)
    add_include_unknown(p)
    p.add_argument("--min-households", type=int, metavar="N", help="zone floor (户数下限)")
    p.add_argument("--max-households", type=int, metavar="N", help="zone cap (户数上限)")
    p.add_argument("--gap-m", type=float, metavar="M",
                   help="largest gap between neighbouring compounds, metres")
    p.add_argument("--max-diameter-m", type=float, metavar="M",
                   help="largest walking diameter of a zone, metres")
    p.add_argument("--island-join-m", type=float, metavar="M",
                   help="an isolated compound joins the nearest zone within this distance")
    p.add_argument("--barrier-road-class", metavar="CLASS",
                   choices=[*ROAD_CLASS_RANK, "none"],
                   help="streets of this class or faster are barriers ('none': no street)")
    p.add_argument("--within-subdistrict", action="store_true",
                   help="keep every zone within one subdistrict (街道)")
    p.add_argument("--n-zones", type=int, metavar="K", help="target number of zones")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.set_defaults(func=_run)


def _standards(args: argparse.Namespace) -> Standards:
    std = load_standards(args.standards)
    changes: dict[str, Any] = {}
    for arg, key in (("min_households", "min_households"), ("max_households", "max_households"),
                     ("gap_m", "gap_tolerance_m"), ("max_diameter_m", "max_diameter_m"),
                     ("island_join_m", "island_join_distance_m")):
        value = getattr(args, arg)
        if value is not None:
            changes[key] = value
    if args.barrier_road_class is not None:
        changes["barrier_road_class"] = "" if args.barrier_road_class == "none" \
            else args.barrier_road_class
    if args.within_subdistrict:
        changes["keep_within_subdistrict"] = True
    return include_unknown(std.replace(zoning=changes) if changes else std, args)


def _load(args: argparse.Namespace) -> dict[str, gpd.GeoDataFrame | None]:
    return command_layers(args, ("barriers", "streets"))


def run_zoning(layers: dict[str, gpd.GeoDataFrame | None], *, standards: Standards,
               overrides: str | Path | None = None, n_zones: int | None = None,
               seed: int = 0) -> tuple[ZoningResult, pd.DataFrame]:
    """Eligibility (with overrides), then zoning; the same pipeline as the app's.

    Returns the zoning and the eligibility table it was run on.
    """
    communities = layers["communities"]
    assert communities is not None
    eligibility = assess_eligibility(communities, standards.eligibility, overrides=overrides)
    return zone_communities(communities, standards=standards, eligibility=eligibility,
                            barriers=layers.get("barriers"), streets=layers.get("streets"),
                            seed=seed, n_zones=n_zones), eligibility


def write_outputs(result: ZoningResult, communities: gpd.GeoDataFrame,
                  out_dir: str | Path, *, eligibility: pd.DataFrame | None = None
                  ) -> list[Path]:
    """Write ``zones.gpkg``, ``assignments.csv`` and ``zones.csv`` (CSV: UTF-8 with BOM).

    ``eligibility`` (:func:`planning.eligibility.assess_eligibility`) adds its notes to the
    assignments when some compound carries one.
    """
    from geo.io.write import write_geopackage

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    zones = result.zones.set_index("zone_id")
    gpkg = write_geopackage({"zones": zones}, out / "zones.gpkg")
    table = result.assignments.copy()
    if "name" in communities.columns:
        table.insert(0, "name", communities["name"])
    notes = ["eligibility_note", "eligibility_note_en"]
    if eligibility is not None and eligibility.get("eligibility_note",
                                                      pd.Series(dtype=object)).notna().any():
        table = table.join(eligibility[notes])
    table.index.name = "community_id"
    assignments = out / "assignments.csv"
    table.to_csv(assignments, encoding="utf-8-sig")
    zones_csv = out / "zones.csv"
    result.zones.drop(columns="geometry").to_csv(zones_csv, index=False, encoding="utf-8-sig")
    return [gpkg, assignments, zones_csv]


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    standards = _standards(args)
    layers = _load(args)
    result, eligibility = run_zoning(layers, standards=standards, overrides=args.overrides,
                                     n_zones=args.n_zones, seed=args.seed)
    communities = layers["communities"]
    assert communities is not None
    paths = write_outputs(result, communities, args.out, eligibility=eligibility)
    z = standards.zoning
    print(f"户数 households [{z.min_households}, {z.max_households}], 间隙 gap "
          f"{z.gap_tolerance_m:g} m, 直径 diameter ≤ {z.max_diameter_m:g} m, 阻隔道路 barrier "
          f"roads ≥ {z.barrier_road_class or 'none'}, seed {args.seed}")
    print(f"邻接 neighbours: {len(result.adjacency.pairs)} links, "
          f"{result.adjacency.n_blocked} blocked by barriers")
    a = result.assignments
    lines = zone_lines(result.zones, str(Path(args.out) / "zones.csv"))
    zoned, islands = int(a["zone_id"].notna().sum()), int(a["island"].sum())
    lines.insert(1, f"纳入小区 {zoned} 个，排除 {len(a) - zoned} 个，孤立小区 {islands} 个 / "
                    f"compounds zoned {zoned}, excluded {len(a) - zoned}, islands {islands}")
    print("\n".join(lines))
    excluded = a["zone_id"].isna()
    if excluded.any():
        print("未纳入原因 why compounds are left out:")
        print("\n".join(exclusion_lines(exclusion_summary(
            a.loc[excluded, "reason_codes"], standards.eligibility))))
    for line in unknown_lines(eligibility):
        print(line)
    print(f"{time.perf_counter() - started:.1f} s")
    for p in paths:
        print(f"  -> {p}")
    return 0
