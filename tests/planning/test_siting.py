"""plan_facilities on the synthetic 4x4 grid (hand-worked reach) and on the sample district.

Distances on the grid are straight lines x 1.3 (no network) unless a test says otherwise, so
reach can be worked by hand: the charger threshold is 5 min x 75 m/min = 375 m of walking, i.e.
375 / 1.3 = 288.5 m of straight line from the compound's outline.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.errors import LayerValidationError, ScenarioError
from planning.siting import plan_facilities, reason_in, unserved_summary
from planning.siting_candidates import build_candidates, parse_kinds, site_zones
from planning.standards import load_standards
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points


@pytest.fixture
def std():
    return load_standards()


def _sites(rows):
    """rows: (site_id, x, y, kinds, capacity, cost) with x, y offsets from the grid origin."""
    return gpd.GeoDataFrame(
        {"site_id": [r[0] for r in rows], "kinds": [r[3] for r in rows],
         "name": [f"点{r[0]}" for r in rows], "capacity": [r[4] for r in rows],
         "cost": [r[5] for r in rows],
         "geometry": [Point(ORIGIN_X + r[1], ORIGIN_Y + r[2]) for r in rows]},
        crs=CRS_GK).set_index("site_id")


def _zoned(grid):
    # columns 0-1 are zone Z1, columns 2-3 zone Z2
    return grid.assign(zone_id=["Z1" if cid[2] in "01" else "Z2" for cid in grid.index])


# Site S1 sits in the street between columns 1 and 2 of row 0, 5 m from C01 (zone Z1).
IN_REACH_Z1 = {"C00", "C01", "C10", "C11", "C20", "C21"}
IN_REACH_Z2 = {"C02", "C03", "C12", "C13", "C22", "C23"}


def _reason(result, cid, kind="ev_charger"):
    u = result.unserved
    row = u[(u["community_id"] == cid) & (u["kind"] == kind)]
    return row["reason"].iloc[0] if len(row) else None


def test_zone_rule_keeps_service_inside_the_zone(std):
    grid = block_grid(4)  # 200 households, 0 chargers: 30 chargers missing each
    sites = _sites([("S1", 225, 50, "ev_charger", 1000.0, 10.0)])
    ruled = plan_facilities(_zoned(grid), sites, standards=std, kinds=["ev_charger"],
                            max_sites=1, coverage=False)
    served = ruled.demand["served_ev_charger"]
    assert set(served.index[served > 0]) == IN_REACH_Z1
    assert ruled.planned["zone_id"].tolist() == ["Z1"]
    assert ruled.planned["demand_served"].iloc[0] == pytest.approx(6 * 30.0)
    for cid in IN_REACH_Z2:
        assert "zone rule" in _reason(ruled, cid)
    assert "5 min walk" in _reason(ruled, "C30")
    # without zones the same site serves every compound within reach
    free = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                           coverage=False)
    served = free.demand["served_ev_charger"]
    assert set(served.index[served > 0]) == IN_REACH_Z1 | IN_REACH_Z2


def test_compounds_outside_every_zone_are_listed_not_planned(std):
    grid = _zoned(block_grid(4))
    grid.loc["C00", "zone_id"] = None
    sites = _sites([("S1", 225, 50, "ev_charger", 1000.0, 10.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                             coverage=False)
    assert result.demand.loc["C00", "served_ev_charger"] == 0.0
    assert "not in a renovation zone" in _reason(result, "C00")
    # nothing is lost: every compound is in the demand table
    assert result.demand.index.equals(grid.index)


def test_households_served_add_up_when_sites_share_a_compound(std):
    # one compound whose charger demand neither site holds alone: both serve it, and its
    # households are counted once between them, not once at each
    grid = block_grid(1, households=400)
    demand = plan_facilities(grid, None, standards=std, kinds=["ev_charger"], max_sites=0,
                             generate="never", coverage=False).demand["demand_ev_charger"]
    cap = float(demand.iloc[0]) * 0.6
    sites = _sites([("S1", 50, -10, "ev_charger", cap, 10.0),
                    ("S2", -10, 50, "ev_charger", cap, 10.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=2,
                             model="capacitated", generate="never", coverage=False)
    planned = result.planned
    assert len(planned) == 2 and (planned["compounds_served"] == 1).all()
    assert planned["demand_served"].sum() == pytest.approx(float(demand.iloc[0]))
    assert planned["households_served"].sum() == pytest.approx(400.0)
    assert planned["households_served"].tolist() == pytest.approx(
        (400.0 * planned["demand_served"] / float(demand.iloc[0])).tolist())


def test_capacity_limits_what_a_site_serves(std):
    grid = block_grid(4)
    sites = _sites([("S1", 225, 50, "ev_charger", 50.0, 10.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                             model="capacitated", coverage=False)
    assert result.planned["demand_served"].iloc[0] == pytest.approx(50.0)
    assert result.demand["served_ev_charger"].sum() == pytest.approx(50.0)
    assert not result.planned["over_capacity"].any()
    full = result.unserved[result.unserved["reason"].str.contains("full")]
    assert set(full["community_id"]) <= IN_REACH_Z1 | IN_REACH_Z2
    # the uncapacitated MCLP serves whole compounds and flags the overload
    mclp = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                           coverage=False)
    assert mclp.planned["over_capacity"].iloc[0]


def test_budget_picks_the_best_affordable_site(std):
    grid = block_grid(4)
    # S1 (row 0 street) reaches 12 compounds; S2 (far corner street) reaches fewer; S3 is
    # the best but costs more than the budget.
    sites = _sites([("S1", 225, 50, "ev_charger", 1000.0, 10.0),
                    ("S2", 470, 470, "ev_charger", 1000.0, 10.0),
                    ("S3", 230, 230, "ev_charger", 1000.0, 30.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], budget_wan=20,
                             coverage=False)
    assert result.planned["cost"].sum() <= 20
    assert set(result.planned["site_id"]) == {"S1", "S2"}
    rich = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], budget_wan=30,
                           max_sites=1, coverage=False)
    assert rich.planned["site_id"].tolist() == ["S3"]  # the centre reaches all 16
    assert rich.demand["served_ev_charger"].sum() == pytest.approx(16 * 30.0)


def test_budget_zero_gives_a_plan_with_reasons(std):
    grid = block_grid(2)
    sites = _sites([("S1", 110, 110, "ev_charger", 1000.0, 10.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], budget_wan=0,
                             coverage=False)
    assert len(result.planned) == 0
    assert len(result.unserved) == 4
    assert result.unserved["reason"].str.contains("budget").all()


def test_no_site_for_a_kind_gives_reasons(std):
    grid = block_grid(2)
    # generated candidates need 1e9 m² of ground: none qualifies, and no parking lots exist
    tight = std.replace(demand={"min_generated_site_area_m2": 1e9})
    sites = _sites([("S1", 110, 110, "ev_charger", 1000.0, 10.0)])
    result = plan_facilities(grid, sites, standards=tight, kinds=["ev_charger", "parking"],
                             max_sites=2, coverage=False)
    assert set(result.planned["kind"]) == {"ev_charger"}
    parking = result.unserved[result.unserved["kind"] == "parking"]
    assert len(parking) == 4
    assert parking["reason"].str.contains("no candidate site for this kind").all()
    assert result.notes  # says that generation was tried


def test_demand_above_all_capacity(std):
    grid = block_grid(2)  # 4 x 30 = 120 chargers missing
    sites = _sites([("S1", 110, 110, "ev_charger", 20.0, 10.0),
                    ("S2", 110, 0, "ev_charger", 25.0, 5.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"],
                             model="min_sites", coverage=False)
    assert set(result.planned["site_id"]) == {"S1", "S2"}
    assert result.demand["served_ev_charger"].sum() == pytest.approx(45.0)
    assert result.unserved["unserved"].sum() == pytest.approx(75.0)
    assert result.unserved["reason"].str.contains("full").all()
    # and the plan says why no choice of sites could do better, and what would
    [note] = [n for n in result.notes if "hold" in n]
    assert note.startswith("充电桩：片区内需求 120 个充电桩，全部 2 处候选点容量合计 45，"
                           "最多满足 38%")
    assert "all 2 candidate sites hold 45 together, 38% of it at most" in note
    # a plan that can serve it all says nothing of the kind
    roomy = sites.assign(capacity=[100.0, 100.0])
    assert not any("hold" in n for n in plan_facilities(
        grid, roomy, standards=std, kinds=["ev_charger"], model="min_sites",
        coverage=False).notes)


def test_min_sites_covers_everything_coverable_at_least_cost(std):
    grid = block_grid(4)
    sites = _sites([("S1", 225, 50, "ev_charger", 1000.0, 10.0),
                    ("S2", 225, 410, "ev_charger", 1000.0, 10.0),
                    ("S3", 230, 230, "ev_charger", 1000.0, 25.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"],
                             model="min_sites", coverage=False)
    # S1 + S2 (cost 20) reach all 16 compounds as S3 alone (cost 25) does: S1 + S2 is cheaper
    assert set(result.planned["site_id"]) == {"S1", "S2"}
    assert result.demand["served_ev_charger"].sum() == pytest.approx(16 * 30.0)
    assert len(result.unserved) == 0


def test_no_limit_falls_back_to_min_sites_and_says_so(std):
    grid = block_grid(2)
    sites = _sites([("S1", 110, 110, "ev_charger", 1000.0, 10.0),
                    ("S2", 105, 110, "ev_charger", 1000.0, 12.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], coverage=False)
    assert result.planned["site_id"].tolist() == ["S1"]
    assert any("fewest sites serving all the demand" in n for n in result.notes)
    assert result.solves["model"].tolist() == ["min_sites"]


def test_a_solve_stopped_by_its_time_limit_says_a_rerun_may_differ(std, monkeypatch):
    import planning.siting_models as models

    grid = block_grid(2)
    sites = _sites([("S1", 110, 110, "ev_charger", 1000.0, 10.0),
                    ("S2", 105, 110, "ev_charger", 1000.0, 12.0)])
    plain = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], coverage=False,
                            time_limit_s=45)
    assert not any("time limit" in n for n in plain.notes)  # solved to optimality: no word

    def stopped(*args, **kwargs):  # as if HiGHS had been cut off with this plan in hand
        x, _, _ = run_milp(*args, **kwargs)
        return x, "time_limit", -np.inf  # before its root: no bound

    run_milp = models._run_milp
    monkeypatch.setattr(models, "_run_milp", stopped)
    monkeypatch.setattr(models, "_min_start", lambda *a, **k: (-np.inf, None, ""))  # nor an LP
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], coverage=False,
                             time_limit_s=45)
    assert result.solves["status"].tolist() == ["time_limit"]
    note = next(n for n in result.notes if "time limit" in n)
    assert note.startswith("充电桩的求解在时限 45 秒内未证明最优")
    assert "EV charger: the solver stopped at its 45 s time limit" in note
    assert "--time-limit" in reason_in(note, "en") and "--time-limit" in reason_in(note, "zh")


def test_generated_candidates_are_marked(std):
    grid = block_grid(2)
    lots = points([(110, 230), (-50, -50)], kind="parking").assign(name=["南门停车场", None])
    result = plan_facilities(grid, None, standards=std, facilities=lots,
                             kinds=["parking", "elderly_care"], max_sites=1, coverage=False)
    cands = result.candidates
    assert cands["generated"].all()
    parking = cands[cands["kind"] == "parking"]
    # four compound grounds (100 x 100 m >= 3,000 m²) plus the existing lots F0 and F1
    assert sorted(parking["site_id"]) == ["G-C00", "G-C01", "G-C10", "G-C11", "G-F0", "G-F1"]
    assert "existing parking lot F0" in parking.loc["G-F0:parking", "generated_from"]
    # named after the lot when it has a name, else after its id
    assert parking.loc["G-F0:parking", "name"] == "南门停车场"
    assert parking.loc["G-F1:parking", "name"] == "现有停车场F1"
    assert "G-F0" not in set(cands.loc[cands["kind"] == "elderly_care", "site_id"])
    assert result.planned["generated"].all()
    assert result.planned.groupby("kind").size().to_dict() == {"elderly_care": 1, "parking": 1}
    # a generated site on a compound's ground takes its default capacity and unit cost
    row = cands.loc["G-C00:elderly_care"]
    assert row["capacity"] == 350.0 and row["cost"] == pytest.approx(350 * 0.4)


def test_planner_sites_with_several_kinds_and_defaults(std):
    sites = _sites([("S1", 110, 110, "停车场，ev_charger", np.nan, np.nan)])
    cands, notes = build_candidates(block_grid(2), sites, None, standards=std,
                                    kinds=["ev_charger", "parking"])
    assert sorted(cands.index) == ["S1:ev_charger", "S1:parking"]
    assert cands.loc["S1:parking", "capacity"] == 100.0
    assert cands.loc["S1:ev_charger", "cost"] == pytest.approx(20 * 0.5)
    assert not cands["generated"].any()
    # the planner is told which sites the standards filled in, once per site
    assert notes == ["1 个候选点未填容量，按标准默认值计（S1）/ 1 site with no capacity (S1): "
                     "the standards' default was used",
                     "1 个候选点未填造价，按标准默认值计（S1）/ 1 site with no cost (S1): the "
                     "standards' default was used"]
    full = _sites([("S1", 110, 110, "停车场", 80.0, 12.0)])
    assert build_candidates(block_grid(2), full, None, standards=std, kinds=["parking"])[1] == []


def test_unknown_kinds_in_sites_are_listed(std):
    sites = _sites([("S1", 0, 0, "spa", 1.0, 1.0), ("S2", 0, 0, "parking", 1.0, 1.0),
                    ("S3", 0, 0, None, 1.0, 1.0)])
    with pytest.raises(LayerValidationError) as info:
        build_candidates(block_grid(2), sites, None, standards=std)
    assert info.value.problems[0].rows == ("S1", "S3")


def test_parse_kinds_aliases():
    assert parse_kinds("养老；充电桩") == (["elderly_care", "ev_charger"], [])
    assert parse_kinds(None) == ([], [])


def test_site_zone_from_polygon_before_nearest_compound():
    grid = _zoned(block_grid(4))
    zones = gpd.GeoDataFrame(
        {"zone_id": ["Z1", "Z2"]},
        geometry=[box(ORIGIN_X - 10, ORIGIN_Y - 10, ORIGIN_X + 232, ORIGIN_Y + 470),
                  box(ORIGIN_X + 232, ORIGIN_Y - 10, ORIGIN_X + 470, ORIGIN_Y + 470)],
        crs=CRS_GK)
    # 11 m from C01 (Z1), 9 m from C02 (Z2), inside the Z1 polygon
    cands = _sites([("A", 231, 50, "parking", 1.0, 1.0), ("B", 600, 50, "parking", 1.0, 1.0)])
    got = site_zones(cands, grid, grid["zone_id"], zones)
    assert got.tolist() == ["Z1", "Z2"]  # B is outside both polygons: nearest compound C03
    assert site_zones(cands, grid, grid["zone_id"], None).tolist() == ["Z2", "Z2"]


def test_kinds_share_one_budget(std):
    grid = block_grid(2)
    sites = _sites([("E", 110, 110, "elderly_care", 1000.0, 10.0),
                    ("P", 110, 105, "parking", 1000.0, 10.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["elderly_care", "parking"],
                             budget_wan=10, coverage=False)
    assert len(result.planned) == 1  # one budget for both kinds
    assert result.solves["kinds"].tolist() == ["elderly_care,parking"]
    both = plan_facilities(grid, sites, standards=std, kinds=["elderly_care", "parking"],
                           budget_wan=20, coverage=False)
    assert len(both.planned) == 2


def test_bad_parameters_raise_once(std):
    grid = block_grid(2)
    with pytest.raises(ScenarioError) as info:
        plan_facilities(grid, None, standards=std, model="pmedian", kinds=["clinic"],
                        budget_wan=-1)
    text = str(info.value)
    assert "pmedian" in text and "clinic" in text and "budget" in text
    # Chinese first, as every message a planner reads
    assert "未知选址模型" in text and "不能选址" in text and "预算不能为负" in text
    with pytest.raises(ScenarioError, match="min_sites"):
        plan_facilities(grid, None, standards=std, model="min_sites", max_sites=2)


def test_same_inputs_same_plan(std):
    grid = _zoned(block_grid(4, households=lambda r, c: 100 + 37 * r + 11 * c))
    a = plan_facilities(grid, None, standards=std, max_sites=2, coverage=False)
    b = plan_facilities(grid, None, standards=std, max_sites=2, coverage=False)
    pd.testing.assert_frame_equal(a.planned.drop(columns="geometry"),
                                  b.planned.drop(columns="geometry"))
    pd.testing.assert_frame_equal(a.unserved, b.unserved)


def test_network_distances_and_coverage_before_after(std):
    grid = block_grid(4)
    streets = lattice_streets(5)
    existing = points([(110, 110)], kind="ev_charger")
    sites = _sites([("S1", 350, 350, "ev_charger", 1000.0, 10.0)])
    result = plan_facilities(grid, sites, standards=std, facilities=existing, network=streets,
                             kinds=["ev_charger"], max_sites=1)
    assert result.distance_method == "network"
    ba = result.before_after
    assert ba["minutes"].tolist() == [5, 10, 15]
    assert (ba["households_total"] == 16 * 200).all()
    assert (ba["households_after"] >= ba["households_before"]).all()
    assert ba.loc[0, "households_after"] > ba.loc[0, "households_before"]
    # every compound served is within 375 m of walking of the site along the lattice
    served = result.demand.index[result.demand["served_ev_charger"] > 0]
    assert "C33" in served and "C00" not in served


@pytest.mark.slow
def test_sample_district_from_the_command_line(tmp_path, sample_layers):
    from planning.cli import main

    code = main(["siting", "--out", str(tmp_path), "--max-sites", "2", "--time-limit", "20"])
    assert code == 0
    planned = gpd.read_file(tmp_path / "planned_facilities.gpkg", layer="planned_facilities")
    assert planned.groupby("kind").size().max() <= 2
    assert set(planned["kind"]) <= {"ev_charger", "parking", "elderly_care"}
    assert set(planned["site_id"]) <= set(sample_layers["sites"].index)
    raw = (tmp_path / "unserved.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    unserved = pd.read_csv(tmp_path / "unserved.csv", encoding="utf-8-sig")
    assert set(unserved["community_id"]) <= set(sample_layers["communities"].index)
    ba = pd.read_csv(tmp_path / "coverage_before_after.csv", encoding="utf-8-sig")
    assert len(ba) == 9 and (ba["households_after"] >= ba["households_before"]).all()
    solves = pd.read_csv(tmp_path / "solves.csv", encoding="utf-8-sig")
    assert (solves["status"] == "optimal").all()
    # amounts to the hundredth, not 20.099999999999998
    for col in ("demand", "served", "unserved"):
        assert (unserved[col].round(2) == unserved[col]).all()


@pytest.mark.slow
def test_command_line_takes_chinese_kinds_and_warns_of_sites_over_capacity(tmp_path, capsys):
    from planning.cli import main

    code = main(["siting", "--out", str(tmp_path), "--kinds", "充电桩，停车场", "--budget",
                 "2000", "--time-limit", "20"])
    assert code == 0
    out = capsys.readouterr().out
    planned = gpd.read_file(tmp_path / "planned_facilities.gpkg", layer="planned_facilities")
    assert set(planned["kind"]) == {"ev_charger", "parking"}
    # maximal coverage counts the demand in reach, not what a site holds: say so, by site
    over = int(planned["over_capacity"].sum())
    assert over > 0
    assert f"注意 note: {over} 处设施的服务需求超过其容量" in out
    assert "--model capacitated" in out
    assert "充电桩 ev_charger | " in out and "| 个充电桩" in out and "| 个车位" in out
    assert "Running HiGHS" not in out
    assert main(["siting", "--out", str(tmp_path), "--kinds", "充电桩,游泳池"]) == 2
    assert "--kinds: 无法识别 / not a kind: 游泳池;" in capsys.readouterr().err


def test_candidates_say_how_many_compounds_they_reach(std):
    grid = _zoned(block_grid(4))
    sites = _sites([("NEAR", 110, 50, "ev_charger", 50.0, 1.0),
                    ("FAR", 30_000, 30_000, "ev_charger", 50.0, 1.0)])
    result = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=2,
                             coverage=False)
    c = result.candidates.set_index("site_id")
    assert c.loc["FAR", "compounds_in_reach"] == 0 and not c.loc["FAR", "selected"]
    # brute force: the compounds of NEAR's own zone within the walking standard, with demand
    m = std.walking.metres_per_minute * std.kinds["ev_charger"].threshold_minutes
    d = grid.geometry.distance(sites.loc["NEAR"].geometry) * std.walking.detour_factor
    zone = c.loc["NEAR", "zone_id"]
    want = result.demand["demand_ev_charger"] > 0
    expected = int(((d <= m) & (grid["zone_id"] == zone) & want).sum())
    assert expected > 0 and c.loc["NEAR", "compounds_in_reach"] == expected


def test_site_limit_per_zone(std):
    grid = _zoned(block_grid(4))
    sites = _sites([("A", 110, 50, "ev_charger", 1000.0, 1.0),
                    ("B", 110, 410, "ev_charger", 1000.0, 1.0),
                    ("C", 350, 50, "ev_charger", 1000.0, 1.0),
                    ("D", 350, 410, "ev_charger", 1000.0, 1.0)])
    district = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                               coverage=False)
    assert len(district.planned) == 1
    zoned = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=1,
                            per_zone=True, coverage=False)
    assert sorted(zoned.planned["zone_id"]) == ["Z1", "Z2"]
    assert any("zone's site limit" in r for r in zoned.unserved["reason"])


def test_generate_always_adds_to_the_planners_sites(std):
    grid = block_grid(2)
    sites = _sites([("S1", 110, 110, "parking", 10.0, 1.0)])
    only, _ = build_candidates(grid, sites, None, standards=std, kinds=["parking"])
    assert only.index.tolist() == ["S1:parking"]
    both, notes = build_candidates(grid, sites, None, standards=std, kinds=["parking"],
                                   generate="always")
    assert len(both) == 5 and both["generated"].sum() == 4 and notes
    never, _ = build_candidates(grid, None, None, standards=std, kinds=["parking"],
                                generate="never")
    assert len(never) == 0
    with pytest.raises(ScenarioError):
        build_candidates(grid, sites, None, standards=std, generate="sometimes")


def test_a_planner_adds_a_site_and_reruns(std):
    from planning.siting_candidates import add_site

    grid = block_grid(4)
    sites = _sites([("S1", 110, 50, "ev_charger", 1000.0, 1.0)])
    first = plan_facilities(grid, sites, standards=std, kinds=["ev_charger"], max_sites=2,
                            coverage=False)
    assert "5 min walk" in _reason(first, "C33")
    more = add_site(sites, Point(ORIGIN_X + 350, ORIGIN_Y + 410), kinds="充电桩", capacity=500)
    assert more.index.tolist() == ["S1", "S002"]
    assert more.loc["S002", "kinds"] == "ev_charger" and np.isnan(more.loc["S002", "cost"])
    second = plan_facilities(grid, more, standards=std, kinds=["ev_charger"], max_sites=2,
                             coverage=False)
    assert set(second.planned["site_id"]) == {"S1", "S002"}
    assert second.demand.loc["C33", "served_ev_charger"] == pytest.approx(30.0)
    # the drawn site has no cost: capacity x the charger unit cost
    assert second.planned.loc["S002:ev_charger", "cost"] == pytest.approx(500 * 0.5)
    with pytest.raises(LayerValidationError):
        add_site(sites, Point(0, 0), kinds="spa", cost=-1)


def test_add_site_to_the_sample_layer(sample_layers):
    from planning.siting_candidates import add_site

    sites = sample_layers["sites"]
    out = add_site(sites, sites.geometry.iloc[0], kinds="parking,ev_charger", cost=12.0)
    assert len(out) == len(sites) + 1 and out.index.is_unique
    assert out.crs == sites.crs and out.iloc[-1]["cost"] == 12.0


def test_unserved_demand_is_summed_by_kind_and_reason_in_the_planners_language():
    unserved = pd.DataFrame({
        "community_id": ["C1", "C2", "C3", "C1", "C4"],
        "kind": ["parking", "parking", "parking", "elderly_care", "parking"],
        "zone_id": ["Z1", "Z1", "Z2", "Z1", None],
        "demand": [10.0, 5.0, 8.0, 20.0, 3.0], "served": [0.0, 1.0, 0.0, 5.0, 0.0],
        "unserved": [10.0, 4.0, 8.0, 15.0, 3.0],
        "reason": ["可达设施容量已满 / the open sites within reach are full",
                   "步行5分钟内无候选点 / no candidate site within 5 min walk",
                   "可达设施容量已满 / the open sites within reach are full",
                   "预算已用尽 / the budget (100 万元) is spent",
                   "未纳入改造片区 / not in a renovation zone"]})
    zh = unserved_summary(unserved)
    assert zh.to_dict("list") == {
        "kind": ["parking", "parking", "parking", "elderly_care"],
        "reason": ["可达设施容量已满", "步行5分钟内无候选点", "未纳入改造片区", "预算已用尽"],
        "compounds": [2, 1, 1, 1], "unserved": [18.0, 4.0, 3.0, 15.0]}
    en = unserved_summary(unserved, "en")
    assert en["reason"].iloc[-1] == "the budget (100 万元) is spent"
    assert en["unserved"].sum() == unserved["unserved"].sum()
    assert list(unserved_summary(unserved.iloc[:0]).columns) == ["kind", "reason", "compounds",
                                                                 "unserved"]
    assert reason_in("no slash here", "en") == "no slash here"
