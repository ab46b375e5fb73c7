"""geo.crs: Chinese datum shifts, the metric Gauss-Kruger zone, refusing degrees."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import prcoords
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geo.crs import (
    DATUMS,
    bd09_to_wgs84,
    gcj02_to_wgs84,
    gk3_zone_crs,
    in_china,
    is_geographic,
    local_metric_crs,
    require_metric,
    shift_datum,
    to_metric,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.errors import CRSError, PlanningInputError
from tests.factories import block_grid

POINTS_CSV = Path(__file__).parent.parent / "data" / "crs" / "published_points.csv"
GEOD = pyproj.Geod(ellps="WGS84")


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres (independent of the code under test)."""
    _, _, d = GEOD.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                       np.asarray(lon2, float), np.asarray(lat2, float))
    return np.asarray(d)


def _published() -> list[dict[str, str]]:
    with POINTS_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _has(row: dict[str, str], *cols: str) -> bool:
    return all(row[c] != "" for c in cols)


def _tolerance_m(row: dict[str, str]) -> float:
    # 7+ decimals (≈1 cm) -> 1.5 m: the published tables differ from the formula by ~0.6 m
    # (they come from the map APIs, which add their own noise); 5–6 decimals add up to 0.8 m
    # of rounding.
    return 1.5 if int(row["decimals"]) >= 7 else 2.0


PUBLISHED = _published()
WGS_GCJ = [r for r in PUBLISHED if _has(r, "wgs_lon", "gcj_lon")]
WGS_BD = [r for r in PUBLISHED if _has(r, "wgs_lon", "bd_lon")]
GCJ_BD = [r for r in PUBLISHED if _has(r, "gcj_lon", "bd_lon")]


def _f(row: dict[str, str], prefix: str) -> tuple[float, float]:
    return float(row[f"{prefix}_lon"]), float(row[f"{prefix}_lat"])


# ---------------------------------------------------------------------------------------------
# Published sample points
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row", WGS_GCJ, ids=[r["name"] for r in WGS_GCJ])
def test_wgs84_to_gcj02_matches_published_points(row):
    got = wgs84_to_gcj02(*_f(row, "wgs"))
    assert _metres(*got, *_f(row, "gcj")) < _tolerance_m(row)


@pytest.mark.parametrize("row", WGS_GCJ, ids=[r["name"] for r in WGS_GCJ])
def test_gcj02_to_wgs84_matches_published_points(row):
    got = gcj02_to_wgs84(*_f(row, "gcj"))
    assert _metres(*got, *_f(row, "wgs")) < _tolerance_m(row)


@pytest.mark.parametrize("row", WGS_BD, ids=[r["name"] for r in WGS_BD])
def test_bd09_matches_published_points(row):
    assert _metres(*wgs84_to_bd09(*_f(row, "wgs")), *_f(row, "bd")) < _tolerance_m(row)
    assert _metres(*bd09_to_wgs84(*_f(row, "bd")), *_f(row, "wgs")) < _tolerance_m(row)


@pytest.mark.parametrize("row", GCJ_BD, ids=[r["name"] for r in GCJ_BD])
def test_gcj02_bd09_leg_matches_published_points(row):
    # No public gcj<->bd function: go through WGS84, which must not add error.
    gcj = gpd.GeoSeries([Point(*_f(row, "gcj"))], crs="EPSG:4326")
    bd = shift_datum(gcj, source="gcj02", target="bd09")
    assert _metres(bd.x[0], bd.y[0], *_f(row, "bd")) < _tolerance_m(row)
    back = shift_datum(bd, source="bd09", target="gcj02")
    assert _metres(back.x[0], back.y[0], *_f(row, "gcj")) < 0.01


def test_published_offsets_have_the_expected_size():
    """GCJ-02 moves points a few hundred metres; BD-09 adds about 0.0065°/0.006° on top."""
    east = [r for r in WGS_GCJ if float(r["wgs_lon"]) > 105]
    assert len(east) >= 10
    for r in east:
        wl, wb = _f(r, "wgs")
        gl, gb = wgs84_to_gcj02(wl, wb)
        off = float(_metres(wl, wb, gl, gb))
        published_off = float(_metres(wl, wb, *_f(r, "gcj")))
        assert 300 < off < 700, r["name"]
        assert abs(off - published_off) < 2.0, r["name"]
    for r in WGS_BD:
        if not _has(r, "gcj_lon"):
            continue
        gl, gb = wgs84_to_gcj02(*_f(r, "wgs"))
        bl, bb = wgs84_to_bd09(*_f(r, "wgs"))
        # The polar perturbation adds at most ~3e-4° to the constant shift.
        assert abs((bl - gl) - 0.0065) < 4e-4, r["name"]
        assert abs((bb - gb) - 0.006) < 4e-4, r["name"]


# ---------------------------------------------------------------------------------------------
# Round trips, the exact inverse, agreement with prcoords
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def china_points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4490)
    return rng.uniform(73.7, 135.0, 20_000), rng.uniform(18.2, 53.5, 20_000)


def test_gcj02_round_trip_is_below_a_millimetre(china_points):
    lon, lat = china_points
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert np.all(_metres(lon, lat, glon, glat) > 10)  # it really moved (≥ 22 m in the far west)
    back = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, *back).max() < 1e-3


def test_bd09_round_trip_is_below_a_millimetre(china_points):
    lon, lat = china_points
    blon, blat = wgs84_to_bd09(lon, lat)
    assert np.all(_metres(lon, lat, blon, blat) > 500)
    back = bd09_to_wgs84(blon, blat)
    assert _metres(lon, lat, *back).max() < 1e-3


def test_inverse_beats_the_naive_one_step_inverse(china_points):
    """The usual ``wgs ~ gcj - (f(gcj) - gcj)`` is off by metres somewhere; ours is not."""
    lon, lat = china_points
    glon, glat = wgs84_to_gcj02(lon, lat)
    flon, flat = wgs84_to_gcj02(glon, glat)
    naive = _metres(lon, lat, 2 * glon - flon, 2 * glat - flat)
    exact = _metres(lon, lat, *gcj02_to_wgs84(glon, glat))
    assert naive.max() > 1.0
    assert exact.max() < 1e-3


def test_agrees_with_prcoords(china_points):
    """prcoords (public domain, per point) is an independent implementation of the same shifts."""
    lon, lat = (a[:400] for a in china_points)
    gcj = np.array([prcoords.wgs_gcj((b, a)) for a, b in zip(lon, lat, strict=True)])
    bd = np.array([prcoords.wgs_bd((b, a)) for a, b in zip(lon, lat, strict=True)])
    glon, glat = wgs84_to_gcj02(lon, lat)
    blon, blat = wgs84_to_bd09(lon, lat)
    assert _metres(glon, glat, gcj[:, 1], gcj[:, 0]).max() < 1e-3
    assert _metres(blon, blat, bd[:, 1], bd[:, 0]).max() < 1e-3
    inv = np.array([prcoords.gcj_wgs_bored((b, a)) for a, b in zip(glon, glat, strict=True)])
    assert _metres(*gcj02_to_wgs84(glon, glat), inv[:, 1], inv[:, 0]).max() < 0.01


def test_outside_china_gcj02_equals_wgs84():
    lon = np.array([24.94, -74.0, 151.2, 137.9, 100.0])  # Helsinki, New York, Sydney, Japan, 60N
    lat = np.array([60.17, 40.7, -33.9, 35.0, 60.0])
    assert not in_china(lon, lat).any()
    glon, glat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(glon, lon)
    np.testing.assert_array_equal(glat, lat)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(wlon, lon)
    np.testing.assert_array_equal(wlat, lat)


def test_mixed_inside_and_outside_and_nan():
    lon = np.array([113.82, 24.94, np.nan])
    lat = np.array([34.02, 60.17, 30.0])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon[0] != lon[0] and glon[1] == lon[1] and np.isnan(glon[2])
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert _metres(wlon[:2], wlat[:2], lon[:2], lat[:2]).max() < 1e-3
    assert np.isnan(wlon[2])


def test_scalars_give_floats_and_arrays_keep_their_shape():
    lon, lat = wgs84_to_gcj02(113.82, 34.02)
    assert isinstance(lon, float) and isinstance(lat, float)
    grid_lon, grid_lat = np.meshgrid(np.linspace(110, 115, 4), np.linspace(30, 35, 3))
    glon, glat = bd09_to_wgs84(grid_lon, grid_lat)
    assert glon.shape == (3, 4) and glat.shape == (3, 4)
    with pytest.raises(ValueError, match="same shape"):
        wgs84_to_gcj02([1.0, 2.0], [3.0])


# ---------------------------------------------------------------------------------------------
# shift_datum on layers
# ---------------------------------------------------------------------------------------------

def _mixed_layer(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    outer = [(113.80, 34.00), (113.84, 34.00), (113.84, 34.04), (113.80, 34.04)]
    hole = [(113.81, 34.01), (113.82, 34.01), (113.82, 34.02), (113.81, 34.02)]
    geoms = [
        Polygon(outer, [hole]),
        MultiPolygon([Polygon(outer), Polygon([(113.9, 34.1), (113.91, 34.1), (113.91, 34.11)])]),
        LineString([(113.8, 34.0), (113.85, 34.05)]),
        Point(113.82, 34.02, 75.0),  # with a height
        None,
        Polygon(),
    ]
    ids = ["c1", "c2", "r1", "f1", "missing", "empty"]
    return gpd.GeoDataFrame({"name": ids}, geometry=geoms, crs=crs,
                            index=pd.Index(ids, name="community_id"))


def test_shift_datum_every_geometry_type_vertex_by_vertex():
    gdf = _mixed_layer()
    out = shift_datum(gdf, source="gcj02", target="wgs84")
    assert out.index.equals(gdf.index) and list(out.columns) == list(gdf.columns)
    assert out.crs == gdf.crs
    before = shapely.get_coordinates(gdf.geometry.values, include_z=True)
    after = shapely.get_coordinates(out.geometry.values, include_z=True)
    assert before.shape == after.shape
    exp_lon, exp_lat = gcj02_to_wgs84(before[:, 0], before[:, 1])
    np.testing.assert_allclose(after[:, 0], exp_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(after[:, 1], exp_lat, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(after[:, 2], before[:, 2])  # heights untouched
    assert out.geometry["f1"].has_z
    assert out.geometry["missing"] is None and out.geometry["empty"].is_empty
    assert len(out.geometry["c1"].interiors) == 1  # the hole is still there
    assert out.geometry.geom_type.tolist() == gdf.geometry.geom_type.tolist()
    # The input is not modified.
    assert shapely.get_coordinates(gdf.geometry.values).tolist() == before[:, :2].tolist()


@pytest.mark.parametrize("source", DATUMS)
@pytest.mark.parametrize("target", DATUMS)
def test_shift_datum_round_trips(source, target):
    gdf = _mixed_layer()
    there = shift_datum(gdf, source=source, target=target)
    back = shift_datum(there, source=target, target=source)
    a = shapely.get_coordinates(gdf.geometry.values)
    b = shapely.get_coordinates(back.geometry.values)
    assert _metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).max() < 1e-3
    if source == target:
        np.testing.assert_array_equal(a, shapely.get_coordinates(there.geometry.values))


def test_shift_datum_without_crs_assumes_lonlat_and_sets_wgs84():
    gs = gpd.GeoSeries([Point(114.022306, 33.0115324)], index=["p"])
    out = shift_datum(gs, source="gcj02", target="wgs84")
    assert out.crs.to_epsg() == 4326 and out.index.tolist() == ["p"]
    assert _metres(out.x["p"], out.y["p"], 114.0164322, 33.0133556) < 1.5


def test_shift_datum_refuses_projected_coordinates():
    metric = block_grid(2)
    with pytest.raises(CRSError, match="projected"):
        shift_datum(metric, source="gcj02", target="wgs84")
    no_crs = metric.set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"not longitude/latitude.*C00, C01, C10, C11"):
        shift_datum(no_crs, source="gcj02", target="wgs84")


def test_shift_datum_rejects_unknown_datum_with_allowed_values():
    with pytest.raises(CRSError, match="wgs84, gcj02, bd09"):
        shift_datum(_mixed_layer(), source="baidu-mercator", target="wgs84")
    # Spellings planners use are accepted.
    out = shift_datum(_mixed_layer(), source="GCJ-02", target="WGS84")
    assert out.crs.to_epsg() == 4326


def test_shift_datum_empty_layer():
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    out = shift_datum(empty, source="bd09", target="wgs84")
    assert len(out) == 0 and out.crs.to_epsg() == 4326


# ---------------------------------------------------------------------------------------------
# The metric Gauss-Kruger zone
# ---------------------------------------------------------------------------------------------

def _at(lon: float, lat: float = 34.0, crs: str = "EPSG:4490") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs=crs)


@pytest.mark.parametrize("k", range(21))
def test_local_metric_crs_each_zone_and_its_edges(k):
    cm = 75 + 3 * k
    crs = local_metric_crs(_at(cm + 0.3))
    assert crs.to_epsg() == 4534 + k
    assert f"CM {cm}E" in crs.name
    # Just inside either edge of the zone (edges at cm ± 1.5) stays in the zone.
    if k > 0:
        assert local_metric_crs(_at(cm - 1.49)).to_epsg() == 4534 + k
        assert local_metric_crs(_at(cm - 1.51)).to_epsg() == 4533 + k
    if k < 20:
        assert local_metric_crs(_at(cm + 1.49)).to_epsg() == 4534 + k


def _central_meridian(crs: pyproj.CRS) -> float:
    op = crs.coordinate_operation
    assert op is not None
    for p in op.params:
        if "longitude of natural origin" in p.name.lower():
            return float(p.value)
    raise AssertionError(crs.name)


@pytest.mark.parametrize("epsg", range(4491, 4555))
def test_every_cgcs2000_gauss_kruger_zone_is_accepted(epsg):
    """Data in any CGCS2000 GK zone (6-degree, 3-degree, with or without zone prefix)."""
    src = pyproj.CRS.from_epsg(epsg)
    cm = _central_meridian(src)
    lon, lat = cm + 0.2, 31.0
    gdf = _at(lon, lat, "EPSG:4490").to_crs(src)
    out = to_metric(gdf)
    expected = gk3_zone_crs(lon)
    assert out.crs == expected
    assert abs(_central_meridian(expected) - lon) <= 1.5
    direct = _at(lon, lat, "EPSG:4490").to_crs(expected)
    assert out.geometry[0].distance(direct.geometry[0]) < 1e-3


@pytest.mark.parametrize("src", ["EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:32649"])
def test_other_accepted_crs_land_in_the_same_zone(src):
    gdf = _at(113.82, 34.02, "EPSG:4490").to_crs(src)
    assert local_metric_crs(gdf).to_epsg() == 4547
    assert to_metric(gdf).crs.to_epsg() == 4547


def test_zone_uses_the_centre_of_the_data():
    # Most compounds sit just west of 112.5E, the layer's centre is east of it.
    gdf = gpd.GeoDataFrame(geometry=[Point(112.0, 34), Point(112.1, 34), Point(113.5, 34)],
                           crs="EPSG:4326")
    assert local_metric_crs(gdf).to_epsg() == 4547  # centre 112.75E -> CM 114E


def test_local_metric_crs_refuses_missing_crs_empty_and_outside_china():
    with pytest.raises(CRSError, match="no coordinate reference system"):
        local_metric_crs(_at(113.8, crs=None))  # type: ignore[arg-type]
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    with pytest.raises(CRSError, match="no geometry"):
        local_metric_crs(empty)
    with pytest.raises(CRSError, match="outside"):
        local_metric_crs(_at(24.94, 60.17))  # Helsinki
    with pytest.raises(CRSError, match="outside"):
        local_metric_crs(_at(72.5, 39.0))
    # Projected numbers mislabelled as degrees.
    with pytest.raises(CRSError):
        local_metric_crs(gpd.GeoDataFrame(geometry=[Point(483000, 3766000)], crs="EPSG:4326"))
    assert issubclass(CRSError, PlanningInputError)


def test_to_metric_measures_true_distances():
    """1 km between two compounds near Xuchang is 1 km in the chosen zone (not 1.2 km)."""
    lon0, lat0 = 113.82, 34.02
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, 60.0, 1000.0)
    gdf = gpd.GeoDataFrame(geometry=[Point(lon0, lat0), Point(lon1, lat1)], crs="EPSG:4326")
    m = to_metric(gdf)
    assert abs(m.geometry[0].distance(m.geometry[1]) - 1000.0) < 0.1
    merc = gdf.to_crs("EPSG:3857")
    assert merc.geometry[0].distance(merc.geometry[1]) > 1150  # why Mercator is refused


def test_to_metric_with_explicit_crs_and_empty_layer():
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    assert to_metric(empty, crs="EPSG:4547").crs.to_epsg() == 4547
    with pytest.raises(CRSError, match="degrees"):
        to_metric(_at(113.8), crs="EPSG:4490")
    with pytest.raises(CRSError, match="no coordinate reference system"):
        to_metric(gpd.GeoDataFrame(geometry=[Point(113.8, 34.0)]))


def test_to_wgs84_round_trip_keeps_index_and_attributes():
    grid = block_grid(2)
    wgs = to_wgs84(grid)
    assert wgs.crs.to_epsg() == 4326 and wgs.index.equals(grid.index)
    assert (wgs["households"] == grid["households"]).all()
    back = to_metric(wgs)
    assert back.crs.to_epsg() == 4547
    assert back.geometry.geom_equals_exact(grid.geometry, tolerance=1e-3).all()
    with pytest.raises(CRSError):
        to_wgs84(grid.set_crs(None, allow_override=True))


# ---------------------------------------------------------------------------------------------
# Refusing degrees
# ---------------------------------------------------------------------------------------------

def test_require_metric_accepts_metres():
    require_metric(block_grid(2), "walking distances")
    require_metric(_at(113.8).to_crs("EPSG:32649"), "walking distances")  # UTM is fine too
    require_metric(pyproj.CRS.from_epsg(4547), "a CRS on its own")


@pytest.mark.parametrize(("crs", "pattern"), [
    ("EPSG:4326", "cannot be measured in degrees"),
    ("EPSG:4490", "cannot be measured in degrees"),
    ("EPSG:3857", "Mercator"),
    ("EPSG:2227", "US survey foot"),  # California, feet
])
def test_require_metric_refuses_with_a_fix(crs, pattern):
    gdf = _at(113.8).to_crs(crs)
    with pytest.raises(CRSError, match=pattern) as info:
        require_metric(gdf, "walking distances to clinics")
    msg = str(info.value)
    assert msg.startswith("walking distances to clinics")
    assert "geo.crs.to_metric(gdf)" in msg and "EPSG:4534–4554" in msg


def test_require_metric_refuses_missing_crs():
    with pytest.raises(CRSError, match="no coordinate reference system"):
        require_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]), "contiguity gaps")


def test_is_geographic():
    assert is_geographic("EPSG:4326") and is_geographic(_at(113.8))
    assert not is_geographic("EPSG:4547") and not is_geographic(block_grid(2))
    with pytest.raises(CRSError):
        is_geographic(None)
    with pytest.raises(CRSError, match="unrecognised"):
        is_geographic("EPSG:999999")


def test_no_warnings_outside_china():
    """prcoords warns per point outside China; ours stays silent (Helsinki data in a layer)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wgs84_to_gcj02(np.array([24.94]), np.array([60.17]))
        gcj02_to_wgs84(np.array([24.94]), np.array([60.17]))
    assert caught == []


# ---------------------------------------------------------------------------------------------
# The bundled sample district
# ---------------------------------------------------------------------------------------------

def test_sample_district_zone_and_datum_round_trip(sample_layers):
    for name, gdf in sample_layers.items():
        assert local_metric_crs(gdf).to_epsg() == 4547, name  # Xuchang, CM 114E
        require_metric(gdf, f"{name} distances")
        wgs = to_wgs84(gdf)
        with pytest.raises(CRSError):
            require_metric(wgs, f"{name} distances")
        gcj = shift_datum(wgs, source="wgs84", target="gcj02")
        a = shapely.get_coordinates(wgs.geometry.values)
        b = shapely.get_coordinates(gcj.geometry.values)
        moved = _metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        assert 300 < moved.min() and moved.max() < 700, name  # GCJ-02 offset near Xuchang
        back = to_metric(shift_datum(gcj, source="gcj02", target="wgs84"))
        assert back.crs == gdf.crs and back.index.equals(gdf.index)
        d = shapely.get_coordinates(back.geometry.values) - shapely.get_coordinates(
            gdf.geometry.values)
        assert np.abs(d).max() < 1e-3, name  # metres


def test_an_analysis_crs_for_another_continent_is_refused() -> None:
    from geo.crs import scale_error

    helsinki = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)], crs="EPSG:4326")
    # the 114°E Gauss-Kruger zone stretches Helsinki's distances by 15%
    assert scale_error("EPSG:4547", 24.94, 60.17) == pytest.approx(0.152, abs=0.001)
    with pytest.raises(CRSError, match=r"\+15\.2%.*EPSG:32635"):
        to_metric(helsinki, crs="EPSG:4547")
    assert to_metric(helsinki, crs="EPSG:3067").crs.to_epsg() == 3067
    # a neighbouring zone of China is near enough (Xuchang in the 111°E zone: 0.08%)
    xuchang = gpd.GeoDataFrame(geometry=[Point(113.8, 34.0)], crs="EPSG:4326")
    assert to_metric(xuchang, crs="EPSG:4546").crs.to_epsg() == 4546
    # an empty layer has no place to be wrong about
    assert len(to_metric(helsinki.iloc[:0], crs="EPSG:4547")) == 0


def test_outside_china_a_layer_in_its_own_metric_crs_is_analysed_in_it() -> None:
    there = gpd.GeoDataFrame(geometry=[Point(385_000, 6_672_000)], crs="EPSG:3067")
    assert local_metric_crs(there).to_epsg() == 3067
    with pytest.raises(CRSError, match="outside the CGCS2000"):
        local_metric_crs(there.to_crs(4326))  # degrees: no CRS of its own to use
