"""Outputs benchmark: drawing a city's life-circle map and exporting its plan.

The plan: the coverage benchmark's city (``bench/coverage.py``: 5,000 compounds, 184,323
streets, 500 facilities) with random build years (1975–2009) and consent rates (0.5–1), its
streets as a layer, planned with ``planning.scenario.run_plan`` and the bundled standards.
It times

* the life-circle page's map (elderly care within 10 minutes: service areas, gaps,
  compounds with their minutes, facilities): ``geo.webmap.build_map`` and what
  streamlit-folium does with it on every draw (render the page, render the map, ask for its
  bounds, write each element's script); ours against the same map made with folium's own
  ``GeoJson`` layers (the reference), best of three each;
* the summary workbook: ``planning.export_tables.write_tables`` against pandas'
  ``to_excel`` through openpyxl on the same tables (the reference), best of two;
* the whole bureau export (``planning.export.export_plan``), once.

Run with ``python bench/run.py outputs [--compounds N] [--nodes N] [--seed S]``; the last line
printed is a JSON object.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit_folium
from coverage import make_city

import geo.webmap
from geo.webmap import build_map
from planning.export import export_plan
from planning.export_tables import summary_tables, write_tables
from planning.scenario import Plan, Scenario, run_plan
from planning.standards import load_standards

KIND, MINUTES = "elderly_care", 10


def city_plan(*, nodes: int, compounds: int, seed: int) -> tuple[Plan, gpd.GeoDataFrame]:
    """The bench city planned as a planner would: its facilities and streets as layers."""
    net, com, fac = make_city(nodes=nodes, compounds=compounds, facilities=compounds // 10,
                              seed=seed)
    rng = np.random.default_rng(5)
    com["built_year"] = rng.integers(1975, 2010, len(com))
    com["consent_rate"] = rng.uniform(0.5, 1, len(com))
    com["name"] = [f"小区{i}" for i in range(len(com))]
    streets = gpd.GeoDataFrame({"road_class": ["residential"] * len(net.lines)},
                               geometry=net.lines, crs=net.crs)
    plan = run_plan(Scenario(layers={"communities": com, "streets": streets, "facilities": fac},
                             standards=load_standards()))
    return plan, fac


def life_circle_map(plan: Plan, fac: gpd.GeoDataFrame) -> folium.Map:
    """The life-circle page's map of one kind and level (as ``ui/pages/coverage.py``)."""
    com = plan.communities
    sa = plan.service_areas
    sa = sa[(sa["kind"] == KIND) & (sa["minutes"] <= MINUTES)]
    planned = plan.planned_facilities
    return build_map(com, service_areas=sa, gaps=plan.gaps[plan.gaps["kind"] == KIND],
                     facilities=fac[fac["kind"] == KIND],
                     planned=planned[planned["kind"] == KIND],
                     uncovered=~com[f"covered_{KIND}_{MINUTES}min"].fillna(False).astype(bool),
                     minutes_columns=[f"walk_minutes_{KIND}"], lang="zh", color_by_zone=False)


def draw(make: Callable[[], folium.Map]) -> tuple[float, int]:
    """Seconds to build the map and do what ``st_folium`` does with it; the script's size."""
    t0 = time.perf_counter()
    m = make()
    m.get_root().render()
    m.render()
    m.get_bounds()
    script = streamlit_folium.generate_leaflet_string(m)
    return time.perf_counter() - t0, len(script.encode("utf-8"))


def _folium_geojson(data: dict[str, Any], *, bounds: Any, **kwargs: Any) -> folium.GeoJson:
    return folium.GeoJson(data, **kwargs)


def main(argv: list[str]) -> dict[str, Any]:
    ap = argparse.ArgumentParser(prog="bench/run.py outputs")
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--compounds", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    plan, fac = city_plan(nodes=args.nodes, compounds=args.compounds, seed=args.seed)
    print(f"plan: {len(plan.communities):,} compounds, {len(plan.zones):,} zones, "
          f"{len(plan.planned_facilities):,} planned facilities in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)

    ours = [draw(lambda: life_circle_map(plan, fac)) for _ in range(3)]
    with mock.patch.object(geo.webmap, "CompactGeoJson", _folium_geojson):
        ref = [draw(lambda: life_circle_map(plan, fac)) for _ in range(3)]
    map_s, map_ref_s = min(s for s, _ in ours), min(s for s, _ in ref)
    print(f"map ({KIND}, {MINUTES} min): ours {map_s:.2f} s, folium's GeoJson {map_ref_s:.2f} s "
          f"({map_ref_s / map_s:.1f}x); script {ours[0][1] / 1e6:.1f} MB", flush=True)

    tables = summary_tables(plan, lang="zh")
    cells = sum(t.size + len(t.columns) for t in tables.values())
    with tempfile.TemporaryDirectory() as tmp:
        xlsx_s, xlsx_ref_s = [], []
        for _ in range(2):
            t0 = time.perf_counter()
            write_tables(plan, Path(tmp) / "ours", lang="zh")
            xlsx_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pandas_tables = summary_tables(plan, lang="zh")
            with pd.ExcelWriter(Path(tmp) / "pandas.xlsx", engine="openpyxl") as writer:
                for name, table in pandas_tables.items():
                    table.to_excel(writer, sheet_name=name, index=False)
            for name, table in pandas_tables.items():  # the CSVs write_tables also writes
                table.to_csv(Path(tmp) / f"{name}.csv", index=False, encoding="utf-8-sig")
            xlsx_ref_s.append(time.perf_counter() - t0)
        print(f"tables ({cells:,} cells + CSVs): ours {min(xlsx_s):.2f} s, pandas + openpyxl "
              f"{min(xlsx_ref_s):.2f} s ({min(xlsx_ref_s) / min(xlsx_s):.1f}x)", flush=True)
        t0 = time.perf_counter()
        export_plan(plan, Path(tmp) / "export", lang="zh")
        export_s = time.perf_counter() - t0
    print(f"whole export: {export_s:.1f} s", flush=True)
    return {
        "compounds": len(plan.communities), "zones": len(plan.zones),
        "map_s": round(map_s, 2), "map_folium_geojson_s": round(map_ref_s, 2),
        "speedup_map": round(map_ref_s / map_s, 2), "map_script_mb": round(ours[0][1] / 1e6, 2),
        "tables_s": round(min(xlsx_s), 2), "tables_pandas_openpyxl_s": round(min(xlsx_ref_s), 2),
        "speedup_tables": round(min(xlsx_ref_s) / min(xlsx_s), 2), "table_cells": cells,
        "export_s": round(export_s, 1),
    }
