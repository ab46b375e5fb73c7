"""Small synthetic layers for tests, in EPSG:4547 near Xuchang's old town (metres)."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
from shapely.geometry import LineString, Point, box

ORIGIN_X, ORIGIN_Y = 483_000.0, 3_766_000.0
CRS_GK = "EPSG:4547"


def block_grid(n: int = 4, *, block: float = 100.0, street: float = 20.0,
               households: int | Callable[[int, int], int] = 200,
               built_year: int = 1990) -> gpd.GeoDataFrame:
    """An n x n grid of square compounds ``block`` m wide separated by ``street`` m gaps.

    Ids are ``C{row}{col}`` (row 0 at the bottom); attributes are eligible by default.
    """
    rows = []
    for r in range(n):
        for c in range(n):
            x0 = ORIGIN_X + c * (block + street)
            y0 = ORIGIN_Y + r * (block + street)
            hh = households(r, c) if callable(households) else households
            rows.append({
                "community_id": f"C{r}{c}", "name": f"小区{r}{c}", "district": "魏都区",
                "subdistrict": "西大街道" if c < n / 2 else "东大街道",
                "households": hh, "population": int(hh * 2.8), "buildings": 4,
                "floor_area_m2": hh * 75.0, "built_year": built_year, "consent_rate": 0.9,
                "elderly_share": 0.25, "parking_spaces": hh // 5, "ev_chargers": 0,
                "geometry": box(x0, y0, x0 + block, y0 + block),
            })
    return gpd.GeoDataFrame(rows, crs=CRS_GK).set_index("community_id")


def lattice_streets(n: int = 5, *, spacing: float = 120.0, offset: float = -10.0,
                    road_class: str = "residential") -> gpd.GeoDataFrame:
    """Street centre lines on an n x n lattice that runs down the gaps of :func:`block_grid`.

    With the grid's defaults (100 m blocks, 20 m streets) the lines sit in the middle of each gap.
    Each lattice edge is its own feature, so the layer is already noded.
    """
    lines = []
    for i in range(n):
        for j in range(n - 1):
            x = ORIGIN_X + offset + i * spacing
            y0 = ORIGIN_Y + offset + j * spacing
            lines.append(LineString([(x, y0), (x, y0 + spacing)]))
            y = ORIGIN_Y + offset + i * spacing
            x0 = ORIGIN_X + offset + j * spacing
            lines.append(LineString([(x0, y), (x0 + spacing, y)]))
    ids = [f"R{k:03d}" for k in range(len(lines))]
    return gpd.GeoDataFrame({"street_id": ids, "name": [f"路{k}" for k in range(len(lines))],
                             "road_class": road_class, "geometry": lines},
                            crs=CRS_GK).set_index("street_id")


def points(coords: list[tuple[float, float]], *, kind: str = "elderly_care",
           prefix: str = "F") -> gpd.GeoDataFrame:
    """Facilities at offsets (metres) from the synthetic origin."""
    return gpd.GeoDataFrame(
        {"facility_id": [f"{prefix}{i}" for i in range(len(coords))], "kind": kind,
         "name": [f"设施{i}" for i in range(len(coords))], "capacity": 100.0,
         "geometry": [Point(ORIGIN_X + x, ORIGIN_Y + y) for x, y in coords]},
        crs=CRS_GK).set_index("facility_id")
