"""Layers in and out: read and validate every input layer; writers live in ``geo.io.write``.

Examples
--------
>>> from geo.io import read_layer, ReadResult, LayerReport
>>> read_layer.__name__
'read_layer'
"""

from geo.io.read import (
    ReadResult,
    guess_layer,
    read_barriers,
    read_communities,
    read_facilities,
    read_layer,
    read_layers,
    read_sites,
    read_streets,
)
from geo.io.report import LayerReport, Note, Repair
from geo.io.sources import list_file_layers
from geo.io.write import write_geojson, write_geopackage, write_shapefile_zip

__all__ = [
    "LayerReport",
    "Note",
    "ReadResult",
    "Repair",
    "guess_layer",
    "list_file_layers",
    "read_barriers",
    "read_communities",
    "read_facilities",
    "read_layer",
    "read_layers",
    "read_sites",
    "read_streets",
    "write_geojson",
    "write_geopackage",
    "write_shapefile_zip",
]
