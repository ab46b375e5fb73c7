"""``pianqu coverage``: walking minutes, life-circle coverage, service areas and gaps.

Reads compounds, facilities and streets (or an OSM PBF, whose compounds and facilities are
used when none are given) — the bundled sample district when no ``--communities`` is given; with
it only the files given, so no ``--facilities`` means no facility — and writes into ``--out``:

- ``coverage_table.csv``: one row per compound (UTF-8 with BOM, so Excel shows Chinese);
- ``coverage.gpkg``: layers ``communities`` (the compounds with their results),
  ``service_areas``, ``gaps``, ``facilities`` (points: ``kind``, ``connector_m`` and ``reason``,
  why one is not on the network), and the tables ``summary`` and ``network_components``;
- ``coverage_summary.csv``: households and elderly covered per kind and level.

The console says which facilities were used when none were given, then per kind the
households covered, and per reason for missing minutes the compounds and kinds it concerns,
and the facilities not connected to the network.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from tqdm import tqdm

from geo.network import WalkNetwork
from geo.schema import FACILITY_KINDS
from planning.commands._layers import (
    EMPTY_STREETS,
    add_crs_options,
    command_layers,
    layer_origin,
)
from planning.commands._report import unconnected_line
from planning.coverage import CoverageResult, compute_coverage, walking_network
from planning.scenario import EMPTY_GEOMETRY_TYPES
from planning.standards import Standards, load_standards

__all__ = ["reason_lines", "register"]


def register(subparsers: Any) -> None:
    """Add the ``coverage`` sub-command."""
    p = subparsers.add_parser(
        "coverage",
        help="15分钟生活圈覆盖 / walking minutes, life-circle coverage, service areas, gaps",
        description="Walking minutes from every compound to the nearest facility of each kind, "
                    "covered flags at the 5/10/15-minute life circles, service areas and gap "
                    "areas. Without arguments it runs on the bundled sample district.",
    )
    src = p.add_argument_group(
        "inputs (default: the bundled sample district; with --communities only the files "
        "given, and the --osm extract's facilities)")
    src.add_argument("--communities", help="compounds layer (GeoPackage, GeoJSON, Shapefile, "
                                           "CSV/XLSX, ...)")
    src.add_argument("--facilities", help="existing facilities layer (points with a kind); "
                                          "with --communities and without it: no facility")
    net = src.add_mutually_exclusive_group()
    net.add_argument("--streets", help="road centre lines (crossing lines are joined)")
    net.add_argument("--osm", help="OpenStreetMap extract (.osm.pbf): the walking network, and "
                                   "the compounds and facilities unless given")
    net.add_argument("--no-network", action="store_true",
                     help="straight-line distance × detour factor (labelled as such)")
    add_crs_options(src, p)
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
    # the extract's streets (read once, with its compounds) or the --streets file: OSM ways
    # are joined at shared nodes either way (walking_network, as network_from_osm does)
    if streets is not None and not args.no_network:
        if len(streets):
            network = walking_network(streets, standards)
        else:
            print(EMPTY_STREETS)
    # one step per service area, and a last one for the gaps
    with tqdm(unit="step", file=sys.stderr, desc="服务范围与缺口 / service areas, gaps") as bar:
        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = compute_coverage(communities, facilities, standards=standards,
                                  network=network, buffer_m=args.buffer_m, progress=tick)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _write(out, communities, facilities, result)
    _print_summary(out, result, standards)
    return 0


def _inputs(args: argparse.Namespace
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Compounds, facilities (an empty layer when none) and streets, in the analysis CRS.

    The rule of :func:`planning.commands._layers.layer_origin`; a line says which facilities
    are used when ``--facilities`` is not given.
    """
    layers = command_layers(args, ("facilities", "streets"))
    communities, facilities = layers["communities"], layers["facilities"]
    assert communities is not None
    origin = layer_origin(args, "facilities")
    if facilities is None:
        facilities = gpd.GeoDataFrame(
            {"kind": pd.Series([], dtype=str)},
            geometry=gpd.GeoSeries([], crs=communities.crs),
            index=pd.Index([], dtype=str, name="facility_id"))
    if origin == "sample":
        print(f"现有设施：示例片区的{len(facilities)}处 / facilities: the bundled sample "
              f"district's {len(facilities)} (no --facilities given)")
    elif origin == "osm":
        print(f"现有设施：取自OSM数据的{len(facilities)}处 / facilities: {len(facilities)} from "
              f"the OSM extract {args.osm} (no --facilities given)")
    elif origin == "none":
        print("现有设施：未给出 --facilities，按无现有设施计算 / facilities: none given "
              "(--facilities), so no kind has an existing facility")
    return communities, facilities, layers["streets"]


def _write(out: Path, communities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
           result: CoverageResult) -> None:
    from geo.io.write import write_geopackage

    # an OpenStreetMap extract's households are estimates, and the table must say so
    keep = [c for c in ("name", "subdistrict", "households", "households_estimated",
                        "households_method", "population") if c in communities]
    table = communities[keep].join(result.table)
    table.index.name = "community_id"
    minutes = [c for c in table.columns if c.startswith("walk_minutes_")]
    table.round({c: 2 for c in minutes}).to_csv(out / "coverage_table.csv",
                                                 encoding="utf-8-sig")
    result.summary.to_csv(out / "coverage_summary.csv", index=False, encoding="utf-8-sig")
    layer = gpd.GeoDataFrame(table, geometry=communities.geometry, crs=communities.crs)
    points = gpd.GeoDataFrame(result.facilities, geometry=facilities.geometry,
                              crs=facilities.crs).rename_axis("facility_id")
    write_geopackage({
        "communities": layer,
        "service_areas": result.service_areas,
        "gaps": result.gaps,
        "summary": result.summary,
        "facilities": points,
        "network_components": result.network_report,
    }, out / "coverage.gpkg", empty_types=EMPTY_GEOMETRY_TYPES)


def _print_summary(out: Path, result: CoverageResult, standards: Standards) -> None:
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
    kinds = list(standards.kinds)
    for line in reason_lines(t, kinds):
        print(f"  {line}")
    off = unconnected_line(result.facilities, kinds)
    if off:
        print(f"  {off}")
    print(f"已写入 / written: {out / 'coverage_table.csv'}, {out / 'coverage.gpkg'}, "
          f"{out / 'coverage_summary.csv'}")


def reason_lines(table: pd.DataFrame, kinds: Sequence[str]) -> list[str]:
    """Why compounds have no minutes: per reason, how many compounds and for which kinds.

    Parameters
    ----------
    table
        :attr:`planning.coverage.CoverageResult.table` (``reason_<kind>`` per kind).
    kinds
        The kinds of the standards, in their order.

    Returns
    -------
    list of str
        One line per reason, the one that concerns most compounds first.

    Examples
    --------
    >>> t = pd.DataFrame({"reason_parking": ["far", "far", None],
    ...                   "reason_clinic": ["far", None, "none"]}, index=["A", "B", "C"])
    >>> for line in reason_lines(t, ["parking", "clinic"]):
    ...     print(line)
    2 小区 compounds（全部 2 类 all kinds）: far
    1 小区 compounds（1 类 kinds: clinic）: none
    """
    long = pd.concat({k: table[f"reason_{k}"] for k in kinds}, names=["kind", "compound"])
    long = long.dropna()
    lines: list[tuple[int, str]] = []
    for reason, rows in long.groupby(long, sort=False):
        compounds = rows.index.get_level_values("compound").nunique()
        present = set(rows.index.get_level_values("kind"))
        which = [k for k in kinds if k in present]
        said = (f"全部 {len(which)} 类 all kinds" if len(which) == len(kinds)
                else f"{len(which)} 类 kinds: {', '.join(which)}")
        lines.append((compounds, f"{compounds} 小区 compounds（{said}）: {reason}"))
    return [line for _, line in sorted(lines, key=lambda x: -x[0])]
