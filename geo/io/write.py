"""Writers: RFC 7946 GeoJSON, GeoPackage, and Shapefile zip with ``.cpg`` and an alias table.

These are generic: they know layers, CRSs and encodings, not renovation planning. Field
descriptions (Chinese and English aliases) are passed in by the caller.

- :func:`write_geojson` — RFC 7946: WGS84 longitude/latitude, no ``crs`` member, coordinates
  rounded to 6–7 decimals, counter-clockwise outer rings and clockwise holes (§3.1.6), UTF-8 with
  Chinese kept as text, an optional ``bbox`` (§5).
- :func:`write_geopackage` — every layer (spatial or attribute table) into one GeoPackage, in the
  layers' own CRS, geometries kept exactly (no promotion to multi-part), timestamps fixed so that
  the same layers give the same bytes.
- :func:`write_shapefile_zip` — one zipped Shapefile: ASCII field names of at most 10 characters
  (:func:`shapefile_field_names`), an alias table ``<layer>_fields.csv``, ``.prj`` (ESRI WKT),
  ``.cpg`` and the ``.dbf`` encoded in GBK or UTF-8.

Examples
--------
>>> shapefile_field_names(["households", "walk_minutes_elderly_care", "walk_minutes_parking"])
{'households': 'households', 'walk_minutes_elderly_care': 'w_mi_el_ca', \
'walk_minutes_parking': 'wa_min_par'}
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely

from geo.crs import to_wgs84
from geo.errors import CRSError, LayerValidationError, PlanningInputError, Problem

__all__ = [
    "FIXED_TIMESTAMP",
    "SHAPEFILE_ENCODINGS",
    "geojson_dict",
    "shapefile_field_names",
    "shapefile_text_problems",
    "write_geojson",
    "write_geopackage",
    "write_shapefile_zip",
]

FIXED_TIMESTAMP = "2026-01-01T00:00:00.000Z"
"""Timestamp written into GeoPackage metadata, so the same layers give the same bytes."""

SHAPEFILE_ENCODINGS: dict[str, str] = {"gbk": "GBK", "utf-8": "UTF-8"}
"""Accepted ``encoding`` values of :func:`write_shapefile_zip` -> what ``.cpg`` says."""

# GeoPackage 1.2: what GDAL 3.12 writes by default is 1.4, which GDAL < 3.7 (QGIS 3.22/3.28 LTR
# builds still met on bureau desktops) opens with a "partially supported" warning.
_GPKG_OPTIONS: dict[str, Any] = {"dataset_options": {"VERSION": "1.2"}}
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)
_MAX_FIELD = 10
_DBF_MAX_BYTES = 254


# --------------------------------------------------------------------------------------------
# GeoJSON (RFC 7946)
# --------------------------------------------------------------------------------------------


def geojson_dict(gdf: gpd.GeoDataFrame, *, precision: int = 7, id_field: bool = True,
                 name: str | None = None) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection as a dict (see :func:`write_geojson`).

    Parameters
    ----------
    gdf
        A layer with a CRS; it is reprojected to WGS84.
    precision
        Decimals of longitude and latitude, 6 (≈ 0.1 m) or 7 (≈ 1 cm).
    id_field
        Write the index as each Feature's ``id`` (and keep it as a property named like the
        index).
    name
        Optional ``name`` foreign member (GDAL shows it as the layer name).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "bbox": [...], "features": [...]}``.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> cw = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise
    >>> g = gpd.GeoDataFrame({"名称": ["小区"]}, geometry=[cw], crs="EPSG:4326")
    >>> fc = geojson_dict(g, precision=6)
    >>> fc["features"][0]["geometry"]["coordinates"][0]
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    >>> "crs" in fc
    False
    """
    fc, geometries = _feature_parts(gdf, precision=precision, id_field=id_field, name=name)
    for feature, geometry in zip(fc["features"], geometries, strict=True):
        # GEOS writes 17 significant digits; parsed, the numbers are written back shortest
        feature["geometry"] = None if geometry is None else json.loads(geometry)
    return fc


def write_geojson(gdf: gpd.GeoDataFrame, path: str | Path, *, precision: int = 7,
                  id_field: bool = True, name: str | None = None) -> Path:
    """Write a layer as RFC 7946 GeoJSON, UTF-8 with Chinese kept as text.

    Parameters
    ----------
    gdf
        A layer with a CRS (any; it is reprojected to WGS84 EPSG:4326).
    path
        The ``.geojson`` file to write (replaced if it exists).
    precision
        Decimals of longitude and latitude: 6 (≈ 0.1 m) or 7 (≈ 1 cm).
    id_field
        Write the index as each Feature's ``id``.
    name
        Optional ``name`` member (GDAL shows it as the layer name).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    CRSError
        If the layer has no CRS.
    """
    fc = geojson_dict(gdf, precision=precision, id_field=id_field, name=name)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in fc.items() if k != "features"}
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        # one feature per line: readable, diffable, and still a single JSON document
        fh.write(json.dumps(head, ensure_ascii=False, allow_nan=False)[:-1])
        fh.write(', "features": [\n')
        for i, feature in enumerate(fc["features"]):
            fh.write(json.dumps(feature, ensure_ascii=False, allow_nan=False,
                                separators=(",", ":")))
            fh.write(",\n" if i < len(fc["features"]) - 1 else "\n")
        fh.write("]}\n")
    return out


def _feature_parts(gdf: gpd.GeoDataFrame, *, precision: int, id_field: bool,
                   name: str | None) -> tuple[dict[str, Any], list[str | None]]:
    """The FeatureCollection without its features' geometries, and those as GeoJSON text.

    Properties are converted column by column (a city's layers have half a million values);
    the geometries are rounded, oriented (exterior counter-clockwise) and written by GEOS in
    one call.
    """
    if precision not in (6, 7):
        msg = f"GeoJSON precision must be 6 or 7 decimals (RFC 7946 §11.2), got {precision}"
        raise PlanningInputError(msg)
    if gdf.crs is None:
        msg = "the layer has no CRS, so it cannot be written as WGS84 GeoJSON; declare it first"
        raise CRSError(msg)
    wgs = to_wgs84(gdf)
    geoms = np.asarray(wgs.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms[~present] = None
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    oriented = shapely.orient_polygons(rounded, exterior_cw=False)
    props = wgs.drop(columns=wgs.geometry.name)
    keys = [str(k) for k in props.columns]
    columns = [_json_column(props.iloc[:, j]) for j in range(props.shape[1])]
    index_name = gdf.index.name
    ids = _json_column(pd.Series(wgs.index)) if id_field else []
    with_id = bool(id_field and index_name and str(index_name) not in keys)
    features: list[dict[str, Any]] = []
    for i, values in enumerate(zip(*columns, strict=True) if columns else
                               [()] * len(props)):
        properties = dict(zip(keys, values, strict=True))
        feature: dict[str, Any] = {"type": "Feature"}
        if id_field:
            feature["id"] = ids[i]
            if with_id:
                properties = {str(index_name): ids[i], **properties}
        feature["properties"] = properties
        features.append(feature)
    out: dict[str, Any] = {"type": "FeatureCollection"}
    if name:
        out["name"] = name
    valid = oriented[present]
    if len(valid):
        minx, miny, maxx, maxy = shapely.total_bounds(valid)
        out["bbox"] = [float(minx), float(miny), float(maxx), float(maxy)]
    out["features"] = features
    return out, list(shapely.to_geojson(oriented))


def _json_column(column: pd.Series) -> list[Any]:
    """A column's values as plain JSON values (None for every kind of missing)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return list(column.tolist())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        plain = values.astype(object)
        plain[~np.isfinite(values)] = None
        return list(plain.tolist())
    return [_json_value(v) for v in column.to_numpy(dtype=object)]


def _json_value(value: Any) -> Any:
    """A plain JSON value (None for every kind of missing)."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


# --------------------------------------------------------------------------------------------
# GeoPackage
# --------------------------------------------------------------------------------------------


def write_geopackage(layers: Mapping[str, pd.DataFrame], path: str | Path, *,
                     overwrite: bool = True,
                     empty_types: Mapping[str, str] | None = None) -> Path:
    """Write layers (GeoDataFrames) and attribute tables (DataFrames) into one GeoPackage.

    Each frame's index is written as a column named like the index (``community_id``, ...);
    geometries are written as they are, except that a layer mixing Polygons and
    MultiPolygons is written as MultiPolygon; GeoPackage timestamps are fixed
    (:data:`FIXED_TIMESTAMP`).

    Parameters
    ----------
    layers
        Layer name -> frame. An attribute table with no rows is skipped (GeoPackage cannot
        describe a table without columns; the caller keeps its schema).
    path
        The ``.gpkg`` file.
    overwrite
        Replace the file if it exists (else add or replace layers in it).
    empty_types
        Layer name -> the geometry type (``"Point"``, ``"MultiPolygon"`` …) a layer declares
        when it has no geometry to tell (no rows: no site chosen, no gap); other empty layers
        are declared ``Unknown``, which ArcGIS may not add as a feature layer.

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if overwrite and out.exists():
        out.unlink()
    previous = os.environ.get("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        for name, frame in layers.items():
            table = frame.reset_index() if frame.index.name is not None else frame
            if isinstance(frame, gpd.GeoDataFrame):
                table = _geometry_last(gpd.GeoDataFrame(table, geometry=frame.geometry.name,
                                                        crs=frame.crs))
                # a layer mixing Polygon and MultiPolygon (service areas, gaps) is written as
                # MultiPolygon: a GEOMETRY-typed table is one ArcGIS will not open as one layer
                types = set(table.geometry.dropna().geom_type)
                mixed = len({t.removeprefix("Multi") for t in types}) == 1 and len(types) == 2
                kwargs: dict[str, Any] = {"promote_to_multi": mixed}
                if len(table) == 0 or table.geometry.isna().all():
                    kwargs["geometry_type"] = (empty_types or {}).get(name, "Unknown")
                pyogrio.write_dataframe(table, out, layer=name, driver="GPKG", **kwargs,
                                        **_GPKG_OPTIONS)
            elif len(table) and len(table.columns):
                pyogrio.write_dataframe(table, out, layer=name, driver="GPKG", **_GPKG_OPTIONS)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return out


def _geometry_last(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    name = gdf.geometry.name
    return gdf[[c for c in gdf.columns if c != name] + [name]]


# --------------------------------------------------------------------------------------------
# Shapefile zip
# --------------------------------------------------------------------------------------------


def shapefile_field_names(columns: Iterable[str], *,
                          fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """Deterministic ASCII field names of at most 10 characters, unique case-insensitively.

    A name that already fits is kept. A longer one keeps the first letters of each ``_``-part,
    trimming the longest part first until it fits (``walk_minutes_parking`` -> ``wa_min_par``);
    a clash gets a numeric suffix (``..._2``). Non-ASCII characters are dropped (``f`` plus a
    number when nothing is left).

    Parameters
    ----------
    columns
        Column names, in the order they are written (the order decides suffixes).
    fixed
        Names chosen by the caller (checked: ASCII, at most 10, unique).

    Returns
    -------
    dict
        Column -> short name, in the order of ``columns``.

    Raises
    ------
    PlanningInputError
        If a ``fixed`` name is not ASCII, longer than 10 characters or used twice.
    """
    fixed = dict(fixed or {})
    problems = [f"{k!r} -> {v!r}" for k, v in fixed.items()
                if not v.isascii() or not 0 < len(v) <= _MAX_FIELD
                or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v)]
    lowered = [v.lower() for v in fixed.values()]
    problems += [f"{v!r} used twice" for v in sorted(set(lowered)) if lowered.count(v) > 1]
    if problems:
        msg = ("Shapefile field names must be unique ASCII names of at most 10 characters "
               "starting with a letter: " + "; ".join(problems))
        raise PlanningInputError(msg)
    cols = list(columns)
    taken = {v.lower() for k, v in fixed.items() if k in cols}
    out: dict[str, str] = {}
    for i, col in enumerate(cols):
        if col in fixed:
            out[col] = fixed[col]
            continue
        short = _shorten(col) or f"f{i}"
        candidate, k = short, 1
        while candidate.lower() in taken:
            k += 1
            suffix = f"_{k}"
            candidate = short[: _MAX_FIELD - len(suffix)] + suffix
        taken.add(candidate.lower())
        out[col] = candidate
    return out


def _shorten(name: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9_]", "", name.encode("ascii", "ignore").decode())
    ascii_name = re.sub(r"_+", "_", ascii_name).strip("_")
    if ascii_name and not ascii_name[0].isalpha():
        ascii_name = "f" + ascii_name
    if len(ascii_name) <= _MAX_FIELD:
        return ascii_name
    parts = ascii_name.split("_")
    while len("_".join(parts)) > _MAX_FIELD:
        longest = max(range(len(parts)), key=lambda j: (len(parts[j]), -j))
        if len(parts[longest]) <= 1:
            parts = parts[:-1]  # too many parts: drop the last ones
            continue
        parts[longest] = parts[longest][:-1]
    return "_".join(parts)


def write_shapefile_zip(gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str,
                        encoding: str = "gbk", field_names: Mapping[str, str] | None = None,
                        aliases: Mapping[str, tuple[str, str]] | None = None,
                        geometry_type: str | None = None) -> Path:
    """Write one layer as a zipped Shapefile with ``.prj``, ``.cpg`` and an alias table.

    Parameters
    ----------
    gdf
        The layer; its index is written as the first field, named like the index.
    path
        The ``.zip`` file.
    layer
        Base name of the files inside the zip (``<layer>.shp`` ...), ASCII.
    encoding
        ``"gbk"`` (what older Chinese GIS desktops expect) or ``"utf-8"``; the ``.dbf`` is
        encoded that way and ``.cpg`` says so.
    field_names
        Chosen short names for some columns (the rest follow :func:`shapefile_field_names`).
    aliases
        Column -> (中文名, English) for the alias table; columns without one get the column name.
    geometry_type
        Shape type of the file (``"Point"``, ``"MultiPolygon"``, ...); needed for a layer with
        no rows, otherwise taken from the geometries.

    Returns
    -------
    Path
        The zip written. It holds ``<layer>.shp/.shx/.dbf/.prj/.cpg`` and ``<layer>_fields.csv``
        (UTF-8 with BOM: short name, canonical name, 中文名, English).

    Raises
    ------
    LayerValidationError
        When text cannot be encoded in ``encoding`` or is longer than a DBF field holds (254
        bytes); every column and row is listed.
    """
    enc_key = _encoding_key(encoding)
    if not layer.isascii() or not re.fullmatch(r"[A-Za-z0-9_\-]+", layer):
        msg = f"Shapefile layer name must be ASCII letters, digits, _ or -, got {layer!r}"
        raise PlanningInputError(msg)
    if gdf.crs is None:
        msg = f"layer {layer!r} has no CRS, so its .prj cannot be written; declare it first"
        raise CRSError(msg)
    table = gdf.reset_index() if gdf.index.name is not None else gdf.copy()
    geom = gdf.geometry.name
    columns = [c for c in table.columns if c != geom]
    names = shapefile_field_names(columns, fixed=field_names)
    problems = shapefile_text_problems(gdf, encoding=enc_key, layer=layer)
    if problems:
        raise LayerValidationError(f"{layer}.shp", problems)
    table = gpd.GeoDataFrame(table, geometry=geom, crs=gdf.crs)
    table = table.rename(columns=names)
    codec = SHAPEFILE_ENCODINGS[enc_key]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{layer}.shp"
        _write_dbf_decimals(table, shp, codec, geometry_type)
        (Path(tmp) / f"{layer}.cpg").write_text(codec, encoding="ascii")
        alias = aliases or {}
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["short_name", "canonical", "中文名", "English"])
        for col in columns:
            zh, en = alias.get(col, (col, col))
            writer.writerow([names[col], col, zh, en])
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for ext in ("shp", "shx", "dbf", "prj", "cpg"):
                member = Path(tmp) / f"{layer}.{ext}"
                _zip_write(zf, f"{layer}.{ext}", member.read_bytes())
            _zip_write(zf, f"{layer}_fields.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"))
    return out


_MAX_DECIMALS = 6
"""Decimals a Shapefile's real field keeps at most (a millionth of a metre or minute)."""


def decimals_needed(values: npt.ArrayLike, *, most: int = _MAX_DECIMALS) -> int:
    """The fewest decimals (0 … ``most``) that write every finite value as it is.

    >>> decimals_needed([17.2, 3.25, None]), decimals_needed([2.0, 40.0]), decimals_needed([1 / 3])
    (2, 0, 6)
    """
    v = np.asarray(pd.to_numeric(pd.Series(values, dtype=object)), dtype=float)
    v = v[np.isfinite(v)]
    for d in range(most + 1):
        if np.all(np.abs(np.round(v, d) - v) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return d
    return most


def _write_dbf_decimals(table: gpd.GeoDataFrame, shp: Path, codec: str,
                        geometry_type: str | None) -> None:
    """Write the Shapefile with each real field as wide and as precise as its values need.

    GDAL declares every float field Real(24.15), so a rounded 17.2 is stored and shown (by
    ogrinfo, QGIS's attribute table, ArcGIS) as 17.199999999999999. Written through Arrow as
    a decimal of the decimals the column needs (:func:`decimals_needed`), the field is
    Real(w.d) and the value reads 17.2.
    """
    import pyarrow as pa

    geom = table.geometry.name
    arrow = pa.table(table.to_arrow(geometry_encoding="WKB", index=False))
    for i, field in enumerate(arrow.schema):
        if pa.types.is_null(field.type):  # a column of nothing but None: text, as GDAL's own
            arrow = arrow.set_column(i, pa.field(field.name, pa.string()),
                                     pa.nulls(len(arrow), pa.string()))
    for name in table.columns:
        if name == geom or not pd.api.types.is_float_dtype(table[name].dtype):
            continue
        values = table[name].to_numpy(dtype=float, na_value=np.nan)
        d = max(decimals_needed(values), 1)  # a real field stays real (Real(w.1), not Integer)
        finite = values[np.isfinite(values)]
        digits = len(str(int(np.max(np.abs(finite))))) if finite.size else 1
        if digits + d > 38:  # beyond a decimal's 38 digits: GDAL's Real(24.15) after all
            continue
        kind = pa.decimal128(digits + d, d)
        # NaN -> null; the cast rounds each value to d decimals (to nearest)
        finite_only = np.where(np.isfinite(values), values, np.nan)  # ±inf: no decimal, null
        column = pa.array(finite_only, from_pandas=True).cast(kind, safe=False)
        i = arrow.schema.get_field_index(name)
        arrow = arrow.set_column(i, pa.field(name, kind), column)
    types = sorted(set(table.geometry.dropna().geom_type))
    # the caller's type, else the data's (Polygon and MultiPolygon together: MultiPolygon)
    gtype = geometry_type or (types[-1] if len({t.removeprefix("Multi") for t in types}) == 1
                              else "Unknown")
    pyogrio.write_arrow(arrow, shp, driver="ESRI Shapefile", encoding=codec,
                        geometry_name=geom, geometry_type=gtype, crs=table.crs.to_wkt())


def _zip_write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def shapefile_text_problems(gdf: pd.DataFrame, *, encoding: str = "gbk",
                           layer: str = "layer") -> list[Problem]:
    """Text values a Shapefile ``.dbf`` in ``encoding`` cannot hold, by column and row id.

    Check every layer of an export with this before writing any file. The index counts as a
    column.

    >>> g = pd.DataFrame({"name": ["小区", "Töölö"]}, index=pd.Index(["a", "b"], name="id"))
    >>> [p.rows for p in shapefile_text_problems(g, encoding="gbk", layer="c")]
    [('b',)]
    >>> print(shapefile_text_problems(g, encoding="gbk", layer="c")[0].message)
    文字无法用 GBK 编码 / text cannot be written in GBK; the Shapefiles need UTF-8
    """
    enc = _encoding_key(encoding)
    ids = [str(i) for i in gdf.index]
    table = gdf.reset_index() if gdf.index.name is not None else gdf
    geometry = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    problems: list[Problem] = []
    for col in table.columns:
        s = table[col]
        if col == geometry or not (pd.api.types.is_object_dtype(s)
                                   or pd.api.types.is_string_dtype(s)):
            continue
        bad_enc, too_long = [], []
        for rid, v in zip(ids, s, strict=True):
            if not isinstance(v, str):
                continue
            try:
                n = len(v.encode(enc))
            except UnicodeEncodeError:
                bad_enc.append(rid)
                continue
            if n > _DBF_MAX_BYTES:
                too_long.append(rid)
        if bad_enc:
            problems.append(Problem(f"{layer}: {col}", tuple(bad_enc),
                                    f"文字无法用 {enc.upper()} 编码 / text cannot be written "
                                    f"in {enc.upper()}; the Shapefiles need UTF-8"))
        if too_long:
            problems.append(Problem(f"{layer}: {col}", tuple(too_long),
                                    f"文字超过 {_DBF_MAX_BYTES} 字节，Shapefile 字段放不下 / "
                                    f"text longer than {_DBF_MAX_BYTES} bytes does not fit "
                                    "a Shapefile field; use the GeoPackage export"))
    return problems


def _encoding_key(encoding: str) -> str:
    key = encoding.lower().replace("_", "-")
    key = "utf-8" if key == "utf8" else key
    if key not in SHAPEFILE_ENCODINGS:
        msg = f"Shapefile encoding must be one of {sorted(SHAPEFILE_ENCODINGS)}, got {encoding!r}"
        raise PlanningInputError(msg)
    return key
