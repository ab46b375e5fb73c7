"""Walking networks in metres: a sparse graph built from road centre lines or an OSM PBF.

A :class:`WalkNetwork` keeps the street graph as a symmetric scipy CSR matrix of edge lengths,
node coordinates, and, for every edge, the piece of street geometry it stands for (so that
service areas can be cut at an exact distance along the street). Compounds join the network
through several access points along their outline and facilities through their nearest walkable
point (:func:`snap_polygons`, :func:`snap_points`); :func:`split_edges` turns those snap points
into real nodes. :func:`join_polygons` snaps compounds and splits the network at their access
points once per network and layer; facilities then start a search from inside their edge (both
ends, each at its distance) and the service area walks out of that edge both ways.

Disconnected pieces are real: :attr:`WalkNetwork.component` labels every node, and pieces whose
street length is below ``min_component_m`` (and which are not the largest piece) are
*fragments* that nothing snaps to.

The code lives in :mod:`geo.network_graph` (the graph and its builders),
:mod:`geo.network_snap` (gates, snapping, splitting) and :mod:`geo.network_reach` (street
pieces within a budget, service areas); import from here.

Examples
--------
>>> from shapely.geometry import LineString
>>> import geopandas as gpd
>>> streets = gpd.GeoDataFrame(
...     {"road_class": ["residential", "footway", "motorway"]},
...     geometry=[LineString([(0, 0), (200, 0)]), LineString([(100, -50), (100, 50)]),
...               LineString([(0, 10), (200, 10)])],
...     crs="EPSG:4547")
>>> net = network_from_lines(streets)
>>> net.n_nodes, net.n_edges, round(float(net.edge_length.sum()), 1)
(5, 4, 300.0)
>>> report = net.component_report()
>>> report[["nodes", "length_m", "fragment"]].to_dict("records")
[{'nodes': 5, 'length_m': 300.0, 'fragment': False}]
"""

from __future__ import annotations

from geo.digest import wkb_digest
from geo.network_graph import (
    DEFAULT_MIN_COMPONENT_M,
    NON_WALKABLE_CLASSES,
    STRUCTURE_WORDS,
    WalkNetwork,
    network_from_arrays,
    network_from_lines,
    network_from_osm,
)
from geo.network_reach import (
    AreaRequest,
    EdgeSources,
    buffer_union,
    reached_lines,
    service_area,
    service_areas,
)
from geo.network_snap import (
    PointSnap,
    PolygonJoin,
    PolygonSnap,
    join_polygons,
    snap_points,
    snap_polygons,
    split_edges,
)

__all__ = [
    "AreaRequest",
    "DEFAULT_MIN_COMPONENT_M",
    "NON_WALKABLE_CLASSES",
    "STRUCTURE_WORDS",
    "EdgeSources",
    "PointSnap",
    "PolygonJoin",
    "PolygonSnap",
    "WalkNetwork",
    "buffer_union",
    "join_polygons",
    "network_from_arrays",
    "network_from_lines",
    "network_from_osm",
    "reached_lines",
    "service_area",
    "service_areas",
    "snap_points",
    "snap_polygons",
    "split_edges",
    "wkb_digest",
]
