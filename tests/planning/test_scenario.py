"""The one pipeline: nothing lost, progress, validation, save/load round trip, determinism."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from shapely.geometry import LineString, box

from geo.errors import CRSError, LayerValidationError, ScenarioError
from planning.scenario import (
    STEPS,
    Plan,
    Scenario,
    SitingParameters,
    load_plan,
    load_scenario,
    run_plan,
    save_plan,
    standards_from_toml,
    standards_to_toml,
)
from planning.standards import load_standards
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points


def assert_plans_equal(a: Plan, b: Plan) -> None:
    assert a.crs == b.crs
    assert dict(a.steps) == dict(b.steps)
    assert a.notes == b.notes
    for name in a.layers:
        try:
            assert_geodataframe_equal(a.layers[name], b.layers[name])
        except AssertionError as exc:
            raise AssertionError(f"layer {name}: {exc}") from exc
    for name in a.tables:
        assert_frame_equal(a.tables[name], b.tables[name], obj=name)


def _grid_scenario(**kwargs: object) -> Scenario:
    grid = block_grid(4, households=lambda r, c: 150 + 10 * r + c)
    grid.loc["C00", "built_year"] = 2005  # not eligible: built after 2000
    grid.loc["C33", "consent_rate"] = 0.3  # not eligible: residents not willing
    grid.loc["C12", "name"] = None  # a missing name must survive the round trip
    facilities = pd.concat([points([(50, 50), (400, 400)], kind="elderly_care"),
                            points([(230, 170)], kind="parking", prefix="P")])
    layers = {"communities": grid, "facilities": facilities, "streets": lattice_streets(5)}
    return Scenario(layers=layers, standards=load_standards(), seed=11, name="测试片区",
                    **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def grid_plan() -> Plan:
    return run_plan(_grid_scenario())


def test_every_compound_comes_out_zoned_or_with_a_reason(grid_plan: Plan) -> None:
    out = grid_plan.communities
    given = grid_plan.scenario.layers["communities"]
    assert list(out.index) == list(given.index)
    assert (out["zone_id"].notna() | out["excluded_reason"].notna()).all()
    # the two compounds the policy rules out are never zoned and say why
    for cid in ("C00", "C33"):
        assert out.loc[cid, "zone_id"] is None
        assert isinstance(out.loc[cid, "excluded_reason"], str)
    if grid_plan.steps["eligibility"] == "done":
        assert not out.loc["C00", "eligible"]
        assert "2000" in out.loc["C00", "excluded_reason"] or "建成" in out.loc[
            "C00", "excluded_reason"]


def test_input_columns_are_kept_unchanged(grid_plan: Plan) -> None:
    given = grid_plan.scenario.layers["communities"]
    out = grid_plan.communities
    for col in given.columns:
        if col == "geometry":
            continue
        assert_frame_equal(out[[col]], given[[col]], obj=col)
    assert out.crs == given.crs  # the grid is already in the local GK zone


def test_every_step_runs_on_a_district_with_streets(grid_plan: Plan) -> None:
    assert list(grid_plan.steps) == list(STEPS)
    assert all(v.startswith("done") for v in grid_plan.steps.values()), grid_plan.steps
    out = grid_plan.communities
    assert out["zone_id"].notna().sum() == 14  # every eligible compound is zoned here
    assert set(out["zone_id"].dropna()) == set(grid_plan.zones["zone_id"])
    assert (out["distance_method"] == "network").all()
    # a zone's households are the sum of its compounds' (independent of the zoning module)
    hh = out.groupby("zone_id")["households"].sum()
    zones = grid_plan.zones.set_index("zone_id")
    assert (zones["households"].sort_index() == hh.sort_index()).all()
    # planned facilities only add coverage: no compound loses a covered kind
    for kind in grid_plan.scenario.standards.kinds:
        assert not (out[f"covered_{kind}_before"] & ~out[f"covered_{kind}"]).any(), kind
    assert (out["completeness"] >= out["completeness_before"]).all()


def test_steps_that_cannot_run_say_why_and_leave_outputs_empty() -> None:
    late = block_grid(3, built_year=2010)  # nothing eligible, no streets
    plan = run_plan(Scenario(layers={"communities": late}, standards=load_standards()))
    assert plan.steps["network"].startswith("not run: no streets")
    assert plan.steps["siting"] == "not run: no compound is in a zone"
    assert len(plan.zones) == 0 and len(plan.planned_facilities) == 0
    assert plan.communities["zone_id"].isna().all()
    assert plan.communities["excluded_reason"].str.contains("2010").all()
    assert plan.communities["distance_method"].str.startswith("straight_line").all()


def test_the_walking_network_keeps_the_standards_fragment_length() -> None:
    # a 600 m street 3 km from the lattice, with a compound and an elderly-care site on it
    # (another on the lattice): a fragment under the default 1,000 m (nothing snaps to it),
    # a street under 500 m
    grid = block_grid(2)
    lone = box(ORIGIN_X + 3200, ORIGIN_Y + 10, ORIGIN_X + 3260, ORIGIN_Y + 70)
    grid = pd.concat([grid, gpd.GeoDataFrame(grid.iloc[[0]].drop(columns="geometry"),
                                             geometry=[lone], crs=grid.crs).rename(
        index={"C00": "LONE"})])
    streets = pd.concat([lattice_streets(3), gpd.GeoDataFrame(
        {"road_class": ["residential"]}, crs=CRS_GK,
        geometry=[LineString([(ORIGIN_X + 3000, ORIGIN_Y), (ORIGIN_X + 3600, ORIGIN_Y)])])],
        ignore_index=True)
    layers = {"communities": grid, "streets": streets,
              "facilities": points([(3400, 5), (50, 50)], kind="elderly_care")}
    no_sites = SitingParameters(max_sites=0)  # the existing site only
    default = run_plan(Scenario(layers=layers, standards=load_standards(),
                                siting=no_sites)).communities
    assert np.isnan(default.loc["LONE", "walk_minutes_elderly_care"])
    assert "600" in default.loc["LONE", "reason_elderly_care"]  # names the fragment's length
    std = load_standards().replace(walking={"min_component_m": 500.0})
    short = run_plan(Scenario(layers=layers, standards=std, siting=no_sites)).communities
    # gate (3230, 10), 10 m to the street, 170 m along it, 5 m to the site
    assert short.loc["LONE", "walk_minutes_elderly_care"] == pytest.approx(185 / 75)


def test_progress_is_reported_in_order_and_ends_at_one() -> None:
    calls: list[tuple[str, float]] = []
    run_plan(_grid_scenario(), progress=lambda step, f: calls.append((step, f)))
    names = [c[0] for c in calls]
    assert list(dict.fromkeys(names)) == [*STEPS, "done"]
    fractions = [c[1] for c in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    # the coverage step, the long one on a large district, moves the bar as it goes: once as
    # it starts, then after each of the 6 kinds x 3 levels of service areas and the gaps
    coverage = [f for name, f in calls if name == "coverage"]
    assert len(coverage) == 1 + 6 * 3 + 1
    assert all(a < b for a, b in zip(coverage, coverage[1:], strict=False))
    assert coverage[-1] == pytest.approx(1.0)
    # so does siting, where each kind's solve may take the whole time limit on a city: as it
    # starts, before each of the three kinds' solves (the first at the start), after the last
    siting = [f for name, f in calls if name == "siting"]
    assert len(siting) == 1 + 3 + 1
    assert siting[0] == siting[1] and all(a < b for a, b in zip(siting[1:], siting[2:],
                                                                strict=False))
    assert siting[-1] == pytest.approx(coverage[0])  # the bar goes on from where it stopped


def test_same_scenario_and_seed_give_the_same_plan(grid_plan: Plan,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from planning import coverage, scenario

    # worked out afresh: no network or zoning remembered from the first run
    monkeypatch.setattr(scenario, "_ZONINGS", {})
    monkeypatch.setattr(coverage, "_NETWORKS", {})
    assert_plans_equal(grid_plan, run_plan(_grid_scenario()))


def test_a_plan_again_with_other_siting_reuses_the_zoning_and_nothing_leaks_between_plans(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from planning import scenario

    zoned = []
    zone = scenario.zone_communities

    def counted(*args: object, **kwargs: object) -> object:
        zoned.append(1)
        return zone(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scenario, "_ZONINGS", {})
    monkeypatch.setattr(scenario, "zone_communities", counted)
    first = run_plan(_grid_scenario())
    first.zones.loc[first.zones.index[0], "households"] = -1  # a caller's edit stays its own
    first.communities.loc["C11", "zone_id"] = "edited"
    fewer = run_plan(_grid_scenario(siting=SitingParameters(max_sites=1)))
    assert len(zoned) == 1  # siting changed, nothing zoning reads
    monkeypatch.setattr(scenario, "_ZONINGS", {})
    fresh = run_plan(_grid_scenario(siting=SitingParameters(max_sites=1)))
    assert len(zoned) == 2
    assert_plans_equal(fewer, fresh)
    assert (fewer.zones["households"] > 0).all()
    more_evs = load_standards().replace(demand={"ev_share": 0.3})  # siting's, not zoning's
    run_plan(dataclasses.replace(_grid_scenario(), standards=more_evs))
    assert len(zoned) == 2
    # what zoning reads changes: zoned again
    smaller = load_standards().replace(zoning={"min_households": 300, "max_households": 400})
    small = run_plan(dataclasses.replace(_grid_scenario(), standards=smaller))
    assert len(zoned) == 3
    assert len(small.zones) > len(fresh.zones)


def test_layers_in_degrees_are_projected_to_the_local_gauss_kruger_zone() -> None:
    scenario = _grid_scenario()
    wgs = {k: v.to_crs("EPSG:4326") for k, v in scenario.layers.items()}
    plan = run_plan(Scenario(layers=wgs, standards=scenario.standards, seed=scenario.seed))
    assert plan.crs.to_epsg() == 4547  # 113.8E lies in the 114E zone
    assert plan.communities.crs == plan.crs
    # 100 m blocks come back as 100 m blocks (to a millimetre)
    assert plan.communities.area.round(2).eq(10_000.0).all()


def test_bad_layers_are_reported_all_at_once() -> None:
    grid = block_grid(2)
    grid.index = pd.Index(["C1", "C1", "C2", "C3"], name="community_id")
    grid = grid.drop(columns="households")
    facilities = points([(0, 0)]).set_crs(None, allow_override=True)
    scenario = Scenario(layers={"communities": grid, "facilities": facilities, "roads": grid},
                        standards=load_standards())
    with pytest.raises(LayerValidationError) as err:
        run_plan(scenario)
    text = str(err.value)
    assert "C1" in text and "unique" in text
    assert "households" in text
    assert "no CRS" in text
    assert "roads" in text
    assert len(err.value.problems) == 4


def test_a_scenario_without_compounds_is_refused() -> None:
    empty = block_grid(2).iloc[:0]
    with pytest.raises(LayerValidationError, match="at least one compound"):
        run_plan(Scenario(layers={"communities": empty}, standards=load_standards()))


def test_saved_plan_reloads_identically(grid_plan: Plan, tmp_path: object) -> None:
    path = save_plan(grid_plan, tmp_path / "plan.gpkg")  # type: ignore[operator]
    loaded = load_plan(path)
    assert_plans_equal(grid_plan, loaded)
    # the siting step's notes come with the plan (no budget or count: the fewest sites, and
    # candidates generated for the kinds without a site), and back with it
    assert any("No budget or site limit given" in n for n in grid_plan.notes)
    assert any("candidates generated" in n for n in grid_plan.notes)
    # in words a planner reads: "Elderly care: 3 candidates generated", not the kind's key
    # (a key of the standards file to edit, "[demand] ev_charger_site_units", is named as is)
    words = [re.sub(r"\[demand\] \w+", "", n) for n in grid_plan.notes]
    assert not any(k in n for k in ("elderly_care", "ev_charger", "min_sites")
                   for n in words), grid_plan.notes
    assert loaded.communities.loc["C12", "name"] is None or pd.isna(
        loaded.communities.loc["C12", "name"])
    assert list(loaded.communities.columns) == list(grid_plan.communities.columns)
    assert (loaded.communities.dtypes == grid_plan.communities.dtypes).all()


def test_saved_scenario_reruns_into_the_same_plan(grid_plan: Plan, tmp_path: object) -> None:
    path = save_plan(grid_plan, tmp_path / "plan.gpkg")  # type: ignore[operator]
    scenario = load_scenario(path)
    assert scenario.seed == 11 and scenario.name == "测试片区"
    assert scenario.standards == grid_plan.scenario.standards
    assert scenario.siting == grid_plan.scenario.siting
    for name, gdf in grid_plan.scenario.layers.items():
        assert_geodataframe_equal(scenario.layers[name], gdf)
    assert_plans_equal(grid_plan, run_plan(scenario))


def test_changed_parameters_survive_the_round_trip(tmp_path: object) -> None:
    std = load_standards().replace(eligibility={"min_consent_rate": 0.8},
                                   zoning={"min_households": 300})
    grid = block_grid(3)
    scenario = Scenario(layers={"communities": grid}, standards=std, seed=5,
                        siting=SitingParameters(budget_wan=1234.5, max_sites=3))
    plan = run_plan(scenario)
    path = save_plan(plan, tmp_path / "p.gpkg")  # type: ignore[operator]
    back = load_scenario(path)
    assert back.standards.eligibility.min_consent_rate == 0.8
    assert back.standards.zoning.min_households == 300
    assert back.siting == SitingParameters(budget_wan=1234.5, max_sites=3)
    assert_plans_equal(plan, load_plan(path))


def test_empty_result_layers_declare_their_geometry_type(tmp_path: object) -> None:
    # nothing eligible and no streets: no zone, no planned facility; an empty layer typed
    # "Unknown" is one ArcGIS may not add as a feature layer
    plan = run_plan(Scenario(layers={"communities": block_grid(3, built_year=2010)},
                             standards=load_standards()))
    path = save_plan(plan, tmp_path / "e.gpkg")  # type: ignore[operator]
    types = {row[0]: row[1] for row in pyogrio.list_layers(path)}
    assert types["zones"] == "MultiPolygon" and types["planned_facilities"] == "Point"
    assert_plans_equal(plan, load_plan(path))


def test_unknown_population_is_blank_not_zero() -> None:
    # OpenStreetMap compounds have no population: a zone's 人口 and the elderly reached are
    # unknown, not 0; a zone where only some compounds give it is not summed from the others
    from planning.export_tables import summary_tables

    grid = block_grid(3, households=300)
    grid["population"] = grid["population"].astype(float)
    plan = run_plan(Scenario(layers={"communities": grid.assign(population=np.nan)},
                             standards=load_standards()))
    zones = summary_tables(plan)["zones"]
    assert len(zones) and zones["人口"].isna().all()
    assert plan.coverage_after["elderly_total"].isna().all()
    grid.loc["C00", "population"] = np.nan
    plan = run_plan(Scenario(layers={"communities": grid}, standards=load_standards()))
    zones = summary_tables(plan)["zones"].set_index("片区编号")
    with_c00 = plan.communities.loc["C00", "zone_id"]
    assert pd.isna(zones.loc[with_c00, "人口"])
    others = plan.communities[plan.communities["zone_id"].ne(with_c00)
                              & plan.communities["zone_id"].notna()]
    for zone_id, members in others.groupby("zone_id"):
        assert zones.loc[zone_id, "人口"] == grid.loc[members.index, "population"].sum()
    assert (plan.coverage_after["elderly_total"] > 0).all()


def test_compounds_included_with_unknown_values_say_so_in_the_plan(tmp_path: object) -> None:
    grid = block_grid(3).assign(built_year=np.nan)
    std = load_standards().replace(eligibility={"include_unknown": True})
    plan = run_plan(Scenario(layers={"communities": grid}, standards=std))
    out = plan.communities
    assert out["zone_id"].notna().all()
    assert out["eligibility_note"].str.contains("建成年代").all()
    assert out["eligibility_note_en"].str.contains("built year").all()
    from planning.export_tables import summary_tables  # and the compounds sheet says so too

    assert summary_tables(plan)["compounds"]["纳入说明"].str.contains("建成年代").all()
    assert summary_tables(plan, lang="en")["compounds"]["Eligibility note"].str.contains(
        "built year").all()
    assert "纳入说明" not in summary_tables(run_plan(Scenario(
        layers={"communities": block_grid(3)}, standards=load_standards())))["compounds"]
    assert_plans_equal(plan, load_plan(save_plan(plan, tmp_path / "u.gpkg")))  # type: ignore


def test_standards_toml_text_round_trips_and_is_readable() -> None:
    std = load_standards().replace(cost={"per_household_wan": 1.2})
    text = standards_to_toml(std)
    assert "[[life_circle]]" in text and 'label_zh = "5分钟生活圈"' in text
    assert standards_from_toml(text, source=std.source) == std


def test_loading_a_file_that_is_not_a_plan_says_so(tmp_path: object) -> None:
    path = tmp_path / "x.gpkg"  # type: ignore[operator]
    block_grid(1).to_file(path, layer="communities")
    with pytest.raises(ScenarioError, match="not a Pianqu plan"):
        load_plan(path)
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "missing.gpkg")  # type: ignore[operator]


@pytest.mark.slow
def test_sample_district_runs_and_round_trips(sample_layers: dict[str, gpd.GeoDataFrame],
                                              tmp_path: object) -> None:
    plan = run_plan(Scenario(layers=sample_layers, standards=load_standards(), seed=1))
    out = plan.communities
    assert len(out) == len(sample_layers["communities"])
    assert (out["zone_id"].notna() | out["excluded_reason"].notna()).all()
    # a group that joined a zone across a gap says so, naming the zone it joined
    joined = out[out["zone_note_en"].fillna("").str.contains("joined")]
    assert len(joined)  # the sample has such groups (seed 1)
    for zone_id, zh, en in zip(joined["zone_id"], joined["zone_note"], joined["zone_note_en"],
                               strict=True):
        assert f"并入{zone_id}" in zh and f"joined {zone_id}" in en
    assert_plans_equal(plan, load_plan(save_plan(plan, tmp_path / "s.gpkg")))  # type: ignore


def test_planner_overrides_apply_and_survive_the_round_trip(tmp_path: object) -> None:
    from planning.eligibility import read_overrides

    overrides = read_overrides(pd.DataFrame({"编号": ["C00", "C11"], "操作": ["纳入", "排除"],
                                             "备注": ["街道申请纳入", "已列入拆迁计划"]}))
    scenario = _grid_scenario(overrides=overrides)
    plan = run_plan(scenario)
    out = plan.communities
    assert out.loc["C00", "override"] == "force_in" and bool(out.loc["C00", "eligible"])
    assert out.loc["C11", "zone_id"] is None and out.loc["C11", "override"] == "force_out"
    assert "已列入拆迁计划" in str(out.loc["C11", "override_note"])
    path = save_plan(plan, tmp_path / "o.gpkg")  # type: ignore[operator]
    back = load_scenario(path)
    assert back.overrides is not None
    assert_frame_equal(back.overrides, overrides)
    assert_plans_equal(plan, run_plan(back))


def test_saving_the_same_plan_twice_gives_the_same_bytes(grid_plan: Plan,
                                                         tmp_path: object) -> None:
    a = save_plan(grid_plan, tmp_path / "a.gpkg").read_bytes()  # type: ignore[operator]
    b = save_plan(grid_plan, tmp_path / "b.gpkg").read_bytes()  # type: ignore[operator]
    assert a == b


def test_an_explicit_analysis_crs_is_used_and_saved(tmp_path: object) -> None:
    grid = block_grid(2)
    scenario = Scenario(layers={"communities": grid}, standards=load_standards(),
                        crs="EPSG:32649")  # UTM 49N: metres, as for data outside China
    plan = run_plan(scenario)
    assert plan.crs.to_epsg() == 32649 and plan.communities.crs.to_epsg() == 32649
    path = save_plan(plan, tmp_path / "u.gpkg")  # type: ignore[operator]
    assert load_scenario(path).crs == "EPSG:32649"
    assert_plans_equal(plan, load_plan(path))
    with pytest.raises(LayerValidationError, match="not a CRS"):
        run_plan(Scenario(layers={"communities": grid}, standards=load_standards(),
                          crs="EPSG:999999"))
    with pytest.raises(CRSError, match="degree"):
        run_plan(Scenario(layers={"communities": grid}, standards=load_standards(),
                          crs="EPSG:4326"))


def test_siting_step_names_the_solver_status_and_a_heuristic_gap(monkeypatch) -> None:
    import dataclasses

    import planning.scenario

    layers = {"communities": block_grid(4), "facilities": points([(50, 50)])}
    plan = run_plan(Scenario(layers=layers, standards=load_standards()))
    assert plan.steps["siting"] == "done (optimal)"
    real = planning.scenario.plan_facilities
    monkeypatch.setattr(planning.scenario, "plan_facilities", lambda *a, **k: dataclasses.replace(
        real(*a, **k), status="heuristic", gap=0.0033))
    plan = run_plan(Scenario(layers=layers, standards=load_standards(), seed=1))
    assert plan.steps["siting"] == "done (heuristic, gap 0.33%)"
