"""planning.commands._layers: which layers a command reads, and in which CRS."""

from __future__ import annotations

import argparse
from pathlib import Path

from planning.commands._layers import command_layers
from tests.factories import block_grid, lattice_streets


def _args(**paths: object) -> argparse.Namespace:
    base = {"communities": None, "streets": None, "barriers": None, "crs": None}
    return argparse.Namespace(**{**base, **paths})


def test_a_layer_file_replaces_the_samples_layer_and_is_put_in_its_crs(tmp_path: Path,
                                                                       sample_layers) -> None:
    streets = lattice_streets(3).to_crs(4326)  # degrees: must come back in the sample's metres
    path = tmp_path / "道路.geojson"
    streets.to_file(path)
    layers = command_layers(_args(streets=str(path)), ["streets", "barriers"])
    assert len(layers["communities"]) == len(sample_layers["communities"])
    assert len(layers["barriers"]) == len(sample_layers["barriers"])  # still the sample's
    assert len(layers["streets"]) == len(streets)  # the file, not the sample's streets
    assert layers["streets"].crs == layers["communities"].crs
    assert layers["streets"].crs.axis_info[0].unit_name == "metre"


def test_with_communities_given_only_the_files_given_are_used(tmp_path: Path) -> None:
    path = tmp_path / "小区.gpkg"
    block_grid(2).reset_index().to_file(path)
    layers = command_layers(_args(communities=str(path)), ["streets", "barriers"])
    assert list(layers) == ["communities", "streets", "barriers"]
    assert len(layers["communities"]) == 4
    assert layers["streets"] is None and layers["barriers"] is None
