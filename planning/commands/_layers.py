"""The input layers of a ``pianqu`` command, and the options that say how to read them.

Where a layer comes from (:func:`layer_origin`): the file given; else, with ``--osm``, the
extract's compounds, facilities, streets or barriers; else, when no ``--communities`` is given,
the bundled sample district's layer; else nothing. So the sample is used only when no
``--communities`` is given, and with ``--communities`` only the files given (and an OSM extract)
are used. A file that replaces a layer of the extract is said on the console
(:func:`osm_replaced_lines`): 14 facilities of a CSV instead of the extract's 61 change what
is sited and measured.

Every command reads files alike (:func:`add_crs_options`): ``--crs`` is the CRS of files that
declare none (a file's own CRS is kept), ``--datum`` declares GCJ-02 or BD-09 lon/lat, and
``--analysis-crs`` is the metric CRS of the analysis (:func:`analysis_crs`), in which
:func:`command_layers` returns every layer.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pyproj
from pyproj.exceptions import CRSError as ProjCRSError

from geo.crs import local_metric_crs, require_metric, to_metric
from geo.errors import CRSError, LayerValidationError
from geo.io import read_layer

__all__ = [
    "EMPTY_STREETS",
    "add_crs_options",
    "analysis_crs",
    "command_layers",
    "explicit_analysis_crs",
    "layer_origin",
    "osm_replaced_lines",
    "read_file",
    "read_options",
    "read_or_without_datum",
]

T = TypeVar("T")

EMPTY_STREETS = ("街道图层为空 / the streets layer is empty: straight-line distances × "
                 "detour factor")
"""What a command says when the streets file given has no rows (and it measures straight)."""

_FROM_OSM = ("communities", "facilities", "streets", "barriers")


def add_crs_options(inputs: Any, parameters: Any = None) -> None:
    """Add ``--crs`` and ``--datum`` to ``inputs``, ``--analysis-crs`` to ``parameters``.

    ``inputs`` and ``parameters`` are an :class:`argparse.ArgumentParser` or argument groups;
    without ``parameters`` every option goes to ``inputs``.
    """
    inputs.add_argument("--crs", metavar="EPSG:XXXX",
                        help="CRS of layer files that declare none, e.g. EPSG:4547 (a "
                             "Shapefile without .prj, a CSV of X/Y); a file's own CRS is kept. "
                             "A projected CRS in metres (not Web Mercator) is also the analysis "
                             "CRS unless --analysis-crs is given")
    inputs.add_argument("--datum", choices=["gcj02", "bd09"],
                        help="layer files are in GCJ-02 (Amap, Tencent) or BD-09 (Baidu) "
                             "lon/lat")
    (parameters if parameters is not None else inputs).add_argument(
        "--analysis-crs", metavar="EPSG:XXXX",
        help="projected CRS in metres for the analysis (default: --crs when that is a projected "
             "CRS in metres, else the CGCS2000 3-degree Gauss-Kruger zone nearest the data; "
             "needed outside China)")


def read_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of :func:`geo.io.read_layer` that the options give (``--crs``, ``--datum``).

    >>> read_options(argparse.Namespace(crs="EPSG:4547", datum=None))
    {'default_crs': 'EPSG:4547', 'datum': None}
    """
    return {"default_crs": getattr(args, "crs", None), "datum": getattr(args, "datum", None)}


def read_file(path: str | Path, name: str, args: argparse.Namespace) -> gpd.GeoDataFrame:
    """A layer file read with the options (:func:`read_options`).

    ``--datum`` is said once for every file of a command, so it applies to the files in
    longitude/latitude (a facility list copied from AMap) and not to those in metres (the
    bureau's compounds in CGCS2000 Gauss-Kruger), which are read in their own CRS with a line
    on the console.
    """
    return read_or_without_datum(
        lambda datum: read_layer(path, name, **{**read_options(args), "datum": datum}).gdf,
        getattr(args, "datum", None), path)


def read_or_without_datum(read: Callable[[str | None], T], datum: str | None,
                          path: str | Path) -> T:
    """``read(datum)``, or ``read(None)`` when the datum's only problem is a file in metres."""
    from geo.io.validate import DATUM_ON_METRES

    try:
        return read(datum)
    except LayerValidationError as exc:
        if datum in (None, "wgs84") or not all(
                p.message.startswith(DATUM_ON_METRES) for p in exc.problems):
            raise
    print(f"注意 note: {path} 为投影坐标（米），--datum {datum} 只用于经纬度文件，此文件按其坐标系"
          f"读取 / {path} is in projected metres: --datum {datum} applies to lon/lat files, "
          "so this one is read in its own CRS")
    return read(None)


def explicit_analysis_crs(args: argparse.Namespace) -> pyproj.CRS | None:
    """``--analysis-crs``, else ``--crs`` when it is a projected CRS in metres, else None.

    Raises
    ------
    CRSError
        When ``--crs`` or ``--analysis-crs`` is not a CRS, or ``--analysis-crs`` is not in
        metres.

    Examples
    --------
    >>> explicit_analysis_crs(argparse.Namespace(crs="EPSG:3067", analysis_crs=None)).name
    'ETRS89 / TM35FIN(E,N)'
    >>> explicit_analysis_crs(argparse.Namespace(crs="EPSG:4326", analysis_crs=None)) is None
    True
    """
    asked = getattr(args, "analysis_crs", None)
    if asked:
        crs = _metric(asked, "--analysis-crs")
        if crs is None:
            msg = (f"--analysis-crs {asked}: 不是米制投影坐标系 / not a projected CRS in metres "
                   "(degrees or Web Mercator cannot measure walking distances); e.g. a "
                   "CGCS2000 Gauss-Kruger zone (EPSG:4534–4554) or a UTM zone")
            raise CRSError(msg)
        return crs
    files = getattr(args, "crs", None)
    return _metric(files, "--crs") if files else None


def _metric(text: str, option: str) -> pyproj.CRS | None:
    """The CRS an option names if it is projected in metres (not Mercator), else None."""
    try:
        crs = pyproj.CRS.from_user_input(text)
    except ProjCRSError as exc:
        msg = f"{option}: 无法识别的坐标系 / not a CRS: {text!r} ({exc})"
        raise CRSError(msg) from exc
    try:
        require_metric(crs, option)
    except CRSError:
        return None
    return crs


def analysis_crs(args: argparse.Namespace, communities: gpd.GeoDataFrame) -> pyproj.CRS:
    """The metric CRS of a command's analysis.

    :func:`explicit_analysis_crs`, else the CGCS2000 3-degree Gauss-Kruger zone nearest the
    compounds (:func:`geo.crs.local_metric_crs`).

    Raises
    ------
    CRSError
        When neither is possible (data outside China): the message names ``--analysis-crs``.
    """
    given = explicit_analysis_crs(args)
    if given is not None:
        return given
    try:
        return local_metric_crs(communities)
    except CRSError as exc:
        msg = (f"{exc}\n请用 --analysis-crs 指定米制的分析坐标系 / give the analysis CRS with "
               "--analysis-crs EPSG:XXXX (a projected CRS in metres, e.g. EPSG:3067 in "
               "Finland or the data's UTM zone)")
        raise CRSError(msg) from exc


def layer_origin(args: argparse.Namespace, name: str) -> str:
    """Where a command's layer comes from: ``file``, ``osm``, ``sample`` or ``none``.

    Examples
    --------
    >>> args = argparse.Namespace(communities="c.gpkg", facilities=None, osm=None)
    >>> layer_origin(args, "communities"), layer_origin(args, "facilities")
    ('file', 'none')
    >>> layer_origin(argparse.Namespace(communities=None, facilities=None), "facilities")
    'sample'
    >>> layer_origin(argparse.Namespace(communities="c.gpkg", osm="x.pbf"), "facilities")
    'osm'
    >>> layer_origin(argparse.Namespace(communities="c.gpkg", osm="x.pbf"), "sites")
    'none'
    """
    if getattr(args, name, None) is not None:
        return "file"
    if getattr(args, "osm", None):
        return "osm" if name in _FROM_OSM else "none"
    return "sample" if getattr(args, "communities", None) is None else "none"


def command_layers(args: argparse.Namespace, names: Sequence[str]
                   ) -> dict[str, gpd.GeoDataFrame | None]:
    """``{name: layer or None}`` for ``communities`` and ``names``, read from ``args``.

    Parameters
    ----------
    args
        Parsed arguments with one attribute per layer name (a path or None); optionally
        ``osm`` (an extract), ``crs``, ``datum`` and ``analysis_crs`` (:func:`add_crs_options`).
    names
        The other layers the command uses, e.g. ``("barriers", "streets")``.

    Returns
    -------
    dict
        Layers in the analysis CRS (:func:`analysis_crs`); None where :func:`layer_origin`
        gives none (or the sample has none). With ``--osm``, a line on the console for each
        layer of the extract that a file replaces (:func:`osm_replaced_lines`).

    Examples
    --------
    >>> args = argparse.Namespace(communities=None, streets=None, crs=None)
    >>> layers = command_layers(args, ["streets"])
    >>> sorted(layers), layers["streets"].crs == layers["communities"].crs
    (['communities', 'streets'], True)
    """
    wanted = ["communities", *(n for n in names if n != "communities")]
    bundles: dict[str, dict[str, gpd.GeoDataFrame]] = {}
    if getattr(args, "osm", None):  # read even when files replace it all: to say what they do
        bundles["osm"] = _bundle(args, "osm")
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    files: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    for name in wanted:
        origin = layer_origin(args, name)
        if origin == "file":
            gdf = read_file(getattr(args, name), name, args)
            layers[name] = gdf
            files[name] = (str(getattr(args, name)), gdf)
        elif origin == "none":
            layers[name] = None
        else:
            if origin not in bundles:
                bundles[origin] = _bundle(args, origin)
            layers[name] = bundles[origin].get(name)
    if "osm" in bundles:
        for line in osm_replaced_lines(bundles["osm"], files):
            print(line)
    communities = layers["communities"]
    assert communities is not None
    metric = to_metric(communities, crs=analysis_crs(args, communities))
    return {name: metric if name == "communities" else
            None if gdf is None else to_metric(gdf, crs=metric.crs)
            for name, gdf in layers.items()}


def _bundle(args: argparse.Namespace, origin: str) -> dict[str, gpd.GeoDataFrame]:
    if origin == "osm":
        from geo.osm import read_osm

        return read_osm(args.osm)
    from planning.sample import load_sample

    return load_sample()


def osm_replaced_lines(extract: Mapping[str, gpd.GeoDataFrame],
                       files: Mapping[str, tuple[str, gpd.GeoDataFrame]]) -> list[str]:
    """A line for each layer of an OSM extract that a file given replaces.

    Parameters
    ----------
    extract
        :func:`geo.osm.read_osm`'s layers.
    files
        Layer name -> (the file given, its layer as read).

    Examples
    --------
    >>> osm = {"facilities": gpd.GeoDataFrame(geometry=gpd.points_from_xy(range(61), [0] * 61))}
    >>> mine = gpd.GeoDataFrame(geometry=gpd.points_from_xy(range(14), [0] * 14))
    >>> print(osm_replaced_lines(osm, {"facilities": ("F.csv", mine)})[0].split(" / ")[1])
    facilities: the 14 of F.csv replace the 61 of the OpenStreetMap extract
    """
    from geo.schema import LAYERS

    lines = []
    for name, (path, gdf) in files.items():
        if name not in extract:
            continue
        label = LAYERS[name].label_zh if name in LAYERS else name
        lines.append(f"注意 note: {label}取自 {path}（{len(gdf)} 个），代替OSM数据中的 "
                     f"{len(extract[name])} 个 / {name}: the {len(gdf)} of {path} replace the "
                     f"{len(extract[name])} of the OpenStreetMap extract")
    return lines
