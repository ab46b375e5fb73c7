"""Content keys for layers and geometries, by which remembered results are looked up.

The remembered networks, joins, service areas and zonings are keyed on them.
Two layers with the same key have the same geometries (byte for byte, in order) and the same
values, index included; a key says nothing else about them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

__all__ = ["layer_digest", "remember", "wkb_digest"]

T = TypeVar("T")


def wkb_digest(geoms: npt.ArrayLike) -> str:
    """A content key for geometries: a hash of their WKB, in order (missing ones included).

    >>> from shapely.geometry import Point
    >>> wkb_digest([Point(0, 0), Point(1, 0)]) == wkb_digest([Point(0, 0), Point(1, 0)])
    True
    >>> wkb_digest([Point(0, 0), Point(1, 0)]) == wkb_digest([Point(1, 0), Point(0, 0)])
    False
    """
    wkbs = shapely.to_wkb(np.asarray(geoms, dtype=object).ravel())
    missing = np.fromiter((w is None for w in wkbs), dtype=bool, count=wkbs.size)
    wkbs[missing] = b""
    # lengths first, then the bytes in one piece: hashed in C, not geometry by geometry
    sizes = np.fromiter(map(len, wkbs), dtype=np.int64, count=wkbs.size)
    h = hashlib.blake2b(digest_size=16)
    for part in (np.int64(wkbs.size).tobytes(), missing.tobytes(), sizes.tobytes(),
                 b"".join(wkbs)):
        h.update(part)
    return h.hexdigest()


def layer_digest(layer: pd.DataFrame | gpd.GeoSeries | None) -> str:
    """A content key for a layer: its geometry's WKB, every other column's values, the index.

    >>> from shapely.geometry import Point
    >>> a = gpd.GeoDataFrame({"kind": ["market"]}, geometry=[Point(0, 0)], crs="EPSG:4547")
    >>> layer_digest(a) == layer_digest(a.copy())
    True
    >>> layer_digest(a) == layer_digest(a.assign(kind="clinic"))
    False
    >>> layer_digest(a) == layer_digest(a.set_crs("EPSG:4548", allow_override=True))
    False
    """
    h = hashlib.blake2b(digest_size=16)
    if layer is None:
        return h.hexdigest()
    frame = layer.to_frame() if isinstance(layer, pd.Series) else layer
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    h.update(str(getattr(frame, "crs", None)).encode())
    h.update(str([*frame.columns, frame.index.name]).encode())
    if geometry is not None:
        h.update(wkb_digest(frame[geometry].array).encode())
    values = frame.drop(columns=geometry) if geometry is not None else frame
    # values as text per column: lists, mixed types and missing values all hash the same way
    h.update(pd.util.hash_pandas_object(values.astype(str), index=False).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(frame.index.to_series().astype(str),
                                        index=False).to_numpy().tobytes())
    return h.hexdigest()


def remember(store: dict[Hashable, T], key: Hashable, build: Callable[[], T], *, kept: int) -> T:
    """``store[key]``, built first when missing; the store keeps its last ``kept`` entries.

    The oldest entries go first (dicts keep insertion order). The value is held before it is
    stored, so another thread's eviction cannot take it away between the two.

    >>> store = {}
    >>> [remember(store, k, lambda: k * 10, kept=2) for k in (1, 2, 1, 3)], list(store)
    ([10, 20, 10, 30], [2, 3])
    """
    value = store.get(key)
    if value is None:
        value = build()
        for stale in list(store)[: max(0, len(store) + 1 - kept)]:
            store.pop(stale, None)
        store[key] = value
    return value
