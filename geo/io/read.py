r"""Read a layer from any file planners bring and hand it over validated, in canonical columns.

``read_layer`` opens the file (:mod:`geo.io.sources`), maps Chinese and English headers onto the
canonical columns (:mod:`geo.schema`), coerces values (:mod:`geo.io.coerce`), repairs geometries
and decides the CRS (:mod:`geo.io.validate`), and either returns the layer with a
:class:`~geo.io.report.LayerReport`, or raises one :class:`~geo.errors.LayerValidationError`
listing everything that must be fixed, each problem naming the rows as
``<id> (row <n>)`` where ``n`` is the 1-based feature number in the file, or for CSV and Excel
tables ``<id> (line <k>)`` where ``k`` is the line (Excel row) with the header counted.

Examples
--------
>>> import tempfile, pathlib
>>> d = tempfile.mkdtemp()
>>> p = pathlib.Path(d, "小区.csv")
>>> _ = p.write_text("小区名称,户数,同意率,几何\n"
...                  '幸福里,"1,200户",85%,"POLYGON((0 0,0 1,1 1,0 0))"\n', encoding="utf-8")
>>> res = read_layer(p, "communities")
>>> row = res.gdf.loc["C0001"]
>>> print(row["name"], row["households"], row["consent_rate"], res.gdf.crs.to_epsg())
幸福里 1200 0.85 4326
>>> res.report.ids_generated
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import LayerValidationError, PlanningInputError, Problem
from geo.io.coerce import Finding, bilingual, coerce_column
from geo.io.report import LayerReport, Note, Repair
from geo.io.sources import RawLayer, list_file_layers, open_layer
from geo.io.validate import DATUMS, NO_GEOMETRY, check_crs, check_geometries
from geo.schema import LAYERS, Column, HeaderMatch, LayerSchema, normalise_header

__all__ = [
    "ReadResult",
    "guess_layer",
    "read_barriers",
    "read_communities",
    "read_facilities",
    "read_layer",
    "read_layers",
    "read_sites",
    "read_streets",
]

_DTYPES = {"int": "Int64", "year": "Int64", "float": "float64", "fraction": "float64",
           "str": "str", "kinds": "str"}


@dataclass(frozen=True)
class ReadResult:
    """A validated layer and what reading it found and did.

    Attributes
    ----------
    gdf
        Canonical columns (missing optional ones added empty), then the file's other columns,
        indexed by the id column (strings), geometries repaired, CRS set.
    report
        The :class:`~geo.io.report.LayerReport`; ``report.summary()`` for people.
    """

    gdf: gpd.GeoDataFrame
    report: LayerReport


def _schema(schema: LayerSchema | str) -> LayerSchema:
    if isinstance(schema, LayerSchema):
        return schema
    if schema in LAYERS:
        return LAYERS[schema]
    msg = f"unknown layer {schema!r}; one of {', '.join(LAYERS)}"
    raise PlanningInputError(msg)


def _from_dbf(raw: RawLayer) -> bool:
    """Whether the layer's headers come from a DBF (a Shapefile), whose 10 bytes cut them."""
    return raw.driver == "ESRI Shapefile"


def _map_headers(headers: list[str], schema: LayerSchema, *, cuts: bool = True) -> tuple[
        dict[str, str], list[str], list[Note]]:
    """Canonical -> file header for recognised headers; the other headers; duplicate notes.

    ``cuts``: the headers come from a DBF, whose 10 bytes may have cut them.
    """
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    notes: list[Note] = []
    for h in headers:
        canon = schema.resolve_header(h, cuts=cuts)
        if canon is None:
            unknown.append(h)
        elif canon in mapping:
            unknown.append(h)
            first, label = mapping[canon], schema.aliases_zh().get(canon, canon)
            notes.append(Note(canon, (), bilingual(
                f"两列含义相同：{first!r} 和 {h!r} 都是{label}，已用 {first!r}，{h!r} 原样保留",
                f"both {first!r} and {h!r} mean {canon}; used {first!r}, kept {h!r} as it is")))
        else:
            mapping[canon] = h
    return mapping, unknown, notes


def _ids(raw: RawLayer, schema: LayerSchema, header: str | None) -> tuple[
        list[str | None], bool, list[Finding]]:
    n = len(raw.frame)
    if header is None:
        width = max(4, len(str(n)))
        return [f"{schema.id_prefix}{i:0{width}d}" for i in range(1, n + 1)], True, []
    id_col = Column(schema.id_column, "str", "编号", "ID")
    values, _ = coerce_column(raw.frame[header], id_col)
    ids: list[str | None] = [None if pd.isna(v) else str(v) for v in values.tolist()]
    findings: list[Finding] = []
    blank = [i for i, v in enumerate(ids) if v is None]
    if blank:
        findings.append(Finding(schema.id_column, tuple(blank), "编号为空 / empty id"))
    seen: dict[str, list[int]] = {}
    for i, v in enumerate(ids):
        if v is not None:
            seen.setdefault(v, []).append(i)
    dup = sorted(i for rows in seen.values() if len(rows) > 1 for i in rows)
    if dup:
        findings.append(Finding(schema.id_column, tuple(dup),
                                "编号重复：每行须有各自的编号 / duplicate ids; every row needs "
                                "its own id"))
    return ids, False, findings


def _labels(ids: list[str | None], first_line: int | None) -> list[str]:
    """``<id> (row n)`` (n-th feature) or, for tables, ``<id> (line k)`` (k as Excel shows)."""
    where = ([f"row {i + 1}" for i in range(len(ids))] if first_line is None
             else [f"line {first_line + i}" for i in range(len(ids))])
    return [f"{v} ({w})" if v is not None else w for v, w in zip(ids, where, strict=True)]


def _empty_column(col: Column, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array([None] * len(index), dtype=_DTYPES[col.dtype]), index=index,
                     name=col.name)


def read_layer(path: str | Path, schema: LayerSchema | str, *, layer: str | None = None,
               crs: Any = None, default_crs: Any = None, datum: str | None = None,
               encoding: str | None = None) -> ReadResult:
    """Read one layer, validate it, and return it in canonical columns.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile (or a zip of one), CSV/XLSX with a WKT column or
        longitude/latitude columns, or another vector format GDAL reads.
    schema
        A :class:`geo.schema.LayerSchema` or its name (``"communities"``, ``"facilities"``,
        ``"sites"``, ``"streets"``, ``"barriers"``).
    layer
        Layer (GeoPackage), member stem (zip) or sheet (Excel) when the file has several;
        by default the only one, or the one named like the schema.
    crs
        The CRS of the coordinates (``"EPSG:4547"``), whatever the file says: it wins over the
        file's own, with a note (a planner overriding one upload's CRS in the app).
    default_crs
        The CRS of the coordinates when the file declares none (``pianqu --crs``); a file's
        own CRS is kept. A file CRS that cannot hold the coordinates gives way to it, and
        longitude/latitude under a projected default are read as WGS84, each with a note
        (:func:`geo.io.validate.check_crs`).
    datum
        ``"gcj02"`` or ``"bd09"`` for shifted longitude/latitude from Chinese web maps; the
        coordinates are converted to WGS84 (EPSG:4326) on read.
    encoding
        Text encoding of the attributes (``"gbk"``); by default from the ``.cpg`` or detected.

    Returns
    -------
    ReadResult
        ``gdf`` (indexed by the id column) and ``report``.

    Raises
    ------
    LayerValidationError
        Listing every problem at once: unreadable file, missing required column, values that
        are not numbers, out of range, two-digit years, duplicate or empty ids, missing, empty
        or wrong-type geometries, swapped or projected-looking coordinates without a CRS, and a
        communities layer with no rows.
    """
    sch = _schema(schema)
    raw = open_layer(path, layer=layer, prefer=(sch.name, sch.label_zh), encoding=encoding)
    headers = [str(c) for c in raw.frame.columns if c != "geometry"]
    mapping, unknown, notes = _map_headers(headers, sch, cuts=_from_dbf(raw))
    notes = [Note("file", (), text) for text in raw.notes] + notes
    id_header = mapping.pop(sch.id_column, None)
    ids, generated, findings = _ids(raw, sch, id_header)
    labels = _labels(ids, raw.first_line)
    index = pd.Index([v if v is not None else f"row {i + 1}" for i, v in enumerate(ids)],
                     name=sch.id_column, dtype="str")

    problems: list[Problem] = []
    if len(raw.frame) == 0 and sch.name == "communities":
        problems.append(Problem("file", (), "小区图层为空：至少需要一个小区 / the communities "
                                            "layer has no rows; at least one compound is "
                                            "needed"))
    for col in sch.columns:
        if col.required and col.name not in mapping:
            found_zh = "、".join(headers) or "无"
            problems.append(Problem(col.name, (), bilingual(
                f"缺少必填字段{col.label_zh}（{col.name}）；文件中的字段：{found_zh}",
                f"missing required column {col.name} ({col.label_zh}); columns found: "
                f"{', '.join(headers) or 'none'}")))
    data, found = _attributes(raw, sch, mapping, index)
    findings += found
    geoms, found, repairs_at = _geometries(raw, sch)
    findings += found
    dat = datum.lower().replace("-", "").replace("_", "") if datum else None
    dat = dat if dat is None or dat in DATUMS else datum  # unknown: the message quotes it
    crs_obj, crs_source, found = check_crs(geoms, raw.crs, declared=crs, default=default_crs,
                                             datum=dat)
    findings += found

    for f in findings:
        rows = tuple(labels[p] for p in f.positions)
        if f.fatal:
            problems.append(Problem(f.column, rows, f.message))
        else:
            notes.append(Note(f.column, rows, f.message))
    if problems:
        raise LayerValidationError(str(path), problems)

    gdf = gpd.GeoDataFrame(data, index=index,
                           geometry=gpd.GeoSeries(geoms, index=index, crs=crs_obj))
    for h in unknown:
        gdf[h] = raw.frame[h].to_numpy()
    gdf = gdf[[*sch.column_names[1:], *unknown, "geometry"]]
    if dat in ("gcj02", "bd09"):
        from geo.crs import shift_datum  # geo.crs is written in parallel; import when needed

        gdf = shift_datum(gdf, source=dat, target="wgs84").set_crs(4326, allow_override=True)
        crs_source = f"shifted from {dat} {'GCJ-02' if dat == 'gcj02' else 'BD-09'}"
    epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
    report = LayerReport(
        source=str(path), layer=sch.name, driver=raw.driver, rows=len(gdf),
        file_layer=raw.file_layer,
        columns={**({id_header: sch.id_column} if id_header else {}),
                 **{h: c for c, h in mapping.items()}},
        unknown_columns=unknown,
        missing_columns=[c.name for c in sch.columns if c.name not in mapping],
        crs=(f"EPSG:{epsg}" if epsg else (gdf.crs.name if gdf.crs is not None else None)),
        crs_source=crs_source, encoding=raw.encoding, encoding_source=raw.encoding_source,
        geometry_from=raw.geometry_from, ids_generated=generated,
        ids=tuple(str(i) for i in index),
        repairs=[Repair(labels[p], reason, result) for p, reason, result in repairs_at],
        notes=notes)
    return ReadResult(gdf=gdf, report=report)


def _attributes(raw: RawLayer, sch: LayerSchema, mapping: dict[str, str],
                index: pd.Index) -> tuple[dict[str, pd.Series], list[Finding]]:
    """Every canonical column coerced (or added empty), and what coercion found."""
    data: dict[str, pd.Series] = {}
    findings: list[Finding] = []
    for col in sch.columns:
        if col.name not in mapping:
            data[col.name] = _empty_column(col, index)
            continue
        values = raw.frame[mapping[col.name]].reset_index(drop=True)
        out, found = coerce_column(values, col,
                                   facility_kind=(sch.name == "facilities" and col.name == "kind"))
        findings += found
        match = sch.match_header(mapping[col.name], cuts=_from_dbf(raw))
        if match is not None and match.unit is not None:
            out, found = _in_column_unit(values, out, col, mapping[col.name], match)
            findings += found
        if col.required:
            already = {p for f in found if f.fatal for p in f.positions}
            empty = [p for p in np.flatnonzero(out.isna().to_numpy()).tolist()
                     if p not in already]
            if empty:
                findings.append(Finding(col.name, tuple(empty),
                                        f"必填项为空：{col.label_zh}（{col.name}）为必填 / "
                                        f"empty, but {col.name} ({col.label_zh}) is required"))
        out.index = index
        data[col.name] = out
    return data, findings


#: A cell that carries a unit of its own (85万元, 3,000平方米): read by it, not by the header's.
_OWN_UNIT = re.compile(r"[^\d\s,.+\-~≈约余多左右上下以]")


def _has_own_unit(value: Any) -> bool:
    return isinstance(value, str) and bool(_OWN_UNIT.search(unicodedata.normalize("NFKC",
                                                                                   value)))


def _in_column_unit(values: pd.Series, out: pd.Series, col: Column, header: str,
                    match: HeaderMatch) -> tuple[pd.Series, list[Finding]]:
    """Values in the column's unit when the header states another one, with a note.

    造价(元) is divided by 10,000 into 万元 (cells that give their own unit, 85万元, are read
    by it); a unit the column is not counted in, or one cut off, is only noted.
    """
    own_zh, own_en = col.unit_names
    if match.factor is None:
        allowed = ", ".join(u for u, _ in col.units)
        if match.unit_cut:
            text = bilingual(f"表头“{header}”的单位被截断，数值按{own_zh}读取，请核对",
                             f"the unit in the header {header!r} is cut off; values read in "
                             f"{own_en}, please check")
        else:
            text = bilingual(f"表头“{header}”所注单位“{match.unit}”不是{col.label_zh}的单位"
                             f"（{allowed}），数值按原样读取，请核对",
                             f"the header {header!r} gives the unit {match.unit!r}, which "
                             f"{col.name} is not counted in ({allowed}); values read as they "
                             "are, please check")
        return out, [Finding(col.name, (), text, fatal=False)]
    if match.factor == 1:
        return out, []
    scale = np.array([1.0 if _has_own_unit(v) else match.factor for v in values.tolist()])
    scaled = pd.Series(out.to_numpy(dtype=float) * scale, index=out.index, name=out.name)
    by = match.factor if match.factor > 1 else 1 / match.factor
    zh_how, en_how = ("乘以", "multiplied") if match.factor > 1 else ("除以", "divided")
    zh = f"表头“{header}”注明单位为{match.unit}，数值已{zh_how}{by:,.0f}换算为{own_zh}"
    en = (f"the header {header!r} gives the unit {match.unit}; values {en_how} by {by:,.0f} "
          f"into {own_en}")
    if (scale == 1).any():
        zh += "；自带单位的数值按其单位读取"
        en += "; values that give their own unit are read by it"
    text = bilingual(zh, en)
    return scaled, [Finding(col.name, (), text, fatal=False)]


def _geometries(raw: RawLayer, sch: LayerSchema) -> tuple[
        np.ndarray, list[Finding], list[tuple[int, str, str]]]:
    """Repaired geometries, findings (unreadable WKT/coordinates first), repairs."""
    geoms, findings, repairs = check_geometries(raw.frame["geometry"].to_numpy(), sch.geometry)
    if not raw.unparsed:
        return geoms, findings, repairs
    pos = sorted(raw.unparsed)
    sample = "; ".join(repr(raw.unparsed[p])[:60] for p in pos[:3])
    unreadable = Finding("geometry", tuple(pos),
                         bilingual(f"无法读取几何（{raw.geometry_from}）：{sample}",
                                   f"cannot read the geometry from {raw.geometry_from}: "
                                   f"{sample}"))
    kept = [unreadable]
    for f in findings:  # unreadable rows also have no geometry: say it once
        if f.message == NO_GEOMETRY:
            f = Finding(f.column, tuple(p for p in f.positions if p not in raw.unparsed),
                        f.message, f.fatal)
        if f.positions or f.message != NO_GEOMETRY:
            kept.append(f)
    return geoms, kept, repairs


def _canonical_layer(name: str) -> str | None:
    key = normalise_header(name)
    for sch in LAYERS.values():
        if key in (sch.name, normalise_header(sch.label_zh)):
            return sch.name
    return None


def read_layers(path: str | Path, *, crs: Any = None, default_crs: Any = None,
                datum: str | None = None, encoding: str | None = None
                ) -> dict[str, ReadResult]:
    """Read every canonical layer of a multi-layer file (GeoPackage, zip or folder of files).

    Layers are found by name: ``communities``, ``facilities``, ``sites``, ``streets``,
    ``barriers`` (or 小区, 现有设施, 候选点, 道路, 阻隔); other layers (a saved plan's zones,
    say) are left alone.

    Parameters
    ----------
    path
        The file.
    crs, default_crs, datum, encoding
        As for :func:`read_layer`, applied to every layer.

    Returns
    -------
    dict
        Canonical layer name -> :class:`ReadResult`, in the file's layer order.

    Raises
    ------
    LayerValidationError
        Every problem of every layer at once (columns prefixed with the layer name), or a
        file with no canonical layer.

    Examples
    --------
    >>> import geo, pathlib
    >>> sample = pathlib.Path(geo.__file__).parents[1] / "data" / "sample" / "district.gpkg"
    >>> layers = read_layers(sample)
    >>> list(layers), layers["communities"].report.crs
    (['communities', 'facilities', 'sites', 'streets', 'barriers'], 'EPSG:4547')
    >>> layers["communities"].gdf.index.name
    'community_id'
    """
    names = list_file_layers(path)
    wanted = [(n, c) for n in names if (c := _canonical_layer(n)) is not None]
    if not wanted:
        msg = (f"no layer named {', '.join(LAYERS)} (or 小区, 现有设施, 候选点, 道路, 阻隔); "
               f"the file has: {', '.join(names) or 'no layers'}")
        raise LayerValidationError(str(path), [Problem("file", (), msg)])
    results: dict[str, ReadResult] = {}
    problems: list[Problem] = []
    for name, canon in wanted:
        try:
            results[canon] = read_layer(path, canon, layer=name, crs=crs,
                                        default_crs=default_crs, datum=datum,
                                        encoding=encoding)
        except LayerValidationError as exc:
            problems += [Problem(f"{canon}.{p.column}", p.rows, p.message) for p in exc.problems]
    if problems:
        raise LayerValidationError(str(path), problems)
    return results


_GEOM_CLASS = {"Point": "point", "MultiPoint": "point", "LineString": "line",
               "MultiLineString": "line", "LinearRing": "line", "Polygon": "polygon",
               "MultiPolygon": "polygon"}
_FITS = {"polygon": ("polygon",), "point": ("point",), "line": ("line",),
         "point_or_polygon": ("point", "polygon"), "line_or_polygon": ("line", "polygon")}


def guess_layer(path: str | Path, *, layer: str | None = None,
                encoding: str | None = None) -> tuple[str, str]:
    r"""Guess which canonical layer a file holds, from its name, geometry and headers.

    Returns
    -------
    tuple
        The layer name and the reason, e.g. ``("communities", "polygons; headers 户数, 同意率")``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp(), "data.csv")
    >>> _ = p.write_text("设施类型,经度,纬度\n养老院,113.8,34.0\n", encoding="utf-8")
    >>> guess_layer(p)
    ('facilities', 'points; headers 设施类型')
    """
    raw = open_layer(path, layer=layer, encoding=encoding)
    kinds = [_GEOM_CLASS.get(getattr(g, "geom_type", ""), "") for g in raw.frame["geometry"]]
    counts = pd.Series([k for k in kinds if k]).value_counts()
    geom = str(counts.index[0]) if len(counts) else ""
    headers = [str(c) for c in raw.frame.columns if c != "geometry"]
    stem = _canonical_layer(raw.file_layer or Path(path).stem)
    best: tuple[float, str, list[str]] | None = None
    for order, sch in enumerate(LAYERS.values()):
        if geom and geom not in _FITS[sch.geometry]:
            continue
        hits = [h for h in headers
                if sch.resolve_header(h) not in (None, sch.id_column, "name")]
        required = [c.name for c in sch.columns if c.required]
        score: float = len(hits) + 2 * sum(any(sch.resolve_header(h) == r for h in headers)
                                    for r in required)
        score += 10 if stem == sch.name else 0
        score -= order / 100
        if best is None or score > best[0]:
            best = (score, sch.name, hits)
    if best is None:
        msg = f"cannot tell which layer this is ({geom or 'no'} geometry); say it with --layer"
        raise LayerValidationError(str(path), [Problem("file", (), msg)])
    why = [{"polygon": "polygons", "point": "points", "line": "lines"}.get(geom, "no geometry")]
    if stem == best[1]:
        why.append("file name")
    if best[2]:
        why.append("headers " + ", ".join(best[2]))
    return best[1], "; ".join(why)


def read_communities(path: str | Path, **kwargs: Any) -> ReadResult:
    """:func:`read_layer` for compounds (``schema="communities"``)."""
    return read_layer(path, "communities", **kwargs)


def read_facilities(path: str | Path, **kwargs: Any) -> ReadResult:
    """:func:`read_layer` for existing facilities (``schema="facilities"``)."""
    return read_layer(path, "facilities", **kwargs)


def read_sites(path: str | Path, **kwargs: Any) -> ReadResult:
    """:func:`read_layer` for candidate sites (``schema="sites"``)."""
    return read_layer(path, "sites", **kwargs)


def read_streets(path: str | Path, **kwargs: Any) -> ReadResult:
    """:func:`read_layer` for street centre lines (``schema="streets"``)."""
    return read_layer(path, "streets", **kwargs)


def read_barriers(path: str | Path, **kwargs: Any) -> ReadResult:
    """:func:`read_layer` for barriers (``schema="barriers"``)."""
    return read_layer(path, "barriers", **kwargs)
