"""``pianqu validate FILE...``: check input files before planning and say what was read.

Prints, per file and layer, the normalised summary (rows, columns found, CRS, repairs,
assumptions) and exits 0; or prints every problem, naming rows and columns, and exits 2.
An OpenStreetMap extract (``--osm X.pbf``, or a ``.pbf`` among the files) is read as the other
commands read it (:func:`osm_lines`): its compounds (how many, and how their households were
estimated), facilities per kind, streets and barriers.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="pianqu")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["validate", "a.shp", "--layer", "communities", "--crs", "EPSG:4547"])
>>> args.files, args.layer, args.crs
(['a.shp'], 'communities', 'EPSG:4547')
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.errors import PlanningInputError
from geo.io import ReadResult, guess_layer, list_file_layers, read_layer, read_layers
from geo.schema import FACILITY_KINDS, LAYERS
from planning.commands._layers import read_or_without_datum

__all__ = ["osm_lines", "register", "validate_file", "which_layers"]

_CONTAINERS = (".gpkg", ".zip", ".xlsx", ".xlsm", ".sqlite")


def register(subparsers: Any) -> None:
    """Add the ``validate`` sub-command."""
    p = subparsers.add_parser(
        "validate",
        help="检查输入文件 / check input files and show what would be read",
        description="Read each FILE as Pianqu would and print what was found: rows, columns "
                    "recognised, CRS, repaired geometries and assumptions. Exit 0 when every "
                    "file can be used, 2 with the list of problems to fix. A GeoPackage, zip or "
                    "folder whose layers are named communities/facilities/sites/streets/barriers "
                    "(or 小区/现有设施/候选点/道路/阻隔) is checked layer by layer; otherwise the "
                    "layer type is guessed from the geometry and headers unless --layer says it. "
                    "Problems name rows as '<id> (row n)', or '<id> (line k)' for CSV/XLSX "
                    "where k is the row number Excel shows.",
    )
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="GeoPackage, GeoJSON, Shapefile (.shp, .zip or a folder), CSV/XLSX "
                        "(WKT or 经度/纬度), or an OpenStreetMap .osm.pbf")
    p.add_argument("--osm", metavar="FILE.pbf",
                   help="an OpenStreetMap extract, as the other commands read it: compounds "
                        "(households estimated), facilities per kind, streets, barriers")
    p.add_argument("--layer", choices=list(LAYERS),
                   help="what the file holds (default: guess; every layer of a GeoPackage)")
    p.add_argument("--layer-name", metavar="NAME",
                   help="layer, zip member or sheet to read when the file has several")
    p.add_argument("--crs", metavar="EPSG:XXXX",
                   help="CRS of the coordinates when the file declares none (e.g. EPSG:4547); "
                        "a file's own CRS is kept")
    p.add_argument("--datum", choices=["gcj02", "bd09"],
                   help="coordinates are GCJ-02 (Amap, Tencent) or BD-09 (Baidu) lon/lat; "
                        "converted to WGS84")
    p.add_argument("--encoding", metavar="NAME",
                   help="text encoding of the attributes, e.g. gbk (default: .cpg or detected)")
    p.set_defaults(func=_run)


def which_layers(path: str | Path, *, layer: str | None = None, layer_name: str | None = None,
                 encoding: str | None = None) -> tuple[str | None, str | None]:
    """Which layer ``pianqu validate`` reads from a file, and how it was guessed.

    Returns
    -------
    tuple
        The canonical layer (None: every canonical layer of a GeoPackage or zip), and the
        guess explained (None when ``layer`` was given or the layers are named).
    """
    if layer is not None:
        return layer, None
    if layer_name is None and (Path(path).is_dir() or Path(path).suffix.lower() in _CONTAINERS):
        named = {n for s in LAYERS.values() for n in (s.name, s.label_zh)}
        if any(n in named for n in list_file_layers(path)):
            return None, None
    guessed, why = guess_layer(path, layer=layer_name, encoding=encoding)
    return guessed, (f"推测为{LAYERS[guessed].label_zh}图层 / guessed {guessed} ({why}); "
                     "不对请用 --layer 指定 / use --layer to say otherwise")


def validate_file(path: str | Path, *, layer: str | None = None, layer_name: str | None = None,
                  default_crs: str | None = None, datum: str | None = None,
                  encoding: str | None = None) -> dict[str, ReadResult]:
    """Read one file the way ``pianqu validate`` does.

    Parameters
    ----------
    path
        The file.
    layer
        Canonical layer the file holds; None to read every canonical layer of a GeoPackage or
        zip, or to guess for a single-layer file (:func:`which_layers`).
    layer_name, default_crs, datum, encoding
        As for :func:`geo.io.read_layer` (``layer_name`` is its ``layer``; ``default_crs`` is
        ``--crs``, the CRS of files that declare none).

    Returns
    -------
    dict
        Layer name -> :class:`geo.io.ReadResult`.

    Raises
    ------
    PlanningInputError
        With every problem of the file (a :class:`geo.errors.LayerValidationError`).
    """
    chosen, _ = which_layers(path, layer=layer, layer_name=layer_name, encoding=encoding)
    return read_or_without_datum(  # --datum is for the files in lon/lat, as in every command
        lambda d: _read(path, chosen, layer_name=layer_name, default_crs=default_crs, datum=d,
                        encoding=encoding), datum, path)


def _read(path: str | Path, layer: str | None, **kw: Any) -> dict[str, ReadResult]:
    if layer is None:
        kw.pop("layer_name", None)
        return read_layers(path, **kw)
    return {layer: read_layer(path, layer, layer=kw.pop("layer_name", None), **kw)}


def _is_osm(path: str | Path) -> bool:
    return Path(path).name.lower().endswith(".pbf")


def osm_lines(layers: dict[str, gpd.GeoDataFrame]) -> list[str]:
    """What a command reads from an OpenStreetMap extract (:func:`geo.osm.read_osm`'s layers).

    The compounds and how their households were estimated, and what eligibility will make of
    them (OSM has no built year or consent rate); the facilities per kind, and the kinds the
    standards use that the extract has none of; the streets and the barriers.
    """
    from geo.osm import DEFAULT_LEVELS, HOUSEHOLDS_PER_HA, M2_PER_HOUSEHOLD, MIN_COMPOUND_M2
    from planning.commands._report import unknown_lines
    from planning.eligibility import assess_eligibility
    from planning.standards import load_standards

    c = layers["communities"]
    lines = [f"小区 compounds: {len(c)} (landuse=residential)"]
    if c.attrs.get("small_skipped"):
        n = c.attrs["small_skipped"]
        lines.append(f"  另有 {n} 块不足 {MIN_COMPOUND_M2:g} m² 的居住用地碎片未作小区 / {n} "
                     f"residential slivers under {MIN_COMPOUND_M2:g} m² left out (not compounds)")
    if len(c):
        by_buildings = c["households_method"].astype(str).str.startswith("osm_buildings")
        n_buildings = int(c["buildings"].fillna(0).sum())
        lines.append(
            f"  户数为估算 households estimated: {int(c['households'].sum()):,} in all; "
            f"{int(by_buildings.sum())} 个按楼栋面积 from the floor area of their {n_buildings} "
            f"mapped buildings (footprint × building:levels, {DEFAULT_LEVELS:g} storeys where "
            f"untagged, ÷ {M2_PER_HOUSEHOLD:g} m² per household), {int((~by_buildings).sum())} "
            f"个按用地面积 from their land area × {HOUSEHOLDS_PER_HA:g} households per ha (no "
            "building mapped); households_method says which, per compound")
        policy = load_standards().eligibility
        lines += [f"  {line}" for line in unknown_lines(assess_eligibility(c, policy))]
    else:
        lines.append("  没有小区：请用 --communities 给出 / no compound: give --communities")
    f = layers["facilities"]
    counts = f["kind"].value_counts()
    kinds = ", ".join(f"{FACILITY_KINDS[k].label_zh} {k} {int(n)}" for k, n in counts.items()
                      if k in FACILITY_KINDS)
    lines.append(f"现有设施 facilities: {len(f)}" + (f" — {kinds}" if kinds else ""))
    lacking = [k for k in load_standards().kinds if k not in counts.index]
    if lacking:
        lines.append(f"  无此类设施 none of: {', '.join(lacking)}")
    lines.append(f"道路 streets: {len(layers['streets']):,} 条可步行道路 walkable ways")
    b = layers["barriers"]
    kinds_b = ", ".join(f"{k} {int(n)}" for k, n in b["barrier_kind"].value_counts().items()) \
        if "barrier_kind" in b.columns else ""
    lines.append(f"阻隔 barriers: {len(b)}" + (f" — {kinds_b}" if kinds_b else ""))
    return lines


def _run(args: argparse.Namespace) -> int:
    files = [*([args.osm] if args.osm else []), *args.files]
    if not files:
        msg = "validate: 请给出文件或 --osm / give one or more FILEs, or --osm FILE.pbf"
        raise PlanningInputError(msg)
    failed = 0
    for f in files:
        print(f"== {f}")
        if _is_osm(f):
            failed += not _validate_osm(f)
            continue
        try:
            chosen, guess = which_layers(f, layer=args.layer, layer_name=args.layer_name,
                                         encoding=args.encoding)
            if guess:
                print(guess)
            results = validate_file(f, layer=chosen, layer_name=args.layer_name,
                                    default_crs=args.crs, datum=args.datum,
                                    encoding=args.encoding)
        except PlanningInputError as exc:
            failed += 1
            print(f"✗ 不能使用 / cannot be used:\n{exc}\n")
            continue
        for res in results.values():
            print(res.report.summary())
        print("✓ 可以使用 / OK\n")
    if failed:
        print(f"{len(files)} 个文件中 {failed} 个有问题 / {failed} of {len(files)} "
              "file(s) have problems")
        return 2
    return 0


def _validate_osm(path: str) -> bool:
    from geo.osm import read_osm

    print("OpenStreetMap 数据 / extract (--osm):")
    try:
        layers = read_osm(path)
    except PlanningInputError as exc:
        print(f"✗ 不能使用 / cannot be used:\n{exc}\n")
        return False
    print("\n".join(osm_lines(layers)))
    print("✓ 可以使用 / OK\n")
    return True
