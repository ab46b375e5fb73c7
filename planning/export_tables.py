"""Summary tables of a plan: zones, compounds, facilities, coverage, unserved demand, cost.

Headers, sheet names and contents are Chinese (``lang="zh"``) or English; the CSV files keep
the canonical sheet names (:data:`SHEETS`) in both, so scripts find them. Costs are in 万元
(10,000 CNY): renovation of each zoned compound at ``standards.cost.per_household_wan`` per
household, plus the planned facilities' costs (from the siting step, which takes the site's cost
or the standards' unit costs). Counts (households, people) are integers; amounts are rounded:
demand, capacity and areas to 0.1 of their unit, costs to 0.01 万元, shares to 0.0001.

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.scenario import Scenario, run_plan
>>> from planning.standards import load_standards
>>> plan = run_plan(Scenario(layers=load_sample(), standards=load_standards()))
>>> tables = summary_tables(plan, lang="zh")
>>> list(tables)
['zones', 'compounds', 'facilities', 'coverage', 'unserved', 'cost', 'run']
>>> tables["compounds"].columns[0]
'小区编号'
>>> [sheet_title(name, "zh") for name in tables]
['片区', '小区', '设施', '生活圈覆盖', '未满足需求', '投资估算', '运行信息']
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from geo.printmap_content import has_osm_ids
from geo.schema import FACILITY_KINDS
from planning.scenario import Plan
from planning.siting import DEFAULT_TIME_LIMIT_S, reason_in

__all__ = ["OSM_ATTRIBUTION", "SHEETS", "SHEET_TITLES", "sheet_title", "solver_words",
           "step_status", "summary_tables", "unserved_sheet", "uses_openstreetmap",
           "write_tables"]

Lang = Literal["zh", "en"]

SHEETS: tuple[str, ...] = ("zones", "compounds", "facilities", "coverage", "unserved", "cost",
                           "run")
"""Sheets of ``summary.xlsx`` in order: the keys of :func:`summary_tables` and the CSV file
names (``tables/<sheet>.csv``) in either language."""

SHEET_TITLES: dict[str, tuple[str, str]] = {
    "zones": ("片区", "zones"), "compounds": ("小区", "compounds"),
    "facilities": ("设施", "facilities"), "coverage": ("生活圈覆盖", "coverage"),
    "unserved": ("未满足需求", "unserved"), "cost": ("投资估算", "cost"),
    "run": ("运行信息", "run"),
}
"""Sheet -> its name in the Chinese and the English ``summary.xlsx`` (English: :data:`SHEETS`)."""


def sheet_title(name: str, lang: Lang) -> str:
    """The name of sheet ``name`` (one of :data:`SHEETS`) in the ``lang`` workbook.

    >>> sheet_title("unserved", "zh"), sheet_title("unserved", "en")
    ('未满足需求', 'unserved')
    """
    return SHEET_TITLES[name][0 if lang == "zh" else 1]


_HEAD: dict[str, tuple[str, str]] = {
    "zone_id": ("片区编号", "Zone ID"),
    "community_id": ("小区编号", "Compound ID"),
    "name": ("名称", "Name"),
    "subdistrict": ("所属街道", "Subdistrict"),
    "n_communities": ("小区数", "Compounds"),
    "households": ("户数", "Households"),
    "population": ("人口", "Population"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "compactness": ("紧凑度", "Compactness"),
    "within_bounds": ("户数在规定范围内", "Households within bounds"),
    "bounds_note": ("户数范围说明", "Bounds note"),
    "planned_facilities": ("规划设施数", "Planned facilities"),
    "households_complete_before": ("现状生活圈完备户数", "Households fully covered before"),
    "households_complete_after": ("规划后生活圈完备户数", "Households fully covered after"),
    "renovation_wan": ("小区改造投资（万元）", "Compound renovation (10k CNY)"),
    "facility_wan": ("设施投资（万元）", "Facilities (10k CNY)"),
    "total_wan": ("总投资（万元）", "Total (10k CNY)"),
    "built_year": ("建成年代", "Built year"),
    "consent_rate": ("同意率", "Consent rate"),
    "eligible": ("符合改造条件", "Eligible"),
    "excluded_reason": ("未纳入原因", "Excluded reason"),
    "eligibility_note": ("纳入说明", "Eligibility note"),
    "completeness_before": ("现状完备度", "Completeness before"),
    "completeness": ("规划后完备度", "Completeness after"),
    "status": ("状态", "Status"),
    "facility_id": ("设施编号", "Facility ID"),
    "kind": ("设施类型", "Kind"),
    "capacity": ("容量", "Capacity"),
    "unit": ("容量单位", "Capacity unit"),
    "households_served": ("服务户数", "Households served"),
    "cost_wan": ("造价（万元）", "Cost (10k CNY)"),
    "minutes": ("生活圈（分钟）", "Life circle (minutes)"),
    "threshold": ("该类设施达标标准", "The kind's own standard"),
    "households_total": ("总户数", "Households in total"),
    "households_before": ("现状覆盖户数", "Households covered before"),
    "households_after": ("规划后覆盖户数", "Households covered after"),
    "share_before": ("现状覆盖率", "Share before"),
    "share_after": ("规划后覆盖率", "Share after"),
    "share_change": ("覆盖率变化", "Change in share"),
    "elderly_before": ("现状覆盖老年人", "Elderly covered before"),
    "elderly_after": ("规划后覆盖老年人", "Elderly covered after"),
    "demand": ("需求", "Demand"),
    "served": ("已满足", "Served"),
    "unserved": ("未满足", "Unserved"),
    "demand_unit": ("单位", "Unit"),
    "reason": ("原因", "Reason"),
    "no_minutes_reason": ("无步行时间的原因", "Why no walking minutes"),
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "key": ("代码", "Key"),
}

_WORDS = {
    "existing": ("现有", "existing"), "planned": ("规划", "planned"),
    "total": ("合计", "Total"), "outside": ("片区外", "outside zones"),
    "walk": ("步行至{}（分钟）", "Walking minutes to {}"),
    "kind_wan": ("{}投资（万元）", "{} (10k CNY)"),
}


def summary_tables(plan: Plan, *, lang: Lang = "zh") -> dict[str, pd.DataFrame]:
    """The summary sheets of a plan, by their canonical names (:data:`SHEETS`), in ``lang``.

    Parameters
    ----------
    plan
        The plan.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict of DataFrame
        Sheet name -> table (plain columns, no index).
    """
    i = 0 if lang == "zh" else 1
    zones = _zones(plan, i)
    tables = {
        "zones": zones,
        "compounds": _compounds(plan, i),
        "facilities": _facilities(plan, i),
        "coverage": _coverage(plan, i),
        "unserved": _unserved(plan, i),
        "cost": _cost(plan, zones, i),
        "run": _run(plan, i),
    }
    return {name: _headers(_yes_no(t, i), i) for name, t in tables.items()}


def unserved_sheet(plan: Plan, *, lang: Lang = "zh") -> pd.DataFrame:
    """The ``unserved`` sheet alone: demand left per compound and kind, with the reason.

    Headers, kind names, units and reasons in ``lang`` (the siting page shows it as is).
    """
    i = 0 if lang == "zh" else 1
    return _headers(_unserved(plan, i), i)


def _yes_no(table: pd.DataFrame, i: int) -> pd.DataFrame:
    """True/False as 是/否 (yes/no) for people; missing stays empty."""
    out = table.copy()
    words = (("是", "否"), ("yes", "no"))[i]
    for col in out.columns:
        values = out[col].dropna()
        if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
            out[col] = [None if pd.isna(v) else words[0] if v else words[1]
                        for v in out[col]]
    return out


def write_tables(plan: Plan, out_dir: str | Path, *, lang: Lang = "zh") -> tuple[Path, ...]:
    """Write ``summary.xlsx`` (one sheet per table) and one UTF-8-with-BOM CSV per sheet.

    The sheets are named in ``lang`` (:func:`sheet_title`); the CSVs keep the canonical names
    (``zones.csv`` … ``run.csv``) in either language. Numbers are written as the tables hold
    them, a CSV's without a trailing ``.0`` (``698``, ``33.6``).

    The workbook is written row by row with XlsxWriter: a city's plan has ~190,000 cells,
    which pandas' ``to_excel`` through openpyxl took 8 s to write and this takes under 3.
    Headers are bold and frozen, columns as wide as their first 200 values (CJK counted
    double), missing values left empty, and the file's dates fixed, so the same plan gives the
    same bytes.

    Returns
    -------
    tuple of Path
        The workbook first, then the CSVs in :data:`SHEETS` order.
    """
    import xlsxwriter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = summary_tables(plan, lang=lang)
    xlsx = out / "summary.xlsx"
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True,
                                           "nan_inf_to_errors": True})
    try:
        fixed = dt.datetime(2026, 1, 1)
        book.set_properties({"created": fixed, "author": "Pianqu"})
        bold = book.add_format({"bold": True})
        percent = book.add_format({"num_format": "0.0%"})
        # shares and consent rates stay numbers, shown as Excel shows a percentage (66.7%)
        in_percent = {_HEAD[k][0 if lang == "zh" else 1] for k in _PERCENT}
        for name, table in tables.items():
            sheet = book.add_worksheet(sheet_title(name, lang))
            sheet.freeze_panes(1, 0)
            for j, col in enumerate(table.columns):
                width = max([_width(col), *(_width(v) for v in table[col].head(200))])
                sheet.set_column(j, j, min(60, width + 2),
                                 percent if str(col) in in_percent else None)
            sheet.write_row(0, 0, [str(c) for c in table.columns], bold)
            # Python values (numpy's scalars are not numbers to XlsxWriter), None when missing
            values = table.astype(object).where(table.notna(), None)
            columns = [values[c].tolist() for c in values.columns]
            for i, row in enumerate(zip(*columns, strict=True), start=1):
                sheet.write_row(i, 0, row)
    finally:
        book.close()
    paths = [xlsx]
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False, encoding="utf-8-sig", float_format=_plain)
        paths.append(path)
    return tuple(paths)


_PERCENT = ("consent_rate", "share_before", "share_after", "share_change")
"""Columns of fractions (0–1) the workbook shows as percentages."""


def _plain(x: float) -> str:
    """A rounded amount as written by hand: ``698``, ``33.6``, ``0.1448`` (never ``6.98e+02``)."""
    return np.format_float_positional(x, trim="-")


def _width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _headers(table: pd.DataFrame, i: int) -> pd.DataFrame:
    return table.rename(columns={c: _HEAD[c][i] for c in table.columns if c in _HEAD})


def _kind_label(kind: object, i: int) -> str:
    k = FACILITY_KINDS.get(str(kind))
    return str(kind) if k is None else (k.label_zh, k.label_en)[i]


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[col], errors="coerce").astype(float)


def _count(values: object) -> pd.Series:
    """Whole numbers (households, people, years), missing ones left empty."""
    return pd.to_numeric(pd.Series(values), errors="coerce").round().astype("Int64")


def _zones(plan: Plan, i: int) -> pd.DataFrame:
    c = plan.communities
    z = plan.zones
    ids = z["zone_id"].astype(str).tolist() if "zone_id" in z.columns else [
        str(v) for v in z.index]
    zoned = c[c["zone_id"].notna()]
    hh = _num(zoned, "households")
    full_before = _full(zoned, "completeness_before", plan)
    full_after = _full(zoned, "completeness", plan)
    planned = plan.planned_facilities
    counts = (planned["zone_id"].astype(str).value_counts() if "zone_id" in planned.columns
              and len(planned) else pd.Series(dtype=int))
    per_hh = plan.scenario.standards.cost.per_household_wan
    facility_wan = _facility_cost_by_zone(plan).sum(axis=1)
    # one pass over the compounds (a .loc per zone took 10 s on a 1,600-zone district)
    population = _num(zoned, "population")
    sums = pd.DataFrame({
        "n_communities": 1, "households": hh, "population": population.fillna(0.0),
        "population_known": population.notna().astype(int),
        "complete_before": hh.where(full_before, 0.0), "complete_after": hh.where(full_after, 0.0),
    }, index=zoned.index).groupby(zoned["zone_id"].astype(str).to_numpy()).sum()
    col = {name: sums[name].reindex(ids, fill_value=0).to_numpy() for name in sums.columns}
    area = _num(z, "area_m2").to_numpy()
    compact = _num(z, "compactness").to_numpy()
    within = z["within_bounds"].to_numpy() if "within_bounds" in z.columns else None
    note_col = "bounds_note" if i == 0 or "bounds_note_en" not in z.columns else "bounds_note_en"
    notes = (z[note_col].fillna("").astype(str).to_numpy() if note_col in z.columns
             else np.full(len(ids), ""))
    rows = []
    for k, zid in enumerate(ids):
        households = float(col["households"][k])
        renovation = households * per_hh
        fac = float(facility_wan.get(zid, 0.0))
        rows.append({
            "zone_id": zid,
            "n_communities": int(col["n_communities"][k]),
            "households": int(households),
            # blank unless every compound of the zone gives it (OSM gives none: not 0)
            "population": (int(col["population"][k])
                           if col["population_known"][k] == col["n_communities"][k] else None),
            "area_ha": round(float(area[k]) / 10_000, 2) if "area_m2" in z.columns else np.nan,
            "compactness": round(float(compact[k]), 3) if "compactness" in z.columns else np.nan,
            "within_bounds": bool(within[k]) if within is not None else None,
            "bounds_note": notes[k] or None,
            "planned_facilities": int(counts.get(zid, 0)),
            "households_complete_before": int(col["complete_before"][k]),
            "households_complete_after": int(col["complete_after"][k]),
            "renovation_wan": round(renovation, 2),
            "facility_wan": round(fac, 2),
            "total_wan": round(renovation + fac, 2),
        })
    out = pd.DataFrame(rows, columns=list(_ZONE_COLUMNS))
    out["population"] = out["population"].astype("Int64")
    return out


_ZONE_COLUMNS = ("zone_id", "n_communities", "households", "population", "area_ha",
                 "compactness", "within_bounds", "bounds_note", "planned_facilities",
                 "households_complete_before", "households_complete_after", "renovation_wan",
                 "facility_wan", "total_wan")


def _full(frame: pd.DataFrame, col: str, plan: Plan) -> pd.Series:
    """Compounds whose every required kind is covered."""
    required = sum(1 for k in plan.scenario.standards.kinds.values() if k.required)
    return _num(frame, col).fillna(-1) >= required


def _compounds(plan: Plan, i: int) -> pd.DataFrame:
    c = plan.communities
    reason = "excluded_reason" if i == 0 or "excluded_reason_en" not in c.columns \
        else "excluded_reason_en"
    cols = ["name", "subdistrict", "households", "built_year", "consent_rate", "eligible",
            "zone_id"]
    out = pd.DataFrame({"community_id": c.index.astype(str)}, index=c.index)
    for col in cols:
        out[col] = c[col] if col in c.columns else None
    out["excluded_reason"] = c[reason]
    # a compound let in with its built year or consent unknown says so (--include-unknown)
    note = "eligibility_note" if i == 0 else "eligibility_note_en"
    if note in c.columns and c[note].notna().any():
        out["eligibility_note"] = c[note]
    for col in ("completeness_before", "completeness"):
        out[col] = c[col] if col in c.columns else np.nan
    for col in ("households", "built_year", "completeness_before", "completeness"):
        out[col] = _count(out[col])
    why = pd.Series("", index=c.index, dtype=object)
    for kind in FACILITY_KINDS:
        col = f"walk_minutes_{kind}"
        if col in c.columns:
            label = _WORDS["walk"][i].format(_kind_label(kind, i))
            minutes = _num(c, col)
            out[label] = minutes.round(1)
            # an empty cell says why: no facility of the kind, not on the network …
            reason = c.get(f"reason_{kind}")
            if reason is not None:
                told = minutes.isna() & reason.notna()
                sep, colon = (("；", "："), ("; ", ": "))[i]
                why[told] = [f"{w}{sep if w else ''}{_kind_label(kind, i)}{colon}"
                             f"{reason_in(r, ('zh', 'en')[i])}"
                             for w, r in zip(why[told], reason[told], strict=True)]
    if any(c.columns.str.startswith("walk_minutes_")):
        out["no_minutes_reason"] = why.where(why != "", None)
    return out.reset_index(drop=True)


def _facilities(plan: Plan, i: int) -> pd.DataFrame:
    rows = []
    existing = plan.scenario.layers.get("facilities")
    if existing is not None:
        for fid, r in existing.iterrows():
            rows.append({"status": _WORDS["existing"][i], "facility_id": str(fid),
                         "kind": r.get("kind"), "name": r.get("name"), "zone_id": None,
                         "capacity": r.get("capacity"), "households_served": np.nan,
                         "cost_wan": np.nan})
    for fid, r in plan.planned_facilities.iterrows():
        # the site's id (S001), not the row's (S001:elderly_care): the kind has its own column
        site = r.get("site_id")
        rows.append({"status": _WORDS["planned"][i],
                     "facility_id": str(fid).split(":")[0] if pd.isna(site) else str(site),
                     "kind": r.get("kind"), "name": r.get("name"),
                     "zone_id": r.get("zone_id"), "capacity": r.get("capacity"),
                     "households_served": r.get("households_served", np.nan),
                     "cost_wan": r.get("cost", np.nan)})
    cols = ["status", "facility_id", "kind", "name", "zone_id", "capacity", "unit",
            "households_served", "cost_wan"]
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "unit"])
    out["capacity"] = _num(out, "capacity").round(1)
    out["households_served"] = _count(out["households_served"])
    out["cost_wan"] = _num(out, "cost_wan").round(2)
    unit = [_unit(k, i) for k in out["kind"]]
    out.insert(6, "unit", unit)
    out["kind"] = [_kind_label(k, i) for k in out["kind"]]
    return out


def _unserved(plan: Plan, i: int) -> pd.DataFrame:
    """Demand left unserved per compound and kind, with the reason, in the sheet's language."""
    cols = ["community_id", "name", "kind", "zone_id", "demand", "served", "unserved",
            "demand_unit", "reason"]
    u = plan.unserved
    if u is None or len(u) == 0:
        return pd.DataFrame(columns=cols)
    names = plan.communities["name"] if "name" in plan.communities.columns else None
    ids = u["community_id"]
    return pd.DataFrame({
        "community_id": ids.astype(str).to_numpy(),
        "name": names.reindex(ids).to_numpy() if names is not None else None,
        "kind": [_kind_label(k, i) for k in u["kind"]],
        "zone_id": u["zone_id"].to_numpy(),
        "demand": _num(u, "demand").round(1).to_numpy(),
        "served": _num(u, "served").round(1).to_numpy(),
        "unserved": _num(u, "unserved").round(1).to_numpy(),
        "demand_unit": [_unit(k, i) for k in u["kind"]],
        "reason": [reason_in(r, ("zh", "en")[i]) for r in u["reason"]],
    }, columns=cols)


def _unit(kind: object, i: int) -> str:
    k = FACILITY_KINDS.get(str(kind))
    return "" if k is None else (k.capacity_unit_zh, k.capacity_unit_en)[i]


def _coverage(plan: Plan, i: int) -> pd.DataFrame:
    cols = ["kind", "minutes", "threshold", "households_total", "households_before",
            "households_after", "share_before", "share_after", "share_change",
            "elderly_before", "elderly_after"]
    before, after = plan.coverage_before, plan.coverage_after
    if len(before) == 0 or len(after) == 0:
        return pd.DataFrame(columns=cols)
    key = ["kind", "minutes"]
    b = before.set_index(key)
    a = after.set_index(key).reindex(b.index)
    out = pd.DataFrame(index=b.index)
    threshold = b["threshold"] if "threshold" in b.columns else pd.Series(np.nan, index=b.index)
    out["threshold"] = threshold
    out["households_total"] = _count(_num(b, "households_total"))
    out["households_before"] = _count(_num(b, "households_covered"))
    out["households_after"] = _count(_num(a, "households_covered"))
    out["share_before"] = _num(b, "share").round(4)
    out["share_after"] = _num(a, "share").round(4)
    out["share_change"] = (out["share_after"] - out["share_before"]).round(4)
    out["elderly_before"] = _count(_num(b, "elderly_covered"))
    out["elderly_after"] = _count(_num(a, "elderly_covered"))
    out = out.reset_index()
    out["kind"] = [_kind_label(k, i) for k in out["kind"]]
    return out[cols]


def _facility_cost_by_zone(plan: Plan) -> pd.DataFrame:
    """Planned facility cost (万元) per zone (rows) and kind (columns); no zone -> "" row."""
    p = plan.planned_facilities
    if len(p) == 0 or "cost" not in p.columns:
        return pd.DataFrame()
    zone = p["zone_id"].astype(object).where(p["zone_id"].notna(), "") \
        if "zone_id" in p.columns else pd.Series("", index=p.index)
    frame = pd.DataFrame({"zone": zone.astype(str), "kind": p["kind"].astype(str),
                          "cost": _num(p, "cost").fillna(0.0)})
    return frame.pivot_table(index="zone", columns="kind", values="cost", aggfunc="sum",
                             fill_value=0.0)


def _cost(plan: Plan, zones: pd.DataFrame, i: int) -> pd.DataFrame:
    by_zone = _facility_cost_by_zone(plan)
    kinds = [k for k in FACILITY_KINDS if k in by_zone.columns]
    rows = []
    for r in zones.itertuples():
        row = {"zone_id": r.zone_id, "households": r.households,
               "renovation_wan": r.renovation_wan}
        for k in kinds:
            row[k] = round(float(by_zone.at[r.zone_id, k]) if r.zone_id in by_zone.index
                           else 0.0, 2)
        rows.append(row)
    if "" in by_zone.index:
        row = {"zone_id": _WORDS["outside"][i], "households": 0, "renovation_wan": 0.0}
        row.update({k: round(float(by_zone.at["", k]), 2) for k in kinds})
        rows.append(row)
    out = pd.DataFrame(rows, columns=["zone_id", "households", "renovation_wan", *kinds])
    out["total_wan"] = out[["renovation_wan", *kinds]].sum(axis=1).round(2)
    total = {"zone_id": _WORDS["total"][i], "households": int(out["households"].sum())}
    for col in ["renovation_wan", *kinds, "total_wan"]:
        total[col] = round(float(out[col].sum()), 2)
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out.rename(columns={k: _WORDS["kind_wan"][i].format(_kind_label(k, i))
                               for k in kinds})


OSM_ATTRIBUTION = ("本数据部分来自 OpenStreetMap，© OpenStreetMap 贡献者，依开放数据库许可（ODbL）"
                   "提供，见 https://www.openstreetmap.org/copyright / Contains data from "
                   "OpenStreetMap, © OpenStreetMap contributors, available under the Open "
                   "Database License (ODbL): https://www.openstreetmap.org/copyright")
"""What an export made (even in part) from OpenStreetMap says about its source."""


def uses_openstreetmap(plan: Plan) -> bool:
    """Whether any input layer or result of the plan holds OpenStreetMap elements."""
    return has_osm_ids(plan.communities, plan.planned_facilities, *plan.scenario.layers.values())


# Run sheet: what each row is, in words (the key column keeps the machine-readable name)
_RUN_ITEMS: dict[str, tuple[str, str]] = {
    "scenario": ("方案名称", "Scenario"),
    "seed": ("随机种子", "Seed"),
    "standards": ("标准文件", "Standards file"),
    "crs": ("分析坐标系", "Analysis CRS"),
    "cost.per_household_wan": ("每户改造费用（万元）", "Renovation cost per household (10k CNY)"),
    "eligibility.built_before_year": ("纳入条件：建成年份早于", "Eligible if built before"),
    "eligibility.min_consent_rate": ("居民同意率下限", "Minimum residents' consent"),
    "eligibility.include_unknown": ("纳入建成年代或同意率未知的小区",
                                    "Include compounds whose built year or consent is unknown"),
    "zoning.households": ("片区户数范围", "Households per zone"),
    "siting.model": ("选址模型", "Siting model"),
    "siting.budget_wan": ("设施预算（万元）", "Facility budget (10k CNY)"),
    "siting.max_sites": ("每类设施选址数上限", "Sites per kind at most"),
    "siting.time_limit_s": ("每次求解时限（秒）", "Time limit per solve (s)"),
    "data_source": ("数据来源", "Data source"),
    "note": ("说明", "Note"),
}

# planning.siting's models (coverage without a budget or count runs the fewest sites)
_MODELS: dict[str, tuple[str, str]] = {
    "mclp": ("最大覆盖", "maximal coverage"),
    "capacitated": ("有容量的最大覆盖", "capacitated coverage"),
    "min_sites": ("最少选址", "fewest sites"),
}

_STEP_NAMES: dict[str, tuple[str, str]] = {
    "metric": ("转换为平面坐标", "projecting to metres"),
    "eligibility": ("判定改造条件", "eligibility"),
    "network": ("构建步行路网", "walking network"),
    "zoning": ("划分片区", "zoning"),
    "siting": ("设施选址", "facility siting"),
    "coverage": ("计算生活圈覆盖", "life-circle coverage"),
}

# planning.siting statuses (the worst solve's), as the siting page words them
_SOLVER_STATUS: dict[str, tuple[str, str]] = {
    "optimal": ("最优解", "optimal solution"),
    "heuristic": ("启发式解", "heuristic solution"),
    "time_limit": ("达到时间上限，给出当前最好方案", "time limit reached; best plan so far"),
    "no_demand": ("没有需求，无需新建", "no demand: nothing to build"),
    "no_reach": ("候选点都不在步行范围内", "no candidate site is within walking reach"),
    "no_sites": ("没有候选点", "no candidate sites"),
    "infeasible": ("无可行方案（原因见未满足需求表）",
                   "no feasible plan (see the unserved demand for why)"),
    "unbounded": ("模型无界", "unbounded model"),
    "error": ("求解出错", "the solver failed"),
}

# planning.scenario's "not run: <why>" in English alone, in both languages
_NOT_RUN: dict[str, tuple[str, str]] = {
    "no streets layer (straight-line distances × detour factor)":
        ("无道路图层（按直线距离×绕行系数计）",
         "no streets layer (straight-line distances × detour factor)"),
    "no compound is in a zone": ("没有小区纳入片区", "no compound is in a zone"),
}


def solver_words(status: str, gap: str | None, lang: Lang) -> str:
    """A siting solve's status (and its gap, as written: ``1.50%``) in words of ``lang``.

    >>> solver_words("heuristic", "0.33%", "en")
    'heuristic solution, at most 0.33% from the optimum'
    """
    i = 0 if lang == "zh" else 1
    words = _SOLVER_STATUS.get(status, (status, status))[i]
    if gap:
        words += ("，与最优相差不超过 {}", ", at most {} from the optimum")[i].format(gap)
    return words


def step_status(value: str, lang: Lang) -> str:
    """A step's status (:attr:`planning.scenario.Plan.steps`) in words of ``lang``.

    >>> step_status("done (optimal)", "zh"), step_status("done (optimal)", "en")
    ('完成（最优解）', 'done (optimal solution)')
    >>> step_status("done (time_limit, gap 1.50%)", "zh")
    '完成（达到时间上限，给出当前最好方案，与最优相差不超过 1.50%）'
    >>> step_status("not run: no compound is in a zone", "zh")
    '未运行：没有小区纳入片区'
    """
    i = 0 if lang == "zh" else 1
    if value == "done":
        return ("完成", "done")[i]
    solved = re.fullmatch(r"done \((\w+)(?:, gap (.+))?\)", value)
    if solved is not None:
        status, gap = solved.group(1), solved.group(2)
        return ("完成（{}）", "done ({})")[i].format(solver_words(status, gap, lang))
    if value.startswith("not run: "):
        why = value.removeprefix("not run: ")
        told = _NOT_RUN[why][i] if why in _NOT_RUN else reason_in(why, lang)
        return ("未运行：", "not run: ")[i] + told
    return reason_in(value, lang)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def _run(plan: Plan, i: int) -> pd.DataFrame:
    """Run information: each row's item in words, its value, and its machine-readable key."""
    lang: Lang = ("zh", "en")[i]
    s = plan.scenario
    std = s.standards
    yes_no = (("是", "否"), ("yes", "no"))[i]
    zoning = std.zoning
    values = {
        "scenario": s.name or ("（未命名）", "(unnamed)")[i],
        "seed": str(s.seed),
        "standards": std.source,
        "crs": f"EPSG:{plan.crs.to_epsg()} {plan.crs.name}",
        "cost.per_household_wan": f"{std.cost.per_household_wan:g}",
        "eligibility.built_before_year": (f"{std.eligibility.built_before_year}年",
                                          str(std.eligibility.built_before_year))[i],
        "eligibility.min_consent_rate": _percent(std.eligibility.min_consent_rate),
        "eligibility.include_unknown": yes_no[0 if std.eligibility.include_unknown else 1],
        "zoning.households": (f"{zoning.min_households}–{zoning.max_households}户",
                              f"{zoning.min_households:,}–{zoning.max_households:,}")[i],
    }
    siting = plan.scenario.siting
    unset = ("未设", "none")[i]
    model = siting.model or "mclp"
    ran = _MODELS.get(model, (model, model))[i]
    if model != "min_sites" and siting.budget_wan is None and siting.max_sites is None:
        ran = ("最少选址（未给预算或数量上限）", "fewest sites (no budget or site limit given)")[i]
    values |= {
        "siting.model": ran,
        "siting.budget_wan": unset if siting.budget_wan is None else f"{siting.budget_wan:,g}",
        "siting.max_sites": unset if siting.max_sites is None else str(siting.max_sites),
        "siting.time_limit_s": f"{siting.time_limit_s or DEFAULT_TIME_LIMIT_S:g}",
    }
    rows = [(_RUN_ITEMS[k][i], v, k) for k, v in values.items()]
    if uses_openstreetmap(plan):
        rows.append((_RUN_ITEMS["data_source"][i], reason_in(OSM_ATTRIBUTION, lang),
                     "data_source"))
    for step, value in plan.steps.items():
        name = _STEP_NAMES.get(step, (step, step))[i]
        rows.append((("步骤：", "Step: ")[i] + name, step_status(value, lang), f"step.{step}"))
    rows += [(_RUN_ITEMS["note"][i], reason_in(n, lang), "note") for n in plan.notes]
    return pd.DataFrame(rows, columns=["item", "value", "key"])
