"""``pianqu coverage``: walking minutes, life-circle coverage, service areas and gaps.

Reads compounds, facilities and streets (or an OSM PBF, whose compounds and facilities are
used when none are given) — the bundled sample district by default — and writes into
``--out``:

- ``coverage_table.csv``: one row per compound (UTF-8 with BOM, so Excel shows Chinese);
- ``coverage.gpkg``: layers ``communities`` (the compounds with their results),
  ``service_areas``, ``gaps``, and the tables ``summary``, ``facilities`` and
  ``network_components``;
- ``coverage_summary.csv``: households and elderly covered per kind and level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from tqdm import tqdm

from geo.crs import is_geographic, to_metric
from geo.network import WalkNetwork, network_from_osm
from geo.schema import FACILITY_KINDS
from planning.coverage import CoverageResult, compute_coverage, walking_network
from planning.standards import Standards, load_standards

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``coverage`` sub-command."""
    p = subparsers.add_parser(
        "coverage",
        help="15分钟生活圈覆盖 / walking minutes, life-circle coverage, service areas, gaps",
        description="Walking minutes from every compound to the nearest facility of each kind, "
                    "covered flags at the 5/10/15-minute life circles, service areas and gap "
                    "areas. Without arguments it runs on the bundled sample district.",
    )
    p.add_argument("--communities", help="compounds layer (GeoPackage, GeoJSON, Shapefile, ...)")
    p.add_argument("--facilities", help="existing facilities layer (points with a kind)")
    net = p.add_mutually_exclusive_group()
    net.add_argument("--streets", help="road centre lines (crossing lines are joined)")
    net.add_argument("--osm", help="OpenStreetMap extract (.osm.pbf): the walking network, and "
                                   "the compounds and facilities unless given")
    net.add_argument("--no-network", action="store_true",
                     help="straight-line distance × detour factor (labelled as such)")
    p.add_argument("--crs", help="metric CRS for the analysis (default: the local CGCS2000 "
                                 "Gauss-Kruger zone when the data are in degrees)")
    p.add_argument("--standards", help="standards TOML (default: data/standards.toml)")
    p.add_argument("--buffer-m", type=float, default=None,
                   help="half-width of the service-area corridor in metres "
                        "(default: [walking] service_area_buffer_m of the standards, 30)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    standards = load_standards(args.standards)
    communities, facilities, streets = _inputs(args)
    network: WalkNetwork | None = None
    fragment_m = standards.walking.min_component_m
    if args.osm:
        network = network_from_osm(args.osm, crs=communities.crs, min_component_m=fragment_m)
    elif streets is not None and not args.no_network:
        network = walking_network(streets, standards)
    with tqdm(unit="area", file=sys.stderr, desc="服务范围 / service areas") as bar:
        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = compute_coverage(communities, facilities, standards=standards,
                                  network=network, buffer_m=args.buffer_m, progress=tick)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write(out, communities, result)
    _print_summary(out, communities, result, standards)
    return 0


def _inputs(args: argparse.Namespace
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Layers given on the command line; the rest from the OSM extract or the bundled sample."""
    fallback: dict[str, gpd.GeoDataFrame] = {}
    if not (args.communities and args.facilities):
        if args.osm:  # compounds and facilities of the same extract
            from geo.osm import read_osm

            fallback = read_osm(args.osm)
        else:
            from planning.sample import load_sample

            fallback = load_sample()
    communities = _read(args.communities, "communities") if args.communities else \
        fallback["communities"]
    facilities = _read(args.facilities, "facilities") if args.facilities else \
        fallback["facilities"]
    streets: gpd.GeoDataFrame | None = None
    if args.streets:
        streets = _read(args.streets, "streets")
    elif not args.osm and not args.communities and "streets" in fallback:
        streets = fallback["streets"]
    if args.crs or is_geographic(communities.crs):
        communities = to_metric(communities, crs=args.crs)
    facilities = facilities.to_crs(communities.crs)
    if streets is not None:
        streets = streets.to_crs(communities.crs)
    return communities, facilities, streets


def _read(path: str, schema: str) -> gpd.GeoDataFrame:
    from geo.io import read_layer

    gdf: gpd.GeoDataFrame = read_layer(path, schema).gdf
    return gdf


def _write(out: Path, communities: gpd.GeoDataFrame, result: CoverageResult) -> None:
    from geo.io.write import write_geopackage

    keep = [c for c in ("name", "subdistrict", "households", "population") if c in communities]
    table = communities[keep].join(result.table)
    table.index.name = "community_id"
    minutes = [c for c in table.columns if c.startswith("walk_minutes_")]
    table.round({c: 2 for c in minutes}).to_csv(out / "coverage_table.csv",
                                                 encoding="utf-8-sig")
    result.summary.to_csv(out / "coverage_summary.csv", index=False, encoding="utf-8-sig")
    layer = gpd.GeoDataFrame(table, geometry=communities.geometry, crs=communities.crs)
    write_geopackage({
        "communities": layer,
        "service_areas": result.service_areas,
        "gaps": result.gaps,
        "summary": result.summary,
        "facilities": result.facilities.rename_axis("facility_id"),
        "network_components": result.network_report,
    }, out / "coverage.gpkg")


def _print_summary(out: Path, communities: gpd.GeoDataFrame, result: CoverageResult,
                   standards: Standards) -> None:
    t = result.table
    print(f"步行可达性 / walking coverage: {len(t)} 小区 compounds, method: "
          f"{result.distance_method}")
    if len(result.network_report):
        frag = result.network_report[result.network_report["fragment"]]
        print(f"  路网 network: {len(result.network_report)} 连通片 pieces, "
              f"{len(frag)} 孤立路段 fragments ({frag['length_m'].sum():.0f} m)")
    s = result.summary[result.summary["threshold"]]
    print(f"  {'设施 kind':<22}{'阈值 limit':>10}{'覆盖户数 households':>22}{'比例 share':>12}"
          f"{'无结果 no minutes':>18}")
    for row in s.itertuples():
        kind = str(row.kind)
        label = f"{FACILITY_KINDS[kind].label_zh} {kind}"
        missing = int(t[f"walk_minutes_{kind}"].isna().sum())
        print(f"  {label:<22}{row.minutes:>7} min{row.households_covered:>22,}"
              f"{row.share:>12.1%}{missing:>18}")
    n_req = int(t["completeness_of"].iloc[0]) if len(t) else 0
    full = int((t["completeness"] == n_req).sum()) if len(t) else 0
    print(f"  生活圈完整 complete life circle ({n_req}/{n_req} kinds): {full} 小区 compounds")
    reasons = pd.concat([t[f"reason_{k}"] for k in standards.kinds]).dropna()
    for reason, n in reasons.value_counts().items():
        print(f"  {n} × {reason}")
    print(f"已写入 / written: {out / 'coverage_table.csv'}, {out / 'coverage.gpkg'}, "
          f"{out / 'coverage_summary.csv'}")
