"""Demand per compound: hand-worked values, missing existing counts, bad rows listed at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import LayerValidationError
from planning.demand import SITED_KINDS, compute_demand, demand_column
from planning.standards import load_standards
from tests.factories import block_grid


@pytest.fixture
def standards():
    return load_standards()


def _frame(**cols):
    return pd.DataFrame(cols, index=pd.Index([f"C{i}" for i in range(len(cols["households"]))],
                                             name="community_id"))


def test_hand_worked_values(standards):
    # 400 households, 10 chargers, 120 spaces, 1,000 residents, 30% elderly.
    # Defaults: 20 m²/100 households; 0.15 EV/household x 1 charger/EV; 0.5 spaces/household.
    df = _frame(households=[400], ev_chargers=[10], parking_spaces=[120], population=[1000],
                elderly_share=[0.3])
    d = compute_demand(df, standards)
    assert d.loc["C0", "demand_elderly_care"] == pytest.approx(80.0)  # 400/100*20
    assert d.loc["C0", "demand_ev_charger"] == pytest.approx(50.0)  # 400*.15 - 10
    assert d.loc["C0", "demand_parking"] == pytest.approx(80.0)  # 400*.5 - 120
    assert d.loc["C0", "elderly"] == pytest.approx(300.0)
    assert d.loc["C0", "demand_note"] == ""


def test_existing_above_need_gives_zero_not_negative(standards):
    df = _frame(households=[100], ev_chargers=[40], parking_spaces=[90])
    d = compute_demand(df, standards)
    assert d.loc["C0", "demand_ev_charger"] == 0.0
    assert d.loc["C0", "demand_parking"] == 0.0
    assert d.loc["C0", "ev_need"] == pytest.approx(15.0)


def test_ratios_are_editable(standards):
    std = standards.replace(demand={"ev_share": 0.3, "chargers_per_ev": 0.5,
                                    "parking_spaces_per_household": 1.0,
                                    "elderly_care_m2_per_100_households": 35.0})
    d = compute_demand(_frame(households=[200], ev_chargers=[0], parking_spaces=[50]), std)
    assert d.loc["C0", "demand_ev_charger"] == pytest.approx(30.0)  # 200*.3*.5
    assert d.loc["C0", "demand_parking"] == pytest.approx(150.0)
    assert d.loc["C0", "demand_elderly_care"] == pytest.approx(70.0)


def test_missing_values_are_read_as_none_and_noted(standards):
    df = _frame(households=[200, 100], ev_chargers=[np.nan, 5], parking_spaces=[pd.NA, 0],
                population=[np.nan, 300], elderly_share=[0.2, np.nan])
    d = compute_demand(df, standards)
    assert d.loc["C0", "demand_ev_charger"] == pytest.approx(30.0)
    assert d.loc["C0", "demand_parking"] == pytest.approx(100.0)
    assert d.loc["C0", "elderly"] == pytest.approx(200 * 2.8 * 0.2)
    assert "ev_chargers missing" in d.loc["C0", "demand_note"]
    assert "population missing" in d.loc["C0", "demand_note"]
    assert d.loc["C1", "elderly"] == 0.0
    assert "elderly_share missing" in d.loc["C1", "demand_note"]


def test_absent_optional_columns(standards):
    d = compute_demand(_frame(households=[100]), standards)
    assert d.loc["C0", "demand_parking"] == pytest.approx(50.0)


def test_bad_rows_are_all_listed(standards):
    df = _frame(households=[100, -1, np.nan], ev_chargers=[0, -3, 0],
                elderly_share=[0.2, 1.5, 0.1])
    with pytest.raises(LayerValidationError) as info:
        compute_demand(df, standards)
    cols = {p.column: p.rows for p in info.value.problems}
    assert cols["households"] == ("C1", "C2")
    assert cols["ev_chargers"] == ("C1",)
    assert cols["elderly_share"] == ("C1",)


def test_missing_households_column(standards):
    with pytest.raises(LayerValidationError, match="households"):
        compute_demand(pd.DataFrame({"x": [1]}), standards)


def test_empty_layer_and_alignment(standards):
    grid = block_grid(2)
    d = compute_demand(grid, standards)
    assert d.index.equals(grid.index)
    assert [demand_column(k) in d.columns for k in SITED_KINDS] == [True] * 3
    # grid: 200 households, 40 spaces (hh // 5), 0 chargers
    assert (d["demand_parking"] == 60.0).all()
    assert len(compute_demand(grid.iloc[:0], standards)) == 0
