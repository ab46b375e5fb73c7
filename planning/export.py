"""Exports for the planning bureau: GeoJSON, the GeoPackage project file, Shapefile zips, tables.

:func:`export_plan` writes everything into one folder::

    OUT/plan.gpkg                       project file (planning.scenario.save_plan): reloads the plan
    OUT/geojson/<layer>.geojson         RFC 7946, WGS84, one file per layer
    OUT/geojson/<layer>_fields.csv      field schema: field, 中文名, English, type, shapefile name
    OUT/shapefile/<layer>.zip           .shp/.shx/.dbf/.prj/.cpg + <layer>_fields.csv (alias table)
    OUT/tables/summary.xlsx             sheets zones, compounds, facilities, coverage, unserved,
                                        cost, run (named in the export's language)
    OUT/tables/<sheet>.csv              the same sheets, UTF-8 with BOM (English file names)

Bureau layers (:data:`BUREAU_LAYERS`): ``zones``, ``compounds`` (every input compound with its
zone or excluded reason and its coverage), ``planned_facilities``, ``gaps``. Field names are the
canonical ones of ``geo.schema`` and of the plan; :func:`field_schema` gives each its Chinese
and English alias (documented in ``docs/export-schema.md``).

Examples
--------
>>> field_label("walk_minutes_elderly_care")
('步行至养老服务设施时间（分钟）', 'Walking minutes to elderly care')
>>> field_label("covered_parking_5min")
('5分钟内可达停车场', 'Parking within 5 minutes')
>>> shapefile_name("covered_ev_charger_10min")
'c10_ev'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import LayerValidationError, PlanningInputError
from geo.io.write import (
    shapefile_field_names,
    shapefile_text_problems,
    write_geojson,
    write_shapefile_zip,
)
from geo.printmap import PrintedMaps, print_zone_maps
from geo.schema import FACILITY_KINDS, LAYERS
from planning.demand import SITED_KINDS
from planning.export_tables import (
    OSM_ATTRIBUTION,
    summary_tables,
    uses_openstreetmap,
    write_tables,
)
from planning.scenario import Plan, save_plan
from planning.siting import reason_in

__all__ = [
    "BUREAU_LAYERS",
    "DECIMALS",
    "ZONE_PAGES_MAX",
    "SHAPEFILE_OMITTED",
    "ExportResult",
    "bureau_layers",
    "export_plan",
    "field_label",
    "print_maps",
    "zone_table",
    "field_schema",
    "shapefile_name",
]

Lang = Literal["zh", "en"]

BUREAU_LAYERS: tuple[str, ...] = ("zones", "compounds", "planned_facilities", "gaps")
"""The layers sent to the bureau, one file each."""

_KIND_SHORT = {"elderly_care": "eld", "ev_charger": "ev", "parking": "park", "clinic": "clin",
               "market": "mkt", "kindergarten": "kg"}

# Result columns (not in geo.schema): canonical -> (中文名, English, shapefile name)
_RESULT_FIELDS: dict[str, tuple[str, str, str]] = {
    "community_id": ("小区编号", "Compound ID", "comm_id"),
    "zone_id": ("片区编号", "Zone ID", "zone_id"),
    "eligible": ("符合改造条件", "Eligible", "eligible"),
    "excluded_reason": ("未纳入原因", "Excluded reason (Chinese)", "excl_rsn"),
    "excluded_reason_en": ("未纳入原因（英文）", "Excluded reason", "excl_rsn_e"),
    "zone_note": ("片区说明", "Zone note (Chinese)", "zone_note"),
    "zone_note_en": ("片区说明（英文）", "Zone note", "zone_nt_en"),
    "reason_codes": ("原因代码", "Reason codes", "rsn_codes"),
    "override": ("人工调整", "Planner override", "override"),
    "override_note": ("人工调整说明", "Override note", "ovr_note"),
    "eligibility_note": ("纳入说明", "Eligibility note (Chinese)", "elig_note"),
    "eligibility_note_en": ("纳入说明（英文）", "Eligibility note", "elig_nt_en"),
    "access_points": ("路网接入点数", "Access points", "access_pts"),
    "completeness": ("规划后生活圈完备度（达标设施类数）",
                     "Completeness after the plan (kinds covered)", "complete"),
    "completeness_before": ("现状生活圈完备度（达标设施类数）",
                            "Completeness before the plan (kinds covered)", "complete_b"),
    "completeness_of": ("应配设施类数", "Required kinds", "complet_of"),
    "distance_method": ("距离计算方法", "Distance method", "dist_meth"),
    "households": ("户数", "Households", "households"),
    "n_communities": ("小区数", "Compounds", "n_comm"),
    "area_m2": ("面积（平方米）", "Area (m²)", "area_m2"),
    "diameter_m": ("最大直径（米）", "Diameter (m)", "diameter_m"),
    "compactness": ("紧凑度", "Compactness", "compact"),
    "within_bounds": ("户数在规定范围内", "Households within bounds", "in_bounds"),
    "site_id": ("候选点编号", "Site ID", "site_id"),
    "kind": ("设施类型", "Facility kind", "kind"),
    "capacity": ("容量", "Capacity", "capacity"),
    "demand_served": ("服务需求量", "Demand served", "dem_served"),
    "compounds_served": ("服务小区数", "Compounds served", "comp_serv"),
    "households_served": ("服务户数", "Households served", "hh_served"),
    "cost": ("造价（万元）", "Cost (10k CNY)", "cost_wan"),
    "over_capacity": ("超出容量", "Over capacity", "over_cap"),
    "generated": ("自动生成候选点", "Generated site", "generated"),
    "generated_from": ("生成来源", "Generated from (Chinese)", "gen_from"),
    "generated_from_en": ("生成来源（英文）", "Generated from", "gen_from_e"),
    "share": ("占小区面积比例", "Share of the compound's area", "share"),
    "community_ids": ("所含小区编号", "Compound IDs", "comm_ids"),
    "heterogeneity": ("组内差异度", "Heterogeneity", "heterog"),
    "bounds_note": ("户数范围说明", "Bounds note (Chinese)", "bound_note"),
    "bounds_note_en": ("户数范围说明（英文）", "Bounds note", "bound_no_e"),
    "planned_id": ("规划设施编号", "Planned facility ID", "planned_id"),
    "minutes": ("步行时间（分钟）", "Walking minutes", "minutes"),
}

# Shorter Shapefile names for input columns (ids included) whose generic short name reads
# badly: geo.schema holds them, so that geo.io reads Pianqu's own Shapefiles back
_INPUT_SHORT = {col: short for schema in LAYERS.values()
                for col, short in schema.short_names().items()}

# Bureau layer -> the input schema whose labels its columns take first
_LAYER_SCHEMA = {"compounds": "communities", "planned_facilities": "sites",
                 "facilities": "facilities", "sites": "sites", "communities": "communities"}

# Fields left out of the Shapefile (text that outgrows a 254-byte DBF field; the GeoJSON and
# GeoPackage keep them): a zone's compound list (compounds.zip carries zone_id instead).
SHAPEFILE_OMITTED: dict[str, tuple[str, ...]] = {"zones": ("community_ids",)}


def field_label(column: str, *, layer: str | None = None) -> tuple[str, str]:
    """The Chinese and English alias of a column of any exported layer.

    Input columns take their ``geo.schema`` labels (those of ``layer``'s input schema first,
    so ``name`` is 小区名称 in ``compounds`` and 候选点名称 in ``planned_facilities``); result
    columns the table of this module;
    per-kind columns (``walk_minutes_<kind>``, ``reason_<kind>``, ``covered_<kind>_<m>min``,
    ``covered_<kind>``, ``covered_<kind>_before``) are built from the kind's labels. An unknown
    column is its own alias.
    """
    own = LAYERS.get(_LAYER_SCHEMA.get(layer or "", ""))
    if own is not None and column in own.column_names and column != own.id_column:
        return own.aliases_zh()[column], own.aliases_en()[column]
    if column in _RESULT_FIELDS:
        zh, en, _ = _RESULT_FIELDS[column]
        return zh, en
    per_kind = _per_kind(column)
    if per_kind is not None:
        return per_kind[0], per_kind[1]
    for schema in LAYERS.values():
        zh_map, en_map = schema.aliases_zh(), schema.aliases_en()
        if column in zh_map and column != schema.id_column:
            return zh_map[column], en_map[column]
    return column, column


def shapefile_name(column: str) -> str | None:
    """The chosen Shapefile field name of a known column (None: the generic rule applies).

    An input column's is the one of ``geo.schema`` (read back as that column), before the
    result table's.
    """
    if column in _INPUT_SHORT:
        return _INPUT_SHORT[column]
    if column in _RESULT_FIELDS:
        return _RESULT_FIELDS[column][2]
    per_kind = _per_kind(column)
    return per_kind[2] if per_kind is not None else None


def _per_kind(column: str) -> tuple[str, str, str] | None:
    kinds = "|".join(sorted(FACILITY_KINDS, key=len, reverse=True))
    m = re.fullmatch(rf"(walk_minutes|reason|covered)_({kinds})(?:_(\d+)min|_(before))?", column)
    if m is None:
        return None
    what, kind, minutes, before = m.groups()
    k = FACILITY_KINDS[kind]
    short = _KIND_SHORT[kind]
    if what == "walk_minutes" and not (minutes or before):
        return (f"步行至{k.label_zh}时间（分钟）", f"Walking minutes to {k.label_en.lower()}",
                f"wm_{short}")
    if what == "reason" and not (minutes or before):
        return (f"无{k.label_zh}步行时间的原因", f"Why no minutes to {k.label_en.lower()}",
                f"rs_{short}")
    if what == "covered" and minutes:
        return (f"{minutes}分钟内可达{k.label_zh}", f"{k.label_en} within {minutes} minutes",
                f"c{minutes}_{short}")
    if what == "covered" and before:
        return (f"现状{k.label_zh}达标", f"{k.label_en} covered before the plan",
                f"cb_{short}")
    if what == "covered":
        return (f"{k.label_zh}达标（规划后）", f"{k.label_en} covered after the plan",
                f"cov_{short}")
    return None


def field_schema(frame: pd.DataFrame, *, layer: str | None = None) -> pd.DataFrame:
    """The field schema of one exported layer (its index first, geometry left out).

    Parameters
    ----------
    frame
        The layer.
    layer
        Its bureau layer name (:data:`BUREAU_LAYERS`), which picks labels and omitted fields.

    Returns
    -------
    DataFrame
        One row per field: ``field``, ``label_zh``, ``label_en``, ``type`` (string, integer,
        real, boolean), ``shapefile_name`` (the ≤ 10-character name used in the Shapefile zip;
        empty for a field the Shapefile leaves out, see :data:`SHAPEFILE_OMITTED`).
    """
    table = frame.reset_index() if frame.index.name is not None else frame
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [str(c) for c in table.columns if c != geometry]
    omitted = SHAPEFILE_OMITTED.get(layer or "", ())
    kept = [c for c in columns if c not in omitted]
    short = shapefile_field_names(kept, fixed=_fixed_names(kept))
    rows = []
    for col in columns:
        zh, en = field_label(col, layer=layer)
        rows.append({"field": col, "label_zh": zh, "label_en": en,
                     "type": _field_type(table[col]), "shapefile_name": short.get(col, "")})
    return pd.DataFrame(rows, columns=["field", "label_zh", "label_en", "type",
                                       "shapefile_name"])


def _fixed_names(columns: list[str]) -> dict[str, str]:
    fixed: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = shapefile_name(col)
        if name is not None and name.lower() not in used:
            fixed[col] = name
            used.add(name.lower())
    return fixed


def _field_type(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_float_dtype(values):
        return "real"
    return "string"


#: Decimals of the figures a plan computes, as the bureau layers carry them (0: a whole number):
#: walking minutes to 0.1 (``walk_minutes_<kind>``), metres and m² to 0.1, shares and indices to
#: the 0.001 or 0.0001, costs to 0.01 万元. The project file (``plan.gpkg``) keeps every value.
DECIMALS: dict[str, int] = {
    "walk_minutes": 1, "area_m2": 1, "diameter_m": 1, "compactness": 3, "heterogeneity": 3,
    "share": 4, "capacity": 1, "demand_served": 1, "households_served": 0, "cost": 2,
}


def bureau_layers(plan: Plan) -> dict[str, gpd.GeoDataFrame]:
    """The layers sent to the bureau, by name (:data:`BUREAU_LAYERS`), in the analysis CRS.

    ``zones`` and ``gaps`` are indexed by row (zone ids and compound ids are fields). Computed
    figures are rounded (:data:`DECIMALS`); polygon layers are all MultiPolygon (a GeoJSON of
    Polygons and MultiPolygons is "Unknown (any)" to GDAL and two layers to ArcGIS); the plan
    itself is left as it is.
    """
    zones = plan.zones
    if "zone_id" in zones.columns and zones.index.name != "zone_id":
        zones = zones.reset_index(drop=True)
    gaps = plan.gaps.reset_index(drop=True)
    layers = {"zones": zones, "compounds": plan.communities,
              "planned_facilities": _generated_from_in_two(plan.planned_facilities),
              "gaps": gaps}
    return {name: _as_multi(_rounded(_blank_as_null(layer)), name)
            for name, layer in layers.items()}


def _blank_as_null(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Empty text as null, as every other field without a value is (a copy when any is).

    A zone within its bounds had ``bounds_note: ""`` beside compounds' ``null`` notes, and an
    eligible compound ``reason_codes: ""``: in QGIS one is "is empty", the other "is null".
    """
    text = [c for c in layer.columns if c != layer.geometry.name and
            (layer[c].dtype == object or pd.api.types.is_string_dtype(layer[c]))]
    empty = {c: (layer[c].astype("string").str.strip() == "").fillna(False).to_numpy(bool)
             for c in text}
    blank = {c: layer[c].astype(object).where(~e, None) for c, e in empty.items() if e.any()}
    return layer.assign(**blank) if blank else layer


def _generated_from_in_two(planned: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``generated_from`` ("中文 / English") as two fields, as the zone notes are given."""
    if "generated_from" not in planned.columns:
        return planned
    out = planned.copy()
    text = out["generated_from"]
    out["generated_from"] = [None if pd.isna(v) else reason_in(v, "zh") for v in text]
    out.insert(out.columns.get_loc("generated_from") + 1, "generated_from_en",
               [None if pd.isna(v) else reason_in(v, "en") for v in text])
    return out


def _as_multi(layer: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """A polygon layer's Polygons as one-part MultiPolygons (the same shapes)."""
    if _SHAPE_TYPES[name] != "MultiPolygon":
        return layer
    geoms = layer.geometry.to_numpy()
    single = shapely.get_type_id(geoms) == 3  # Polygon
    if not single.any():
        return layer
    out = layer.copy()
    multi = geoms.copy()
    multi[single] = [shapely.multipolygons([g]) for g in geoms[single]]
    out[out.geometry.name] = gpd.GeoSeries(multi, index=out.index, crs=out.crs)
    return out


def _rounded(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``layer`` with its computed figures rounded to :data:`DECIMALS` (a copy when any is)."""
    rounded = {}
    for col in layer.columns:
        name = "walk_minutes" if str(col).startswith("walk_minutes_") else str(col)
        decimals = DECIMALS.get(name)
        if decimals is None or not pd.api.types.is_float_dtype(layer[col]):
            continue
        values = layer[col].round(decimals)
        # a count with none missing is written as an integer (1312, not 1312.0)
        rounded[col] = values.astype("int64") if decimals == 0 and values.notna().all() \
            else values
    return layer.assign(**rounded) if rounded else layer


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_plan` wrote.

    Attributes
    ----------
    project
        The GeoPackage project file.
    geojson, schemas, shapefiles
        Per bureau layer: the GeoJSON file, its field-schema CSV, its Shapefile zip.
    tables
        The XLSX workbook first, then one CSV per sheet.
    """

    project: Path
    geojson: dict[str, Path]
    schemas: dict[str, Path]
    shapefiles: dict[str, Path]
    tables: tuple[Path, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file written."""
        return (self.project, *self.geojson.values(), *self.schemas.values(),
                *self.shapefiles.values(), *self.tables)


def export_plan(plan: Plan, out_dir: str | Path, *, lang: Lang = "zh",
                shapefile_encoding: str = "gbk", precision: int = 7,
                progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write every bureau export of a plan into ``out_dir`` (layout in the module docstring).

    Parameters
    ----------
    plan
        The plan (``planning.scenario.run_plan``).
    out_dir
        Folder to write into (created; existing files of the same names are replaced).
    lang
        Language of the summary tables' headers and sheet contents: ``"zh"`` or ``"en"``.
    shapefile_encoding
        ``"gbk"`` or ``"utf-8"``: how the Shapefiles' ``.dbf`` text is encoded (``.cpg`` says so).
    precision
        GeoJSON coordinate decimals, 6 or 7.
    progress
        Called as ``progress(done, steps)`` after the project file, each layer (its GeoJSON
        and Shapefile) and the tables: a city's plan takes a quarter of a minute.

    Returns
    -------
    ExportResult
        The files written.

    Raises
    ------
    PlanningInputError
        For an unknown ``lang`` or encoding, or text that the chosen Shapefile encoding cannot
        hold (every row and column listed).
    """
    if lang not in ("zh", "en"):
        msg = f"lang must be 'zh' or 'en', got {lang!r}"
        raise PlanningInputError(msg)
    layers = bureau_layers(plan)
    problems = [p for name, layer in layers.items()
                for p in shapefile_text_problems(_shapefile_ready(layer, name),
                                                 encoding=shapefile_encoding, layer=name)]
    if problems:  # before any file is written
        raise LayerValidationError("Shapefile export", problems)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = iter(range(1, len(layers) + 3))

    def step() -> None:
        if progress is not None:
            progress(next(steps), len(layers) + 2)

    project = save_plan(plan, out / "plan.gpkg")
    step()
    geojson: dict[str, Path] = {}
    schemas: dict[str, Path] = {}
    shapefiles: dict[str, Path] = {}
    for name, layer in layers.items():
        schema = field_schema(layer, layer=name)
        geojson[name] = write_geojson(layer, out / "geojson" / f"{name}.geojson",
                                      precision=precision, name=name,
                                      id_field=layer.index.name is not None)
        schemas[name] = out / "geojson" / f"{name}_fields.csv"
        schema.to_csv(schemas[name], index=False, encoding="utf-8-sig")
        in_shp = schema[schema["shapefile_name"] != ""]
        aliases = {r.field: (r.label_zh, r.label_en) for r in in_shp.itertuples()}
        names = dict(zip(in_shp["field"], in_shp["shapefile_name"], strict=True))
        shapefiles[name] = write_shapefile_zip(
            _shapefile_ready(layer, name), out / "shapefile" / f"{name}.zip", layer=name,
            encoding=shapefile_encoding, field_names=names, aliases=aliases,
            geometry_type=_SHAPE_TYPES[name])
        step()
    tables = write_tables(plan, out / "tables", lang=lang)
    if uses_openstreetmap(plan):  # ODbL: a database made from OSM says so where it travels
        (out / "geojson" / "ATTRIBUTION.txt").write_text(OSM_ATTRIBUTION + "\n",
                                                         encoding="utf-8")
    step()
    return ExportResult(project=project, geojson=geojson, schemas=schemas,
                        shapefiles=shapefiles, tables=tables)



_SHAPE_TYPES = {"zones": "MultiPolygon", "compounds": "MultiPolygon",
                "planned_facilities": "Point", "gaps": "MultiPolygon"}


def _shapefile_ready(layer: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """One geometry family per Shapefile.

    Sites become a point inside them; polygon layers keep the polygon parts of any geometry
    collection an overlay left.
    """
    out = layer.drop(columns=[c for c in SHAPEFILE_OMITTED.get(name, ()) if c in layer.columns])
    if _SHAPE_TYPES[name] == "Point":
        present = out.geometry.notna() & ~out.geometry.is_empty
        out.loc[present, out.geometry.name] = out.geometry[present].representative_point()
        return out
    geoms = out.geometry.to_numpy()
    fixed = [_polygon_parts(g) if g is not None and g.geom_type == "GeometryCollection" else g
             for g in geoms]
    out[out.geometry.name] = gpd.GeoSeries(fixed, index=out.index, crs=out.crs)
    return out


def _polygon_parts(geom: shapely.Geometry) -> shapely.Geometry:
    polys = [p for p in shapely.get_parts(shapely.get_parts(geom))
             if p.geom_type == "Polygon"]
    return shapely.multipolygons(polys) if polys else None


def zone_table(plan: Plan, *, lang: Lang = "zh") -> tuple[pd.DataFrame, dict[str, str]]:
    """Per-zone figures for the printed maps, and their printed column names.

    Columns ``coverage_before_<kind>`` / ``coverage_after_<kind>`` (share of the zone's
    households whose compound reaches the kind within its threshold, for the kinds a zone
    shares) and ``total_wan`` (renovation and facility investment, 万元), indexed by
    ``zone_id``.
    """
    c = plan.communities
    zoned = c[c["zone_id"].notna()]
    hh = pd.to_numeric(zoned["households"], errors="coerce").fillna(0.0)
    out = pd.DataFrame(index=pd.Index(sorted(zoned["zone_id"].astype(str).unique()),
                                      name="zone_id"))
    groups = zoned["zone_id"].astype(str)
    total = hh.groupby(groups).sum()
    for kind in SITED_KINDS:
        for when, col in (("before", f"covered_{kind}_before"), ("after", f"covered_{kind}")):
            if col in zoned.columns:
                covered = hh.where(zoned[col].fillna(False).astype(bool), 0.0)
                out[f"coverage_{when}_{kind}"] = (covered.groupby(groups).sum() / total
                                                  ).reindex(out.index).fillna(0.0)
    zones = summary_tables(plan, lang="en")["zones"]
    if len(zones):
        cost = zones.set_index("Zone ID")["Total (10k CNY)"]
        out["total_wan"] = cost.reindex(out.index)
    labels = {"total_wan": "投资（万元）" if lang == "zh" else "Investment (10k CNY)"}
    return out, labels


#: Plans with more zones than this print the overview only unless zone pages are asked for
#: (``pianqu plan --zones``, the export page's choice): a page per zone of a city-wide plan
#: (1,590 zones on the 5,000-compound bench city) would take hours.
ZONE_PAGES_MAX = 100


def print_maps(plan: Plan, out_dir: str | Path, *, lang: Lang = "zh",
               paper: str = "A3", date: Any = None, dpi: int = 300, pngs: bool = True,
               progress: Callable[[int, int], None] | None = None,
               zones: Sequence[str] | None = None) -> PrintedMaps | None:
    """Print the zone maps (overview + one page per zone) as PDF and PNGs via geo.printmap.

    ``dpi`` is the PNGs' resolution (300 for print; the PDF is vector either way);
    ``pngs=False`` writes the PDF alone (rendering 300 dpi PNGs is most of the time);
    ``progress(done, pages)`` is called after each page; ``zones`` lists the zones that get a
    page after the overview (default: every zone).

    A plan made, even in part, from OpenStreetMap (any input layer or result with the ids
    :func:`geo.osm.read_osm` gives, kept by :func:`planning.scenario.save_plan`) credits
    "© OpenStreetMap 贡献者" / "© OpenStreetMap contributors" (ODbL) in the footer.

    Returns
    -------
    geo.printmap.PrintedMaps or None
        None when the plan has no zones.
    """
    if len(plan.zones) == 0:
        return None
    out = Path(out_dir)
    table, labels = zone_table(plan, lang=lang)
    title = plan.scenario.name or None
    streets = plan.scenario.layers.get("streets")
    osm = uses_openstreetmap(plan)
    return print_zone_maps(
        plan.zones, plan.communities, out_pdf=out / "zone_maps.pdf",
        facilities=plan.scenario.layers.get("facilities"), planned=plan.planned_facilities,
        streets=streets, zone_table=table, column_labels=labels,
        png_dir=out if pngs else None, paper=paper,
        lang=lang, title=title, date=date, dpi=dpi, progress=progress, zone_pages=zones,
        openstreetmap=osm)
