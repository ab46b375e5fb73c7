"""What a printed zone map says: its words, the checks on its inputs and the per-zone figures.

:mod:`geo.printmap` draws; this module decides the text. Per-zone figures come from the zones
(households, compounds), from counting facilities per zone and from the caller's table, whose
``coverage_before_<kind>`` / ``coverage_after_<kind>`` columns (shares of households) make the
coverage table.

Examples
--------
>>> fmt(12345)
'12,345'
>>> fmt(0.456, share=True)
'46%'
>>> fmt(None)
'—'
>>> kind_label("ev_charger", "zh"), kind_label("ev_charger", "en")
('充电桩', 'EV charger')
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import LayerValidationError, Problem
from geo.printmap_layout import PAPER_SIZES_MM
from geo.schema import FACILITY_KINDS

__all__ = [
    "LABELS",
    "column_decimals",
    "column_label",
    "compound_name",
    "count_in_zones",
    "coverage_by_zone",
    "coverage_rows",
    "fmt",
    "has_osm_ids",
    "is_share",
    "kind_label",
    "scalar_columns",
    "table_with_zone_index",
    "validate_inputs",
    "with_zone_index",
    "zone_rows",
    "zone_stats",
]

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "老旧小区改造片区规划图",
        "overview": "总览：{zones} 个片区，含 {compounds} 个小区、{households} 户",
        "overview_out": "（另有 {n} 个小区未纳入片区）",
        "crowded": "图面拥挤：{n} 个片区编号未标注，见片区一览或各片区分页",
        "crowded_list": "图面拥挤：{n} 个片区编号未标注；\n第 {pages} 页片区一览列出每个片区"
                        "所在网格",
        "more_list": "… 另有 {n} 项，全部片区见第 {pages} 页",
        "zone_list": "片区一览：共 {zones} 个片区（{first} – {last}），第 {k}/{n} 页；"
                     "位置为总览图网格，覆盖为改造前→改造后",
        "grid_cell": "位置",
        "zone": "片区 {zone}：{compounds} 个小区，{households} 户",
        "legend": "图例",
        "zone_fill": "片区",
        "zone_edge": "片区边界",
        "this_zone": "本片区小区",
        "other_zones": "其他片区小区",
        "excluded": "未纳入片区的小区",
        "compound_edge": "小区边界",
        "street": "道路",
        "existing_kind": "{kind}（现有）",
        "planned_kind": "{kind}（规划）",
        "shared_spot": "同址设施（线连所在点）",
        "summary": "片区概况",
        "item": "项目",
        "value": "数值",
        "zones_table": "片区一览",
        "zone_col": "片区",
        "total": "合计",
        "coverage": "设施覆盖（覆盖户数占比）",
        "coverage_all": "设施覆盖（各片区按户数加权）",
        "kind": "设施类型",
        "before": "改造前",
        "after": "改造后",
        "compounds_table": "小区名录",
        "no": "序号",
        "name": "小区名称",
        "more": "… 另有 {n} 项未列出",
        "scale": "比例尺 1:{ratio:,}（{paper} 原大打印）",
        "north": "北",
        "crs": "坐标系：{crs}",
        "source": "数据来源：{source}",
        "osm_credit": "；© OpenStreetMap 贡献者（ODbL，openstreetmap.org/copyright）",
        "date": "制图日期：{date}",
        "page": "第 {page}/{pages} 页",
        "default_source": "规划输入图层",
        "hh_label": "{households:,} 户",
        "households": "户数",
        "compounds": "小区数",
        "facilities": "现有设施",
        "planned_n": "规划设施",
        "count_unit": "{n} 处",
    },
    "en": {
        "title": "Renovation zones of old residential compounds",
        "overview": "Overview: {zones} zones with {compounds} compounds, {households} households",
        "overview_out": " ({n} compounds not in a zone)",
        "crowded": "Crowded map: {n} zone ids left off; see the zone list or the zone pages",
        "crowded_list": "Crowded map: {n} zone ids left off;\nthe zone list (pages {pages}) "
                        "gives every zone's grid square",
        "more_list": "… {n} more; every zone on pages {pages}",
        "zone_list": "Zone list: {zones} zones ({first} – {last}), page {k}/{n}; grid square "
                     "of the overview, coverage before → after",
        "grid_cell": "Grid",
        "zone": "Zone {zone}: {compounds} compounds, {households} households",
        "legend": "Legend",
        "zone_fill": "Zone",
        "zone_edge": "Zone boundary",
        "this_zone": "Compounds of this zone",
        "other_zones": "Compounds of other zones",
        "excluded": "Compound not in a zone",
        "compound_edge": "Compound boundary",
        "street": "Street",
        "existing_kind": "{kind} (existing)",
        "planned_kind": "{kind} (planned)",
        "shared_spot": "Facilities at one site",
        "summary": "Zone summary",
        "item": "Item",
        "value": "Value",
        "zones_table": "Zones",
        "zone_col": "Zone",
        "total": "Total",
        "coverage": "Coverage (share of households)",
        "coverage_all": "Coverage (zones weighted by households)",
        "kind": "Facility",
        "before": "Before",
        "after": "After",
        "compounds_table": "Compounds",
        "no": "No.",
        "name": "Name",
        "more": "… {n} more not listed",
        "scale": "Scale 1:{ratio:,} (printed at {paper})",
        "north": "N",
        "crs": "CRS: {crs}",
        "source": "Data source: {source}",
        "osm_credit": "; © OpenStreetMap contributors (ODbL, openstreetmap.org/copyright)",
        "date": "Date: {date}",
        "page": "Page {page}/{pages}",
        "default_source": "planning input layers",
        "hh_label": "{households:,} hh",
        "households": "Households",
        "compounds": "Compounds",
        "facilities": "Existing",
        "planned_n": "Planned",
        "count_unit": "{n}",
    },
}
"""Every word printed on a page, per language (``zh`` default, ``en``)."""

_COVERAGE = re.compile(r"^coverage_(before|after)_(.+)$")
_KNOWN_COLUMNS = {"households": "households", "compounds": "compounds",
                  "n_communities": "compounds", "facilities": "facilities",
                  "planned": "planned_n", "planned_facilities": "planned_n"}
_MAX_DPI = 1200
# how geo.osm.read_osm names OpenStreetMap elements (index of every layer it reads)
_OSM_ID = r"osm_(?:node|way|relation)_\d+"


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def with_zone_index(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``zones`` indexed by ``zone_id`` (column or index) as strings."""
    if "zone_id" in zones.columns:
        zones = zones.set_index("zone_id")
    zones = zones.copy()
    zones.index = zones.index.astype(str)
    zones.index.name = "zone_id"
    return zones


def table_with_zone_index(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a per-zone table indexed by ``zone_id`` (column or index) as strings."""
    if "zone_id" in table.columns:
        table = table.set_index("zone_id")
    table = table.copy()
    table.index = table.index.astype(str)
    return table


def _ids(index: pd.Index, mask: Any) -> tuple[str, ...]:
    return tuple(str(i) for i in index[np.asarray(mask, dtype=bool)])


def _check_layer(name: str, gdf: Any, required: Sequence[str], geom_types: set[str],
                 problems: list[Problem]) -> bool:
    """Append what is wrong with a layer; return whether its columns can be read at all."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        problems.append(Problem(f"{name}", (), f"must be a GeoDataFrame, got "
                                               f"{type(gdf).__name__}"))
        return False
    if gdf.crs is None:
        problems.append(Problem(f"{name}.crs", (), "has no coordinate reference system; "
                                "set one (e.g. gdf.set_crs('EPSG:4547'))"))
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        problems.append(Problem(f"{name}.{','.join(missing)}", (),
                                f"missing column(s); {name} needs {', '.join(required)}"))
    geoms = gdf.geometry
    bad = geoms.isna() | geoms.is_empty | ~geoms.geom_type.isin(list(geom_types))
    if bad.any():
        problems.append(Problem(f"{name}.geometry", _ids(gdf.index, bad),
                                f"must be a non-empty {' or '.join(sorted(geom_types))}"))
    return not missing


def validate_inputs(zones: gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
                    facilities: gpd.GeoDataFrame | None, planned: gpd.GeoDataFrame | None,
                    streets: gpd.GeoDataFrame | None, zone_table: pd.DataFrame | None, *,
                    paper: str, lang: str, dpi: int, date: dt.date | str | None,
                    zone_pages: Sequence[str] | None = None) -> None:
    """Check every input of :func:`geo.printmap.print_zone_maps`; raise once with all problems.

    Raises
    ------
    LayerValidationError
        Naming the option, or the layer column and the row ids, of every problem found.
    """
    polygons = {"Polygon", "MultiPolygon"}
    problems: list[Problem] = []
    if lang not in LABELS:
        problems.append(Problem("lang", (), f"must be one of {', '.join(LABELS)}, got {lang!r}"))
    if not isinstance(paper, str) or paper.strip().upper() not in PAPER_SIZES_MM:
        problems.append(Problem("paper", (), f"must be one of {', '.join(PAPER_SIZES_MM)} "
                                             f"(landscape), got {paper!r}"))
    if not isinstance(dpi, int) or not 0 < dpi <= _MAX_DPI:
        problems.append(Problem("dpi", (), f"must be a whole number in 1..{_MAX_DPI}, got {dpi!r}"))
    if isinstance(date, str):
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            problems.append(Problem("date", (), f"must be a date like 2026-11-23, got {date!r}"))
    zone_ids: set[str] = set()
    if isinstance(zones, gpd.GeoDataFrame):
        z = zones.reset_index() if "zone_id" not in zones.columns else zones
        if "zone_id" not in z.columns:
            problems.append(Problem("zones.zone_id", (), "zones need a zone_id column or index"))
        else:
            zid = z["zone_id"]
            if zid.isna().any():
                problems.append(Problem("zones.zone_id", _ids(zones.index, zid.isna()),
                                        "must not be empty"))
            dup = zid.duplicated(keep=False) & zid.notna()
            if dup.any():
                problems.append(Problem("zones.zone_id", tuple(sorted(set(zid[dup].astype(str)))),
                                        "must be unique (one row per zone)"))
            zone_ids = set(zid.dropna().astype(str))
        if _check_layer("zones", z.set_index("zone_id") if "zone_id" in z.columns else z,
                        ["households", "n_communities"], polygons, problems):
            for col in ("households", "n_communities"):
                v = pd.to_numeric(z[col], errors="coerce")
                bad = v.isna() | (v < 0)
                if bad.any():
                    problems.append(Problem(f"zones.{col}", _ids(pd.Index(z["zone_id"]), bad)
                                            if "zone_id" in z.columns else (),
                                            "must be a number >= 0"))
    else:
        _check_layer("zones", zones, [], polygons, problems)
    if isinstance(communities, gpd.GeoDataFrame) and len(communities) == 0:
        problems.append(Problem("communities", (), "has no compounds to print"))
    if _check_layer("communities", communities, ["name", "zone_id", "households"], polygons,
                    problems):
        cz = communities["zone_id"]
        unknown = cz.notna() & ~cz.astype(str).isin(list(zone_ids))
        if unknown.any():
            problems.append(Problem("communities.zone_id", _ids(communities.index, unknown),
                                    "names a zone that is not in zones"))
    for name, layer in (("facilities", facilities), ("planned", planned)):
        if layer is not None and _check_layer(name, layer, ["kind"],
                                              {"Point", "Polygon", "MultiPolygon"}, problems):
            bad = ~layer["kind"].isin(list(FACILITY_KINDS))
            if bad.any():
                problems.append(Problem(f"{name}.kind", _ids(layer.index, bad),
                                        f"must be one of {', '.join(FACILITY_KINDS)}"))
    if streets is not None:
        _check_layer("streets", streets, [], {"LineString", "MultiLineString"}, problems)
    if zone_table is not None:
        _check_zone_table(zone_table, zone_ids, problems)
    if zone_pages is not None:
        if isinstance(zone_pages, str):  # "Z001" would be read as four zones
            problems.append(Problem("zone_pages", (), "must be a list of zone ids, "
                                                      f"got the text {zone_pages!r}"))
        else:
            asked = Counter(str(i) for i in zone_pages)
            unknown = tuple(i for i in asked if i not in zone_ids)
            if unknown:
                problems.append(Problem("zone_pages", unknown, "not a zone of this plan"))
            twice = tuple(i for i, n in asked.items() if n > 1)
            if twice:
                problems.append(Problem("zone_pages", twice, "asked for more than once"))
    if problems:
        raise LayerValidationError("print_zone_maps", problems)


def _check_zone_table(zone_table: Any, zone_ids: set[str], problems: list[Problem]) -> None:
    if not isinstance(zone_table, pd.DataFrame):
        problems.append(Problem("zone_table", (), "must be a DataFrame indexed by zone_id"))
        return
    table = table_with_zone_index(zone_table)
    missing = sorted(zone_ids - set(table.index))
    if missing:
        problems.append(Problem("zone_table.zone_id", tuple(missing), "zones without a row"))
    extra = sorted(set(table.index) - zone_ids)
    if extra:
        problems.append(Problem("zone_table.zone_id", tuple(extra), "rows for unknown zones"))
    for col in table.columns:
        if _COVERAGE.match(str(col)):
            v = pd.to_numeric(table[col], errors="coerce")
            bad = (table[col].notna() & v.isna()) | (v < 0) | (v > 1)
            if bad.any():
                problems.append(Problem(f"zone_table.{col}", _ids(table.index, bad),
                                        "coverage must be a share between 0 and 1"))


def count_in_zones(layer: gpd.GeoDataFrame | None, zones: gpd.GeoDataFrame) -> pd.Series:
    """Facilities per zone: by the layer's ``zone_id`` if it has one, else inside the hull."""
    counts = pd.Series(0, index=zones.index, dtype="int64")
    if layer is None or len(layer) == 0:
        return counts
    if "zone_id" in layer.columns:
        got = layer["zone_id"].dropna().astype(str).value_counts()
    else:
        pts = gpd.GeoSeries(shapely.point_on_surface(layer.geometry.values), crs=layer.crs)
        hulls = gpd.GeoDataFrame(geometry=zones.geometry.convex_hull, index=zones.index)
        joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), hulls, predicate="within")
        got = joined["zone_id"].astype(str).value_counts()
    return counts.add(got.reindex(counts.index, fill_value=0), fill_value=0).astype("int64")


def has_osm_ids(*layers: pd.DataFrame | None) -> bool:
    """Whether some row of some layer is an OpenStreetMap element, named as :mod:`geo.osm` does.

    :func:`geo.osm.read_osm` indexes compounds, facilities, streets and barriers by ids such as
    ``osm_way_123``; they are kept by every export and by a saved plan, so a map drawn from
    them, even in part, can say it must credit OpenStreetMap (ODbL).

    >>> has_osm_ids(pd.DataFrame(index=["C01", "osm_node_7"]), None)
    True
    >>> has_osm_ids(pd.DataFrame(index=["C01", "G-osm_way_7"]), pd.DataFrame())
    False
    """
    return any(layer is not None and len(layer) > 0
               and bool(layer.index.astype(str).str.fullmatch(_OSM_ID).any())
               for layer in layers)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
def fmt(value: Any, *, share: bool = False, decimals: int | None = None) -> str:
    """A cell as printed: thousands separators, one decimal, shares as %, missing as —.

    ``decimals``: the column's (see :func:`column_decimals`), so that a whole number in a
    column of tenths prints as 3,045.0 beside 2,522.7, not 3,045.

    >>> fmt(3045.0), fmt(3045.0, decimals=1), fmt(2522.72), fmt(0.5, share=True)
    ('3,045', '3,045.0', '2,522.7', '50%')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if share:
        return f"{float(value):.0%}"
    if decimals is not None and isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):,.{decimals}f}"
    if isinstance(value, (int, np.integer)) or (
            isinstance(value, (float, np.floating)) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.1f}"
    return str(value)


def column_decimals(values: pd.Series) -> int | None:
    """1 when some number of a column has a fraction (every cell then prints one), else None.

    >>> column_decimals(pd.Series([3045.0, 2522.72])), column_decimals(pd.Series([3, 40]))
    (1, None)
    """
    v = pd.to_numeric(values, errors="coerce").dropna()
    return 1 if len(v) and not (v == v.round()).all() else None


def column_label(col: str, text: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """The printed name of a table column: the caller's label, a built-in one, or its name."""
    if col in labels:
        return labels[col]
    if col in _KNOWN_COLUMNS:
        return text[_KNOWN_COLUMNS[col]]
    return col


def compound_name(com: gpd.GeoDataFrame, i: int) -> str:
    """The name printed for the ``i``-th compound of ``com``: its name, else its id."""
    name = com["name"].iloc[i]
    return str(com.index[i]) if name is None or pd.isna(name) or not str(name).strip() \
        else str(name)



def kind_label(kind: str, lang: str) -> str:
    """The printed name of a facility kind in ``lang``."""
    k = FACILITY_KINDS.get(kind)
    if k is None:
        return kind
    return k.label_zh if lang == "zh" else k.label_en


def _coverage_kinds(table: pd.DataFrame) -> list[str]:
    kinds: dict[str, None] = {}
    for col in table.columns:
        m = _COVERAGE.match(str(col))
        if m:
            kinds[m.group(2)] = None
    return list(kinds)


def coverage_by_zone(communities: pd.DataFrame, *, kinds: Sequence[str] | None = None,
                     before: str = "covered_{kind}_before", after: str = "covered_{kind}",
                     weight: str = "households") -> pd.DataFrame:
    """Per zone, the share of households in covered compounds before and after the plan.

    The result is the ``zone_table`` that :func:`geo.printmap.print_zone_maps` prints as the
    coverage table. Compounds without a zone are left out; a compound whose flag is missing
    counts in neither the covered households nor the total of that kind.

    Parameters
    ----------
    communities
        Compounds with ``zone_id``, ``weight`` and boolean covered flags per kind.
    kinds
        Facility kinds to report; by default every key of :data:`geo.schema.FACILITY_KINDS`
        with a ``before`` or ``after`` column.
    before, after
        Column name patterns of the covered flags, with ``{kind}`` for the kind.
    weight
        What is counted (``households``); a missing weight counts as 0.

    Returns
    -------
    DataFrame
        Indexed by ``zone_id`` (sorted), columns ``coverage_before_<kind>`` and
        ``coverage_after_<kind>`` (0–1; NaN where nothing is known).

    Examples
    --------
    >>> com = pd.DataFrame({"zone_id": ["Z1", "Z1", "Z2", None],
    ...                     "households": [100, 300, 50, 10],
    ...                     "covered_parking_before": [True, False, None, True],
    ...                     "covered_parking": [True, True, False, True]})
    >>> table = coverage_by_zone(com)
    >>> table.columns.tolist()
    ['coverage_before_parking', 'coverage_after_parking']
    >>> table.loc["Z1"].tolist(), table.loc["Z2"].tolist()
    ([0.25, 1.0], [nan, 0.0])
    """
    if kinds is None:
        kinds = [k for k in FACILITY_KINDS
                 if before.format(kind=k) in communities.columns
                 or after.format(kind=k) in communities.columns]
    zoned = communities[communities["zone_id"].notna()]
    zone = zoned["zone_id"].astype(str).rename("zone_id")
    w = pd.to_numeric(zoned[weight], errors="coerce").fillna(0.0).astype(float)
    out = pd.DataFrame(index=pd.Index(sorted(zone.unique()), name="zone_id"))
    for kind in kinds:
        for when, pattern in (("before", before), ("after", after)):
            col = pattern.format(kind=kind)
            if col not in zoned.columns:
                continue
            flag = zoned[col].astype("boolean")
            known = w.where(flag.notna(), 0.0)
            covered = w.where(flag.fillna(False).astype(bool), 0.0)
            total = known.groupby(zone).sum()
            share = covered.groupby(zone).sum() / total.where(total > 0)
            out[f"coverage_{when}_{kind}"] = share.reindex(out.index)
    return out


def zone_stats(zones: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None,
                planned: gpd.GeoDataFrame | None, zone_table: pd.DataFrame | None
                ) -> pd.DataFrame:
    """One row per zone: households, compounds, facilities, planned, then the caller's columns."""
    stats = pd.DataFrame({
        "households": pd.to_numeric(zones["households"]),
        "compounds": pd.to_numeric(zones["n_communities"]),
        "facilities": count_in_zones(facilities, zones),
    }, index=zones.index)
    if planned is not None:
        stats["planned"] = count_in_zones(planned, zones)
    if zone_table is not None:
        table = table_with_zone_index(zone_table).reindex(zones.index)
        table = table.rename(columns={"n_communities": "compounds",
                                      "planned_facilities": "planned"})
        for col in table.columns:
            stats[col] = table[col]
    return stats


def zone_rows(stats: pd.DataFrame, *, lang: str, labels: Mapping[str, str],
              cells: Mapping[str, str] | None = None, coverage: bool = False
              ) -> tuple[list[str], list[list[str]], list[str]]:
    """The list of zones: header, one row per zone and the total row.

    Columns: the zone, its grid square on the overview (``cells``, when given), the figures of
    :func:`scalar_columns` (one precision per column, :func:`column_decimals`), and with
    ``coverage`` one column per facility kind, "before→after" ("20%→100%").

    Examples
    --------
    >>> stats = pd.DataFrame({"households": [900, 1200], "coverage_before_parking": [0.2, 1.0],
    ...                       "coverage_after_parking": [1.0, 1.0]}, index=["Z1", "Z2"])
    >>> header, rows, total = zone_rows(stats, lang="zh", labels={},
    ...                                 cells={"Z1": "A1", "Z2": "B3"}, coverage=True)
    >>> header, total
    (['片区', '位置', '户数', '停车场'], ['合计', '', '2,100', ''])
    >>> rows
    [['Z1', 'A1', '900', '20%→100%'], ['Z2', 'B3', '1,200', '100%→100%']]
    """
    text = LABELS[lang]
    scalars = scalar_columns(stats)
    places = {c: column_decimals(stats[c]) for c in scalars}
    kinds = _coverage_kinds(stats) if coverage else []
    header = [text["zone_col"], *([text["grid_cell"]] if cells is not None else []),
              *(column_label(c, text, labels) for c in scalars),
              *(kind_label(k, lang) for k in kinds)]

    def share(z: str, when: str, kind: str) -> str:
        col = f"coverage_{when}_{kind}"
        return fmt(stats.at[z, col], share=True) if col in stats.columns else "—"

    rows = [[str(z), *([cells.get(str(z), "")] if cells is not None else []),
             *(fmt(stats.at[z, c], decimals=places[c]) for c in scalars),
             *(f"{share(z, 'before', k)}→{share(z, 'after', k)}" for k in kinds)]
            for z in stats.index]
    total = [text["total"], *([""] if cells is not None else [])]
    for c in scalars:
        v = pd.to_numeric(stats[c], errors="coerce")
        total.append(fmt(v.sum(), decimals=places[c])
                     if v.notna().any() and not is_share(stats[c]) else "")
    total += [""] * len(kinds)
    return header, rows, total


def scalar_columns(stats: pd.DataFrame) -> list[str]:
    """Columns of the per-zone figures other than coverage shares."""
    return [c for c in stats.columns if not _COVERAGE.match(str(c))]


def coverage_rows(stats: pd.DataFrame, row: pd.Series | None, lang: str) -> list[list[str]]:
    """Rows (kind, before, after) of one zone, or of all zones weighted by households."""
    rows = []
    for kind in _coverage_kinds(stats):
        cells = [kind_label(kind, lang)]
        for when in ("before", "after"):
            col = f"coverage_{when}_{kind}"
            if col not in stats.columns:
                cells.append("—")
                continue
            if row is not None:
                cells.append(fmt(row[col], share=True))
            else:  # all zones: weight each zone's share by its households
                v = pd.to_numeric(stats[col], errors="coerce")
                w = pd.to_numeric(stats["households"], errors="coerce").where(v.notna())
                total = float(w.sum())
                cells.append(fmt(float((v * w).sum()) / total, share=True) if total > 0
                             else "—")
        rows.append(cells)
    return rows


def is_share(col: pd.Series) -> bool:
    """Whether a column holds fractions (so a total makes no sense)."""
    v = pd.to_numeric(col, errors="coerce").dropna()
    return bool(len(v)) and bool(((v >= 0) & (v <= 1)).all()) and not (v == v.round()).all()
