"""The input layers of a ``pianqu`` command: the files given, else the bundled sample's.

With no ``--communities`` the command runs on the sample district, and each layer file given
replaces the sample's layer; with ``--communities`` only the files given are used. Every layer is
returned in the communities' metric CRS (``geo.crs.to_metric``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import geopandas as gpd

from geo.crs import to_metric

__all__ = ["command_layers"]


def command_layers(args: argparse.Namespace, names: Sequence[str]
                   ) -> dict[str, gpd.GeoDataFrame | None]:
    """``{name: layer or None}`` for ``communities`` and ``names``, read from ``args``.

    Parameters
    ----------
    args
        Parsed arguments with one attribute per layer name (a path or None) and ``crs`` (the CRS
        of files that have none).
    names
        The other layers the command uses, e.g. ``("barriers", "streets")``.

    Returns
    -------
    dict
        Layers in the communities' metric CRS; None where neither a file nor the sample has one.

    Examples
    --------
    >>> args = argparse.Namespace(communities=None, streets=None, crs=None)
    >>> layers = command_layers(args, ["streets"])
    >>> sorted(layers), layers["streets"].crs == layers["communities"].crs
    (['communities', 'streets'], True)
    """
    from geo.io import read_layer

    wanted = ["communities", *(n for n in names if n != "communities")]
    layers: dict[str, gpd.GeoDataFrame | None] = dict.fromkeys(wanted)
    if args.communities is None:
        from planning.sample import load_sample

        sample = load_sample()
        layers.update({name: sample.get(name) for name in wanted})
    for name in wanted:
        path = getattr(args, name, None)
        if path is not None:
            layers[name] = read_layer(path, name, crs=args.crs).gdf
    communities = layers["communities"]
    assert communities is not None
    metric = to_metric(communities)
    return {name: metric if name == "communities" else
            None if gdf is None else gdf.to_crs(metric.crs)
            for name, gdf in layers.items()}
