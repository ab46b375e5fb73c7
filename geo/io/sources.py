r"""Open the files planners bring, as they are.

GeoPackage, GeoJSON, Shapefile (or a zip of one), CSV/Excel with WKT or longitude/latitude
columns, and anything else GDAL reads.

This module only opens; headers, types, geometries and CRSs are checked in :mod:`geo.io.read`.
A :class:`RawLayer` keeps the file's own headers and a geometry column named ``geometry``.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d, "pts.csv")
...     _ = p.write_text("名称,经度,纬度\n甲,113.8,34.0\n", encoding="utf-8")
...     raw = open_layer(p)
>>> raw.driver, list(raw.frame.columns), raw.geometry_from
('CSV', ['名称', 'geometry'], '经度/纬度 (lon/lat)')
"""

from __future__ import annotations

import csv
import io
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.errors import LayerValidationError, Problem
from geo.io.coerce import bilingual, parse_coordinate
from geo.io.encoding import (
    dbf_text_bytes,
    decode_cut,
    decode_text,
    detect_encoding,
    python_codec,
    read_cpg,
)
from geo.schema import normalise_header

__all__ = ["RawLayer", "list_file_layers", "named_like", "open_layer", "zip_member_name"]

_TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
_SIDE_SUFFIXES = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")
_ZIP_DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".csv", ".xlsx")
_MAX_UNZIPPED = 2 * 1024**3
_WKT_HEADERS = ("geometry", "wkt", "几何", "geom", "the_geom", "shape", "空间信息", "坐标串")
_XY_HEADERS = (("经度", "纬度"), ("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"),
               ("x", "y"), ("x坐标", "y坐标"), ("东坐标", "北坐标"), ("point_x", "point_y"))
#: Shapefile text is read in this encoding, one character per byte, so its bytes come back
#: unchanged and are decoded here
_BYTES = "ISO-8859-1"


@dataclass
class RawLayer:
    """A layer as the file has it, before any checking.

    Attributes
    ----------
    frame
        The file's attribute columns under their own headers plus ``geometry`` (shapely objects
        or None), with a 0..n-1 index in file order.
    crs
        The CRS the file declares, or None.
    driver
        Format name (``"GPKG"``, ``"ESRI Shapefile"``, ``"GeoJSON"``, ``"CSV"``, ``"XLSX"`` …).
    file_layer
        The layer, zip member or sheet read, when the file has several.
    encoding, encoding_source
        Text encoding used and where it came from (``".cpg"``, ``"detected"``, ``"declared"``).
    geometry_from
        For tables: the column(s) the geometry was built from.
    unparsed
        For tables: positions whose WKT or coordinates could not be read, with the text.
    notes
        What was assumed while opening (a header found below title lines).
    first_line
        For tables: the 1-based line (Excel row) of the first data row, so problems can name
        lines as the planner sees them; None for feature formats.
    """

    frame: pd.DataFrame
    crs: CRS | None
    driver: str
    file_layer: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    geometry_from: str | None = None
    unparsed: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    first_line: int | None = None


def _fail(source: Path | str, message: str) -> LayerValidationError:
    return LayerValidationError(str(source), [Problem("file", (), message)])


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]))


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as written: Chinese Windows tools write GBK without the UTF-8 flag.

    Python reads such names as CP437 (``小区.shp`` comes out as ``╨í╟°.shp``).
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _zip_datasets(zf: zipfile.ZipFile, source: Path) -> dict[str, zipfile.ZipInfo]:
    """Data members of a zip by display stem; refuses unsafe member names."""
    unsafe = [i.filename for i in zf.infolist() if not _safe_member(i.filename)]
    if unsafe:
        raise _fail(source, bilingual(f"压缩包含不安全路径（绝对路径或“..”），已拒绝："
                                      f"{'、'.join(unsafe[:5])}",
                                      f"zip members with absolute paths or '..' are refused: "
                                      f"{', '.join(unsafe[:5])}"))
    found: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = PurePosixPath(zip_member_name(info).replace("\\", "/"))
        if info.is_dir() or name.name.startswith(("._", ".")) or "__MACOSX" in name.parts:
            continue
        if name.suffix.lower() in _ZIP_DATA_SUFFIXES:
            found.setdefault(name.stem, info)
    return found


def _dir_datasets(folder: Path) -> dict[str, Path]:
    """Data files of a folder (a delivery of several shapefiles) by stem, sorted."""
    found: dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix.lower() in _ZIP_DATA_SUFFIXES and not f.name.startswith("."):
            found.setdefault(f.stem, f)
    return found


def _vector_stems(files: dict[str, str]) -> list[str]:
    return [stem for stem, name in files.items()
            if PurePosixPath(name).suffix.lower() in (".shp", ".gpkg", ".geojson")]


def _strip_suffix(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return name[: -len(suffix)] if suffix else name


@contextmanager
def _unzipped(source: Path, layer: str | None,
              prefer: tuple[str, ...]) -> Iterator[tuple[Path, str]]:
    """Extract one dataset (a shapefile with its sidecars, or one file) into a temp dir."""
    with zipfile.ZipFile(source) as zf:
        datasets = _zip_datasets(zf, source)
        if not datasets:
            raise _fail(source, "压缩包中没有数据：没有 .shp、.gpkg、.geojson、.csv 或 .xlsx "
                                "文件 / the zip holds no .shp, .gpkg, .geojson, .csv or .xlsx")
        stem = _choose(list(datasets), layer, prefer, source,
                       vector=_vector_stems({k: v.filename for k, v in datasets.items()}))
        info = datasets[stem]
        base = _strip_suffix(info.filename)
        members = [i for i in zf.infolist()
                   if _strip_suffix(i.filename) == base
                   and PurePosixPath(i.filename).suffix.lower() in (*_SIDE_SUFFIXES,
                                                                     *_ZIP_DATA_SUFFIXES)]
        if sum(i.file_size for i in members) > _MAX_UNZIPPED:
            raise _fail(source, f"{stem} is larger than 2 GB unzipped; unzip it yourself")
        with tempfile.TemporaryDirectory(prefix="pianqu-zip-") as tmp:
            main = None
            for m in members:
                target = Path(tmp, "layer" + PurePosixPath(m.filename).suffix.lower())
                with zf.open(m) as src, target.open("wb") as dst:
                    dst.write(src.read())
                if m is info:
                    main = target
            assert main is not None
            yield main, stem


def _choose(names: list[str], layer: str | None, prefer: tuple[str, ...], source: Path, *,
            vector: list[str] | None = None) -> str:
    """Pick the layer asked for, else the only one, else the one named like the schema.

    Failing those, the only vector dataset among tables (a shapefile zipped with a spreadsheet
    of notes).
    """
    if layer is not None:
        if layer in names:
            return layer
        raise _fail(source, bilingual(f"没有该图层：{layer!r}；文件中的图层：{'、'.join(names)}",
                                      f"no layer {layer!r}; the file has: {', '.join(names)}"))
    if len(names) == 1:
        return names[0]
    named = named_like(names, prefer)
    if named is not None:
        return named
    if vector is not None and len(vector) == 1:
        return vector[0]
    raise _fail(source, bilingual(f"请指定图层：文件有 {len(names)} 个图层（{'、'.join(names)}），"
                                  "请指明读取哪一个（layer=…，命令行 --layer-name）",
                                  f"the file has {len(names)} layers ({', '.join(names)}); say "
                                  "which one to read (layer=… / --layer-name)"))


def named_like(names: list[str], prefer: tuple[str, ...]) -> str | None:
    """The first of ``names`` that is one of ``prefer`` up to case, spaces and punctuation.

    How a layer is picked from a file of several: by the schema's name or its Chinese label.

    Examples
    --------
    >>> named_like(["xq2024", "小区", "道路"], ("communities", "小区"))
    '小区'
    >>> named_like(["roads"], ("communities", "小区")) is None
    True
    """
    wanted = {normalise_header(w) for w in prefer}
    return next((n for n in names if normalise_header(n) in wanted), None)


def list_file_layers(path: str | Path) -> list[str]:
    """Names of the layers in a file: GeoPackage layers, zip datasets, Excel sheets, or the stem.

    Examples
    --------
    >>> list_file_layers("communities.csv")
    ['communities']
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir():
        return list(_dir_datasets(p))
    if suffix == ".zip" and p.exists():
        with zipfile.ZipFile(p) as zf:
            return list(_zip_datasets(zf, p))
    if suffix in (".xlsx", ".xlsm") and p.exists():
        with pd.ExcelFile(p, engine="openpyxl") as xf:
            return [str(s) for s in xf.sheet_names]
    if suffix in _TABLE_SUFFIXES or suffix in (".shp", ".geojson", ".json") or not p.exists():
        return [p.stem]
    try:
        return [str(row[0]) for row in pyogrio.list_layers(p)]
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise _fail(p, bilingual(f"无法打开文件：{exc}", f"cannot open the file: {exc}")) from exc


def open_layer(path: str | Path, *, layer: str | None = None, prefer: tuple[str, ...] = (),
               encoding: str | None = None) -> RawLayer:
    """Read one layer of a file with its own headers.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile, zip or folder (of shapefiles or any of these), CSV/TXT,
        XLSX, or any vector format GDAL reads.
    layer
        Layer (GeoPackage), dataset stem (zip, folder) or sheet (Excel) to read.
    prefer
        Layer names to pick when the file has several layers and ``layer`` is None (the
        schema's name and Chinese label).
    encoding
        Text encoding of the attributes (shapefile DBF, CSV); detected when None.

    Raises
    ------
    LayerValidationError
        When the file is missing, unreadable, or holds several layers and none was named.
    """
    p = Path(path)
    if not p.exists():
        raise _fail(p, "文件不存在 / file not found")
    if p.name.lower().endswith((".osm.pbf", ".osm")):
        raise _fail(p, "OSM 数据含多个图层：命令行请用 --osm 给出，应用中上传到“道路”一栏 / an "
                       "OpenStreetMap extract holds several layers: give it with --osm on the "
                       "command line, or as the streets upload in the app (in Python: "
                       "geo.osm.read_osm)")
    suffix = p.suffix.lower()
    if p.is_dir():
        datasets = _dir_datasets(p)
        if not datasets:
            raise _fail(p, "文件夹中没有数据：没有 .shp、.gpkg、.geojson、.csv 或 .xlsx 文件 / "
                           "the folder holds no .shp, .gpkg, .geojson, .csv or .xlsx")
        stem = _choose(list(datasets), layer, prefer, p,
                       vector=_vector_stems({k: v.name for k, v in datasets.items()}))
        raw = open_layer(datasets[stem], encoding=encoding)
        raw.file_layer = stem
        return raw
    if suffix == ".zip":
        if not zipfile.is_zipfile(p):
            raise _fail(p, "不是zip压缩包 / not a zip archive")
        with _unzipped(p, layer, prefer) as (inner, stem):
            raw = open_layer(inner, encoding=encoding)
        raw.file_layer = stem
        return raw
    if suffix in _TABLE_SUFFIXES:
        return _open_table(p, layer=layer, prefer=prefer, encoding=encoding)
    return _open_vector(p, layer=layer, prefer=prefer, encoding=encoding)


def _open_vector(p: Path, *, layer: str | None, prefer: tuple[str, ...],
                 encoding: str | None) -> RawLayer:
    # a shapefile's text is decoded here, not by GDAL: GDAL fails on a header it cut in the
    # middle of a character at the DBF's 10 bytes, and follows a wrong .cpg into mojibake
    dbf = next((d for d in (p.with_suffix(".dbf"), p.with_suffix(".DBF")) if d.exists()),
               None) if p.suffix.lower() == ".shp" else None
    if dbf is not None:
        enc, enc_source, notes = _dbf_encoding(p, dbf, encoding)
    else:
        enc, enc_source, notes = encoding, ("declared" if encoding else None), []
    try:
        names = [str(r[0]) for r in pyogrio.list_layers(p)]
        chosen = _choose(names, layer, prefer, p)
        gdf, info = _read_vector(p, chosen, _BYTES if dbf is not None else enc)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise _fail(p, bilingual(f"无法读取文件：{exc}", f"cannot read the file: {exc}")) from exc
    geom_name = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    if geom_name is None:
        frame = pd.DataFrame(gdf).assign(geometry=None)
        crs = None
    else:
        frame = pd.DataFrame(gdf.drop(columns=geom_name))
        frame["geometry"] = np.asarray(gdf.geometry.values, dtype=object)
        crs = gdf.crs
    frame.index = pd.RangeIndex(len(frame))
    if dbf is not None:
        try:
            frame = _decoded(frame, python_codec(enc or "UTF-8"))
        except (UnicodeDecodeError, LookupError) as exc:
            msg = (f"无法按 {enc or 'UTF-8'} 解码文字：请在 .cpg 中写明编码（如 GBK、UTF-8），"
                   f"命令行也可用 --encoding 指明 / cannot decode the text as {enc or 'UTF-8'}: "
                   f"{exc}; write the encoding in a .cpg (e.g. GBK, UTF-8), or on the command "
                   "line give --encoding")
            raise _fail(p, msg) from exc
    return RawLayer(frame=frame, crs=crs, driver=str(info.get("driver") or p.suffix[1:].upper()),
                    file_layer=chosen if len(names) > 1 else None, encoding=enc,
                    encoding_source=enc_source, notes=notes)


def _dbf_encoding(p: Path, dbf: Path,
                  declared: str | None) -> tuple[str | None, str | None, list[str]]:
    """A shapefile's text encoding, where it came from, and notes for the planner.

    The declared encoding wins, then the ``.cpg``, unless the text contradicts it: text that
    is valid UTF-8 is UTF-8 whatever the ``.cpg`` says (GBK text almost never is), and a
    ``.cpg`` whose encoding cannot decode the text gives way to detection.
    """
    if declared:
        return declared, "declared", []
    cpg = read_cpg(p)
    chunks = dbf_text_bytes(dbf)
    detected = detect_encoding(chunks)
    notes: list[str] = []
    try:
        codec = python_codec(cpg) if cpg else None
    except LookupError:
        codec = None
        notes.append(f".cpg 所注编码 {cpg} 无法识别，已忽略 / the .cpg names {cpg}, an encoding "
                     "Pianqu does not know; it was ignored")
    if codec is None:
        return detected, ("detected" if detected else None), notes
    if detected == "UTF-8" and codec != "utf-8":
        notes.append(f".cpg 注明编码为 {cpg}，但文字是 UTF-8（按 {cpg} 读会成乱码），已按 UTF-8 "
                     f"读取；请改正或删除 .cpg（命令行也可用 --encoding 指定） / the .cpg says "
                     f"{cpg} but the text is UTF-8 ({cpg} would give mojibake); read as UTF-8. "
                     "Correct or delete the .cpg (on the command line, --encoding also does)")
        return detected, "detected", notes
    try:
        for chunk in chunks:
            decode_cut(chunk, codec)
    except UnicodeDecodeError:
        return detected, f"detected; the .cpg says {cpg}, which does not decode", notes
    return cpg, ".cpg", notes


def _decoded(frame: pd.DataFrame, codec: str) -> pd.DataFrame:
    """Headers and text read as :data:`_BYTES`, decoded with the file's ``codec``.

    A header GDAL cut at the DBF's 10 bytes loses the character cut in half (``建成年代`` is
    stored as ``建成年`` and one byte of ``代``), as does a text value cut at its field's width.
    """
    def text(v: Any) -> Any:
        return decode_cut(v.encode(_BYTES), codec) if isinstance(v, str) else v

    out = frame.rename(columns={c: text(c) for c in frame.columns if c != "geometry"})
    for c in out.columns:
        if c != "geometry" and out[c].dtype.kind == "O":
            out[c] = out[c].map(text)
    return out


def _read_vector(p: Path, layer: str, encoding: str | None) -> tuple[pd.DataFrame,
                                                                      dict[str, Any]]:
    kwargs: dict[str, Any] = {"layer": layer}
    if encoding:
        kwargs["encoding"] = encoding
    info = pyogrio.read_info(p, **kwargs)
    with warnings.catch_warnings():
        # GDAL types a GeoJSON property holding numbers and text ("约200") as JSON, pyogrio
        # fails to parse it and keeps the text with a warning the app would show the planner;
        # the text is what the reader wants (geo.io.coerce reads it and says what it assumed)
        warnings.filterwarnings("ignore", message=r"Could not parse column .* as JSON")
        return pyogrio.read_dataframe(p, **kwargs), info


def _read_table(p: Path, *, layer: str | None, prefer: tuple[str, ...],
                encoding: str | None) -> tuple[pd.DataFrame, str, str | None, str | None, str]:
    """All cells of a table, header row included (as row 0 ...), as text or Excel values."""
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with pd.ExcelFile(p, engine="openpyxl") as xf:
            sheets = [str(s) for s in xf.sheet_names]
            sheet = _choose(sheets, layer, prefer, p)
            df = pd.read_excel(xf, sheet_name=sheet, dtype=object, header=None)
        return df, "XLSX", None, None, sheet if len(sheets) > 1 else ""
    text, used = decode_text(p.read_bytes(), encoding=encoding)
    first = text.split("\n", 1)[0]
    sep = "\t" if suffix == ".tsv" or first.count("\t") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True))
    width = max((len(r) for r in rows), default=0)
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    source = "declared" if encoding else "detected"
    return df, "CSV", used, source, ""


def _geometry_columns(headers: list[str]) -> tuple[str | None, tuple[str, str] | None]:
    by_norm = {normalise_header(c): c for c in headers}
    wkt_col = next((by_norm[h] for h in _WKT_HEADERS if h in by_norm), None)
    xy = next(((by_norm[a], by_norm[b]) for a, b in _XY_HEADERS
               if a in by_norm and b in by_norm), None)
    return wkt_col, xy


def _with_header(cells: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Header from the first row that names the geometry columns; blank tail rows dropped.

    Title rows above the header, as government spreadsheets have, are skipped; blank columns
    without a header are dropped.
    """
    blank = cells.apply(lambda col: col.map(_blank)).to_numpy(dtype=bool)
    filled = np.flatnonzero(~blank.all(axis=1))
    cells = cells.iloc[: (filled[-1] + 1) if len(filled) else 0]
    start = 0
    for r in range(min(10, len(cells))):
        row = ["" if _blank(v) else str(v).strip() for v in cells.iloc[r]]
        if any(_geometry_columns(row)):
            start = r
            break
    if len(cells) == 0:
        return pd.DataFrame(), 0
    header = ["" if _blank(v) else str(v).strip() for v in cells.iloc[start]]
    body = cells.iloc[start + 1:].reset_index(drop=True)
    keep = [k for k, h in enumerate(header) if h or not body.iloc[:, k].map(_blank).all()]
    names: list[str] = []
    for k in keep:
        name = header[k] or f"column {k + 1}"
        while name in names:
            name += "_2"
        names.append(name)
    body = body.iloc[:, keep]
    body.columns = pd.Index(names)
    return body, start


def _open_table(p: Path, *, layer: str | None, prefer: tuple[str, ...],
                encoding: str | None) -> RawLayer:
    try:
        cells, driver, used, source, sheet = _read_table(p, layer=layer, prefer=prefer,
                                                         encoding=encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise _fail(p, f"无法解码文字：请另存为 UTF-8 或 GBK 编码，命令行也可用 --encoding 指明 / "
                       f"cannot decode the text ({exc}); save it as UTF-8 or GBK, or on the "
                       "command line give --encoding"
                    ) from exc
    except (csv.Error, ValueError, OSError) as exc:
        raise _fail(p, bilingual(f"无法读取表格：{exc}", f"cannot read the table: {exc}")) from exc
    df, start = _with_header(cells)
    notes = [f"表头在第{start + 1}行，其上 {start} 行已跳过 / header on line {start + 1}; the "
             f"{start} line(s) above it were skipped"] if start else []
    wkt_col, xy = _geometry_columns(list(df.columns))
    unparsed: dict[int, str] = {}
    if wkt_col is not None:
        geoms, unparsed = _parse_wkt(df[wkt_col])
        used_cols: tuple[str, ...] = (wkt_col,)
        geometry_from = f"{wkt_col} (WKT)"
    elif xy is not None:
        geoms, unparsed = _parse_xy(df[xy[0]], df[xy[1]])
        used_cols = xy
        geometry_from = f"{xy[0]}/{xy[1]} (lon/lat)"
    else:
        found_zh = "、".join(map(str, df.columns)) or "无"
        msg = bilingual("没有几何列：请添加 WKT 列（geometry、wkt 或 几何），或经度、纬度两列"
                        f"（经度/纬度、lon/lat、lng/lat、x/y）；文件中的字段：{found_zh}",
                        "no geometry: add a WKT column (geometry / wkt / 几何) or longitude and "
                        "latitude columns (经度/纬度, lon/lat, lng/lat, x/y); columns found: "
                        f"{', '.join(map(str, df.columns)) or 'none'}")
        raise _fail(p, msg)
    frame = df.drop(columns=list(used_cols))
    frame["geometry"] = geoms
    return RawLayer(frame=frame, crs=None, driver=driver, file_layer=sheet or None,
                    encoding=used, encoding_source=source, geometry_from=geometry_from,
                    unparsed=unparsed, notes=notes, first_line=start + 2)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip()


def _parse_wkt(col: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    texts = [None if _blank(v) else str(v).strip() for v in col.tolist()]
    geoms = shapely.from_wkt(np.array(texts, dtype=object), on_invalid="ignore")
    unparsed = {i: t for i, (t, g) in enumerate(zip(texts, geoms, strict=True))
                if t is not None and g is None}
    return np.asarray(geoms, dtype=object), unparsed


def _parse_xy(xs: pd.Series, ys: pd.Series) -> tuple[np.ndarray, dict[int, str]]:
    # a coordinate is a number only: 34.03户 or 约34.03 is a slip, not a unit to drop
    x = np.array([parse_coordinate(v) for v in xs.tolist()], dtype=float)
    y = np.array([parse_coordinate(v) for v in ys.tolist()], dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    geoms = np.full(len(x), None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    blank = [_blank(a) and _blank(b) for a, b in zip(xs.tolist(), ys.tolist(), strict=True)]
    unparsed = {int(i): f"{xs.iloc[i]}, {ys.iloc[i]}" for i in np.flatnonzero(~ok)
                if not blank[i]}
    return geoms, unparsed
