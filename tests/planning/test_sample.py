"""The bundled sample district: realistic, deterministic, and what the committed file holds."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planning.cli import main
from planning.sample import SAMPLE_LAYERS, SAMPLE_PATH, generate_sample, load_sample, write_sample


@pytest.fixture(scope="module")
def generated() -> dict[str, gpd.GeoDataFrame]:
    return generate_sample()


def test_committed_file_is_what_the_generator_writes(generated, sample_layers) -> None:
    for name in SAMPLE_LAYERS:
        a, b = sample_layers[name], generated[name]
        assert list(a.index) == list(b.index), name
        # optional columns the sample leaves out (streets' 桥隧) are added empty on reading
        added = a.columns.difference(b.columns)
        assert a[added].isna().all().all(), (name, list(added))
        a = a[b.columns]
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")),
            check_dtype=False, obj=name)
        # the GeoPackage stores compounds as MultiPolygon; compare the shapes, not the wrapper
        assert all(shapely.equals(a.geometry.to_numpy(), b.geometry.to_numpy())), name


def test_same_seed_writes_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    a = write_sample(tmp_path / "a").read_bytes()
    b = write_sample(tmp_path / "b").read_bytes()
    c = write_sample(tmp_path / "c", seed=7).read_bytes()
    assert a == b
    assert a != c


def test_district_looks_like_a_real_old_town(sample_layers) -> None:
    c = sample_layers["communities"]
    assert sample_layers["communities"].crs.to_epsg() == 4547
    assert 300 <= len(c) <= 500
    assert c.index.is_unique and c["name"].is_unique
    assert c["households"].between(50, 1500).all()
    assert c["built_year"].between(1975, 2010).all()
    after_2000 = (c["built_year"] > 2000).mean()
    assert 0.02 < after_2000 < 0.5  # some compounds are too new to qualify
    assert (c["consent_rate"] < 2 / 3).any() and (c["consent_rate"] >= 0.8).any()
    assert c["elderly_share"].between(0, 1).all()
    assert c.geometry.is_valid.all() and not c.geometry.is_empty.any()
    # placed in Xuchang's old town
    lonlat = c.to_crs(4326).geometry.union_all().centroid
    assert 113.7 < lonlat.x < 113.95 and 33.95 < lonlat.y < 34.1


def test_awkward_shapes_are_present(sample_layers) -> None:
    c = sample_layers["communities"]
    parts = shapely.get_num_geometries(c.geometry.to_numpy())
    assert (parts == 2).sum() == 1 and (parts <= 2).all()  # one compound in two parts
    polygons = shapely.get_parts(c.geometry.to_numpy())
    assert (shapely.get_num_interior_rings(polygons) > 0).sum() == 1  # one courtyard hole
    tree = shapely.STRtree(c.geometry.to_numpy())
    left, right = tree.query(c.geometry.to_numpy(), predicate="touches")
    assert (left != right).sum() > 20  # touching neighbours exist ...
    inter = tree.query(c.geometry.to_numpy(), predicate="intersects")
    pairs = inter[:, inter[0] < inter[1]]
    overlap = shapely.area(shapely.intersection(c.geometry.to_numpy()[pairs[0]],
                                                c.geometry.to_numpy()[pairs[1]]))
    assert overlap.max() < 1.0  # ... but compounds never overlap


def test_barriers_cut_the_district_and_streets_cross_them_only_at_arterials(sample_layers) -> None:
    c, s, b = (sample_layers[k] for k in ("communities", "streets", "barriers"))
    assert set(b["barrier_kind"]) == {"river", "railway"}
    assert not c.geometry.intersects(b.geometry.union_all()).any()
    for kind in ("river", "railway"):
        line = b.loc[b["barrier_kind"] == kind].geometry.iloc[0]
        crossing = s[s.geometry.intersects(line)]
        assert len(crossing) >= 2
        assert set(crossing["road_class"]) <= {"primary", "secondary", "footway"}


def test_facilities_and_sites_are_sparse_and_typed(sample_layers) -> None:
    f, sites = sample_layers["facilities"], sample_layers["sites"]
    assert set(f["kind"]) == {"elderly_care", "ev_charger", "parking", "clinic", "market",
                              "kindergarten"}
    assert len(f) < len(sample_layers["communities"]) / 5
    allowed = {"elderly_care", "ev_charger", "parking"}
    assert all(set(k.split(",")) <= allowed for k in sites["kinds"])
    assert (sites["capacity"] > 0).all() and (sites["cost"] > 0).all()
    assert np.isfinite(sites.geometry.x).all()


def test_cli_regenerates_the_sample(tmp_path: Path, capsys) -> None:
    assert main(["sample", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "district.gpkg" in out and "EPSG:4547" in out
    assert (tmp_path / "district.gpkg").read_bytes() == write_sample(tmp_path / "x").read_bytes()
    assert len(load_sample(tmp_path / "district.gpkg")["communities"]) == len(
        load_sample(SAMPLE_PATH)["communities"])
