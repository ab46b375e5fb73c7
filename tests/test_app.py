"""The app's page flow with Streamlit's AppTest, plus the upload rules and ui doctests.

Page-flow tests run on a small synthetic district put in the session (fast); one slow test opens
the bundled sample district as a planner does.
"""

from __future__ import annotations

import doctest
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import ui.i18n
import ui.pipeline
import ui.uploads
from tests.factories import CRS_GK, ORIGIN_X, ORIGIN_Y, block_grid, lattice_streets, points
from ui.uploads import UploadError, safe_extract, save_upload

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
XSS = "<img src=x onerror=alert(1)>"


def _grid_layers() -> dict[str, gpd.GeoDataFrame]:
    g = block_grid(4)
    g.loc["C00", "built_year"] = 2010  # one compound not eligible
    g.loc["C11", "name"] = XSS
    fac = points([(50, 50), (300, 300)])
    return {"communities": g, "streets": lattice_streets(5), "facilities": fac}


def _app(layers: dict[str, gpd.GeoDataFrame] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if layers is not None:
        at.session_state["layers"] = layers
        at.session_state["data_key"] = "grid4"
    return at


def _site(site_id: str, kinds: str, xy: tuple[float, float], *, capacity: float,
          cost: float = 10.0) -> gpd.GeoDataFrame:
    """One candidate site at ``xy`` metres from the grid's origin."""
    return gpd.GeoDataFrame({"kinds": [kinds], "capacity": [capacity], "cost": [cost]},
                            geometry=[points([xy]).geometry.iloc[0]], crs=CRS_GK,
                            index=pd.Index([site_id], name="site_id"))


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return str(m.value)
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


# -- page flow ------------------------------------------------------------------------------


def test_data_page_shows_the_layers_in_chinese_then_english() -> None:
    at = _app(_grid_layers())
    at.run()
    assert not at.exception
    assert at.title[0].value == "数据"
    assert _metric(at, "小区数") == "16"
    assert _metric(at, "总户数") == f"{16 * 200:,}"
    assert _metric(at, "现有设施") == "2"
    # its two facilities are elderly care: the required kinds that siting does not add are
    # missing, and the page says so before any plan
    from planning.demand import SITED_KINDS
    from planning.standards import load_standards

    lacking = [k for k, spec in load_standards().kinds.items()
               if spec.required and k not in SITED_KINDS]
    assert set(_grid_layers()["facilities"]["kind"]) == {"elderly_care"} and lacking
    names = "、".join(ui.i18n.kind_label(k, "zh") for k in lacking)
    assert any(f"现有设施中没有{names}：" in w.value for w in at.warning)
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert _metric(at, "Compounds") == "16"


def test_basemaps_offline_by_default_and_tianditu_needs_a_key() -> None:
    at = _app(_grid_layers())
    at.run()
    assert at.selectbox(key="basemap_zh").value == "none"
    at.selectbox(key="basemap_zh").set_value("tianditu").run()
    assert not at.exception
    assert any("密钥" in w.value for w in at.warning)  # no key: told, and no basemap drawn
    at.text_input(key="tianditu_key").set_value("abc").run()
    # the key's warning is gone; what is left is the grid's facilities lacking some kinds
    assert not at.exception and [w.value[:7] for w in at.warning] == ["现有设施中没有"]
    at.selectbox(key="basemap_zh").set_value("amap").run()  # GCJ-02: layers shifted, no error
    assert not at.exception
    assert any("联网" in c.value for c in at.caption)


def test_zoning_page_runs_the_plan_and_lists_zones_and_exclusions() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "片区划分"
    from planning.scenario import Scenario, run_plan
    from planning.standards import load_standards

    plan = run_plan(Scenario(layers=_grid_layers(), standards=load_standards(), seed=0))
    assert _metric(at, "片区数") == str(len(plan.zones))
    n_in = int(plan.communities["zone_id"].notna().sum())
    assert _metric(at, "纳入改造小区") == str(n_in)
    assert _metric(at, "未纳入小区") == str(16 - n_in)
    assert 16 - n_in >= 1  # C00, built 2010
    # Zone table and the exclusions table, with Chinese headers from geo.schema.
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == len(plan.zones) for f in frames)
    excluded = next(f for f in frames if "未纳入原因" in f.columns)
    assert "C00" in excluded.index and "户数" in excluded.columns
    # the reasons counted above the table; no warning: nothing is missing and zones exist
    assert "按原因（一个小区可有多个原因）：建成于2001年或以后 1 个" in _texts(at)
    assert not at.warning


def test_compounds_without_eligibility_data_are_flagged_on_upload_and_in_zoning() -> None:
    g = block_grid(4).to_crs(4326)
    g.loc["C02", "built_year"] = None
    at = _app()
    at.run()
    assert not at.warning  # the sample has every built year and consent rate
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.geojson", g.drop(columns="consent_rate").to_json()
                                   .encode(), "application/geo+json"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    eligibility, facilities = (w.value for w in at.warning)  # no facilities were uploaded
    assert eligibility == (
        "建成年代未知的小区 1 个，居民同意率未知的 16 个：无法判断是否符合改造条件，"
        "规划时将列为未纳入。请在小区图层中补填“建成年代”和“居民同意率”（无此列则添加），"
        "或在“片区划分”页勾选“纳入建成年代或同意率未知的小区”。")
    assert facilities.startswith("现有设施中没有")
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "片区数") == "0"
    (warning,) = at.warning
    assert warning.value.startswith("有小区缺少改造条件所需的数据")
    assert "- 建成年代未知 1 个：在小区图层中补填这些小区的“建成年代”" in warning.value
    assert "- 居民同意率未知 16 个：" in warning.value
    at.radio(key="lang").set_value("en").run()
    (warning,) = at.warning
    assert "- consent rate unknown: 16; fill in these compounds" in warning.value
    at.switch_page("ui/pages/siting.py").run()  # nothing to site, and it says why
    assert not at.exception, [e.value for e in at.exception]
    assert [i.value for i in at.info] == [
        "No compound is in a zone, so no facility was sited. The Zoning page says why "
        "compounds were left out."]


def test_changing_a_parameter_changes_the_plan() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/zoning.py").run()
    before = int(_metric(at, "未纳入小区"))
    # Only compounds built before 1980 qualify now: every grid compound (1990) drops out.
    at.number_input[0].set_value(1980)
    at.button[0].click().run()
    assert not at.exception
    assert int(_metric(at, "未纳入小区")) == 16 > before
    assert _metric(at, "片区数") == "0"


def test_siting_page_shows_status_planned_table_and_before_after() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "设施选址"
    assert "求解状态：最优解" in _texts(at)  # in Chinese, not the step's "done (optimal)"
    # what the run decided for the planner: no budget or count, so the fewest sites
    assert "未给预算或数量上限：按最少选址覆盖全部需求" in _texts(at)
    assert "No budget" not in _texts(at)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    # before light, after dark, before first: in both languages (the chart used to swap them)
    chart = json.loads((at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))[0]
                       .proto.spec)["encoding"]["color"]["scale"]
    assert chart == {"domain": ["选址前", "选址后"], "range": ["#9ecae1", "#08519c"]}
    # the chart says within what it counts households: each kind's walking standard
    from planning.standards import load_standards

    minutes = {k: f"{v.threshold_minutes:g}" for k, v in load_standards().kinds.items()}
    assert (f"各类设施步行标准内的户数：养老服务设施 {minutes['elderly_care']} 分钟、"
            f"充电桩 {minutes['ev_charger']} 分钟") in _texts(at)
    # the demand left unserved, by kind and reason, as the plan's own table sums it
    from planning.scenario import Scenario, run_plan
    from planning.siting import unserved_summary

    plan = run_plan(Scenario(layers=_grid_layers(), standards=load_standards(), seed=0))
    expected = unserved_summary(plan.unserved)
    assert len(expected), "the grid district leaves some demand unserved"
    shown = next(d.value for d in at.dataframe if "原因" in d.value.columns)
    assert shown["原因"].tolist() == expected["reason"].tolist()
    assert shown["小区数"].tolist() == expected["compounds"].tolist()
    assert shown["未满足"].tolist() == expected["unserved"].round(1).tolist()
    grouped = next(json.loads(d.proto.columns) for d in at.dataframe if "原因" in d.value.columns)
    assert {k for k, v in grouped.items() if v.get("type_config", {}).get("format")
            == "localized"} == {"小区数", "未满足"}  # 15,096 spaces, not 15096
    at.radio(key="lang").set_value("en").run()
    assert "Solver status: optimal solution" in _texts(at)
    shown = _texts(at).replace("\\", "")  # markdown-escaped punctuation
    assert "No budget or site limit given: fewest sites serving all the demand" in shown
    assert "Households within each kind's walking standard: Elderly care" in _texts(at)
    chart = json.loads((at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))[0]
                       .proto.spec)["encoding"]["color"]["scale"]
    assert chart["domain"] == ["Before", "After"]
    shown = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert shown["Reason"].tolist() == unserved_summary(plan.unserved, "en")["reason"].tolist()


def test_siting_page_lets_the_planner_choose_the_model() -> None:
    at = _app(_grid_layers())
    at.session_state["data_key"] = "grid4, models"  # not the plan other tests cached
    at.run()
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    model = at.radio(key="siting_model_zh")
    assert model.value == "mclp" and model.options == [
        "最大覆盖：预算或数量内覆盖最多需求（不计容量）",
        "有容量的最大覆盖：每处设施服务不超过其容量",
        "最少设施：以最低造价满足全部可满足的需求"]
    # capacitated coverage, 4 sites per kind: the plan is run with it, and no site serves
    # more than it holds (maximal coverage with the same limit leaves 6 of its 9 sites over)
    model.set_value("capacitated")
    next(n for n in at.number_input if n.label.startswith("每类最多新建设施数")).set_value(4)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    params = at.session_state["params"]
    assert (params["model"], params["max_sites"], params["budget_wan"]) == ("capacitated", 4,
                                                                           None)
    table = next(d.value for d in at.dataframe if "超出容量" in d.value.columns)
    assert len(table) and not table["超出容量"].any()
    assert table.groupby("设施类型").size().max() <= 4
    # households served: whole households, also where sites share a compound by its share
    served = table["服务户数"].to_numpy(float)
    assert (served == served.round()).all()
    # the fewest sites: a count left in the form is not theirs, and the run still succeeds
    at.radio(key="siting_model_zh").set_value("min_sites")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["params"]["model"] == "min_sites"
    assert not at.error
    assert "“最少设施”不使用预算和数量上限，表单中的每类 4 处未计入。" in _texts(at)


def test_the_fewest_sites_say_in_a_sentence_what_they_did_not_use() -> None:
    at = _app(_grid_layers())
    at.session_state["data_key"] = "grid4, models"  # the plans of the test above
    at.run()
    at.radio(key="lang").set_value("en").run()
    at.switch_page("ui/pages/siting.py").run()
    at.radio(key="siting_model_en").set_value("min_sites")
    at.number_input(key="siting_budget").set_value(800.0)
    at.number_input(key="siting_max_sites").set_value(5)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ("The fewest sites take no budget or count, so the budget of 800 (10k CNY) and the "
            "limit of 5 sites per kind in the form were not used.") in _texts(at)
    at.number_input(key="siting_budget").set_value(0.0)
    at.number_input(key="siting_max_sites").set_value(1)
    at.button[0].click().run()
    assert ("The fewest sites take no budget or count, so the limit of 1 site per kind in the "
            "form was not used.") in _texts(at)


def test_planned_facilities_table_gives_units_and_leaves_no_none() -> None:
    layers = _grid_layers()  # one given site (no rule generated it) beside the generated ones
    layers["sites"] = _site("S1", "ev_charger", (150, 150), capacity=12.0).assign(name="空地1号")
    at = _app(layers)
    at.session_state["data_key"] = "grid4, a given site"
    at.run()
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d for d in at.dataframe if "生成依据" in d.value.columns)
    table = shown.value
    assert "S1" in set(table["候选点编号"]) and table["自动生成"].any()
    given = table[table["候选点编号"] == "S1"].iloc[0]
    assert given["生成依据"] == ""  # blank, not None
    assert table.loc[table["自动生成"], "生成依据"].str.startswith("小区").all()  # Chinese only
    # each capacity and demand in its kind's unit, which the column beside them says
    assert list(table.columns[table.columns.get_loc("容量"):][:2]) == ["容量", "单位"]
    units = dict(zip(table["设施类型"], table["单位"], strict=False))
    assert units["充电桩"] == "个充电桩" and units["养老服务设施"] == "平方米建筑面积"
    assert (table["服务需求"] == table["服务需求"].round(1)).all()
    config = json.loads(shown.proto.columns)
    served = config["服务需求"]["type_config"]
    assert (served["format"], served["step"]) == ("localized", 0.1)  # 172.0 beside 262.4


def test_life_circle_and_siting_pages_warn_of_what_their_numbers_rest_on() -> None:
    layers = _grid_layers()
    odd = points([(150, 150), (65_000, 0), (40, 300)], prefix="X")
    odd["kind"] = ["library", "elderly_care", "图书馆"]
    layers["facilities"] = pd.concat([layers["facilities"], odd])
    layers["streets"] = layers["streets"].iloc[:0]  # an empty streets file
    layers["sites"] = _site("S9", "parking", (0, 40_000), capacity=50.0)
    at = _app(layers)
    at.session_state["data_key"] = "grid4, odd inputs"
    at.run()
    at.switch_page("ui/pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning]
    assert "道路图层为空：步行距离按直线距离×绕行系数 1.3 计算，结果偏粗。" in shown
    assert "2 处现有设施的类型规划不使用，已忽略：X0（library）、X2（图书馆）。" in shown
    assert "现有设施中有 1 处离最近的小区超过 5 km，请核对坐标：X1 64.5 km。" in shown
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning]
    far = "候选点中有 1 处离最近的小区超过 5 km，请核对坐标：S9 3"
    assert any(w.startswith(far) for w in shown)
    at.radio(key="lang").set_value("en").run()
    shown = [w.value for w in at.warning]
    assert any(w.startswith("The streets layer is empty: walking distances are straight lines")
               for w in shown)


def test_siting_page_gives_a_heuristic_plan_its_gap(monkeypatch) -> None:
    import dataclasses

    import planning.scenario

    real = planning.scenario.plan_facilities
    monkeypatch.setattr(planning.scenario, "plan_facilities", lambda *a, **k: dataclasses.replace(
        real(*a, **k), status="heuristic", gap=0.0033))
    at = _app(_grid_layers())
    at.session_state["data_key"] = "grid4, heuristic"  # not the plan other tests cached
    at.run()
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "求解状态：启发式解，与最优相差不超过 0.33%" in _texts(at)


def test_coverage_page_counts_uncovered_compounds_of_the_chosen_kind() -> None:
    from planning.scenario import Scenario, run_plan
    from planning.standards import load_standards

    plan = run_plan(Scenario(layers=_grid_layers(), standards=load_standards(), seed=0))
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    for minutes in (5, 15):
        at.radio(key="coverage_minutes_elderly_care_zh").set_value(minutes).run()
        covered = plan.communities[f"covered_elderly_care_{minutes}min"].fillna(False)
        expected = int((~covered.astype(bool)).sum())
        assert f"{minutes} 分钟内未覆盖的小区：{expected} 个" in _texts(at)
    assert not at.warning  # the district has elderly care
    assert not at.expander  # nobody outside the 15-minute circle: no list
    at.selectbox(key="coverage_kind_zh").set_value("market").run()
    assert plan.communities["walk_minutes_market"].isna().all()  # and no market at all
    assert "数据中没有任何菜市场（现状或规划），所有小区都未覆盖" in at.warning[0].value
    # the list under the map: every compound, its households and elderly, and why
    assert "10 分钟内未覆盖的小区：16 个（3,200 户，老年人口 2,240 人）" in _texts(at)
    listed = at.expander[0]
    assert listed.label == "未覆盖小区名单（16 个，户数多者在前）"
    table = listed.dataframe[0].value
    assert list(table.columns) == ["编号", "小区名称", "片区编号", "户数", "老年人口",
                                   "步行时间（分钟）", "原因"]
    assert sorted(table["编号"]) == sorted(plan.communities.index)
    assert table["原因"].eq("无此类设施").all() and table["步行时间（分钟）"].isna().all()
    assert listed.get("download_button")[0].label == "下载名单（CSV）"
    at.radio(key="lang").set_value("en").run()
    assert "Compounds not reached within 10 min: 16 (3,200 households, 2,240 elderly)" \
        in _texts(at)
    table = at.expander[0].dataframe[0].value
    assert table["Reason"].eq("no facility of this kind").all()
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    # the chart's kinds in the order of the table under it (altair sorted them by name)
    spec = json.loads((at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"))[0]
                      .proto.spec)
    rows = at.dataframe[-1].value
    assert spec["encoding"]["x"]["sort"] == list(dict.fromkeys(rows["Facility kind"]))
    assert "Life circle (minutes)" in rows.columns


def test_tables_group_the_digits_of_counts_but_not_of_years() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    zones, excluded = (json.loads(d.proto.columns) for d in at.dataframe[:2])
    assert zones["户数"]["type_config"]["format"] == "localized"
    assert excluded["户数"]["type_config"]["format"] == "localized"
    assert "建成年代" not in excluded  # 1990, not 1,990
    at.switch_page("ui/pages/coverage.py").run()
    summary = json.loads(at.dataframe[-1].proto.columns)
    grouped = {k for k, v in summary.items()
               if v.get("type_config", {}).get("format") == "localized"}
    assert {"覆盖户数", "总户数"} <= grouped and "生活圈（分钟）" not in grouped


def test_zoning_shows_consent_in_percent_and_each_measure_at_one_precision() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # metres as whole numbers, not "60.00"
    assert at.number_input(key="zoning_gap").proto.format == "%.0f"
    assert at.number_input(key="zoning_max_diameter").proto.format == "%.0f"
    slider = at.slider(key="zoning_min_consent")
    # a percentage as the reasons give it (居民同意率60.0%低于66.7%), not 0.67
    assert slider.value == pytest.approx(66.67) and slider.proto.format == "%.1f%%"
    zones = json.loads(at.dataframe[0].proto.columns)
    assert {c: (zones[c]["type_config"]["format"], zones[c]["type_config"].get("step"))
            for c in ("面积（m²）", "紧凑度", "内部差异")} == {
        "面积（m²）": ("localized", 1), "紧凑度": ("localized", 0.001),
        "内部差异": ("localized", 0.1)}
    excluded = json.loads(at.dataframe[1].proto.columns)
    assert excluded["同意率"]["type_config"]["format"] == "percent"
    slider.set_value(80.0)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = at.session_state["params"]["standards"]["eligibility"]["min_consent_rate"]
    assert saved == pytest.approx(0.8)  # kept a fraction
    assert at.slider(key="zoning_min_consent").value == pytest.approx(80.0)


def test_ev_share_is_set_in_percent_and_kept_a_fraction() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/siting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    slider = at.slider(key="siting_ev_share")
    assert slider.value == pytest.approx(15.0) and slider.proto.format == "%.0f%%"  # not 0.15
    slider.set_value(30.0)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["params"]["standards"]["demand"]["ev_share"] == pytest.approx(0.3)
    assert at.slider(key="siting_ev_share").value == pytest.approx(30.0)


def test_a_clicked_compound_says_what_each_tick_means(monkeypatch) -> None:
    import streamlit_folium

    g = _grid_layers()["communities"].to_crs(4326)
    where = g.geometry.loc["C12"].representative_point()
    real = streamlit_folium.st_folium

    def clicked(m, *, key, **kwargs):
        out = real(m, key=key, **kwargs)
        if key == "map_coverage":
            return {"last_object_clicked": {"lat": where.y, "lng": where.x}}
        return out

    monkeypatch.setattr(streamlit_folium, "st_folium", clicked)
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "设施类型" in d.value.columns
                 and "步行分钟" in d.value.columns)
    assert list(table.columns)[:5] == ["设施类型", "步行分钟", "5分钟内", "10分钟内", "15分钟内"]
    at.radio(key="lang").set_value("en").run()
    table = next(d.value for d in at.dataframe if "Minutes" in d.value.columns)
    assert list(table.columns)[:5] == ["Facility kind", "Minutes", "Within 5 min",
                                       "Within 10 min", "Within 15 min"]


def test_coverage_page_maps_life_circle_completeness_today_and_with_the_plan() -> None:
    from planning.scenario import Scenario, run_plan
    from planning.standards import load_standards

    plan = run_plan(Scenario(layers=_grid_layers(), standards=load_standards(), seed=0))
    c = plan.communities
    of = int(c["completeness_of"].iloc[0])
    hh = c["households"]
    full, full0 = c["completeness"] >= of, c["completeness_before"] >= of
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/coverage.py").run()
    at.radio(key="coverage_view_zh").set_value("completeness").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = (f"{of} 类应配设施均在步行标准内的小区：规划后 {int(full.sum())} 个"
                f"（{int(hh[full].sum()):,} 户，占 {hh[full].sum() / hh.sum():.0%}），"
                f"现状 {int(full0.sum())} 个（{int(hh[full0].sum()):,} 户）。")
    assert expected in _texts(at)
    assert not any(r.key and r.key.startswith("coverage_minutes_") for r in at.radio)
    # kinds the grid district has no facility of make every compound incomplete: named
    absent = [k for k in ("clinic", "market", "kindergarten")
              if c[f"walk_minutes_{k}"].isna().all()]
    assert absent, "the grid district lacks some kinds"
    warned = " ".join(w.value for w in at.warning)
    names = "、".join(ui.i18n.kind_label(k, "zh") for k in absent)
    assert f"所有小区在这几类上都不达标：{names}。" in warned
    assert _map_fills(at) == {i: f"{int(v)}/{of} 类达标" for i, v in c["completeness"].items()}
    at.radio(key="coverage_stage_zh").set_value("before").run()
    assert not at.exception, [e.value for e in at.exception]
    assert expected in _texts(at)  # the same figures whichever stage the map shows
    before = {i: f"{int(v)}/{of} 类达标" for i, v in c["completeness_before"].items()}
    assert _map_fills(at) == before and before != {
        i: f"{int(v)}/{of} 类达标" for i, v in c["completeness"].items()}


def _map_fills(at: AppTest) -> dict[str, str]:
    """Each compound's completeness text on the page's map (from the map component's script)."""
    for node in at.main:
        args = getattr(getattr(node, "proto", None), "json_args", "")
        if '"script"' not in args:
            continue
        script = json.loads(args)["script"]
        for match in re.finditer(r"geo_json_\w+?_add\((\{.*?\})\);\n", script):
            features = json.loads(match.group(1))["features"]
            if features and "_fill" in features[0]["properties"]:
                return {f["properties"]["community_id"]: f["properties"]["_fill"]
                        for f in features}
    raise AssertionError("no map with compound fills on the page")


@pytest.mark.slow
def test_export_page_offers_the_bureau_files() -> None:
    at = _app(_grid_layers())
    at.run()
    at.switch_page("ui/pages/export.py").run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert "GeoPackage 项目文件" in labels and "全部成果（.zip）" in labels
    # a Shapefile per layer, by the layer's name (the files keep the bureau's names)
    shp = {b.proto.id.rpartition("dl_shapefile/")[2]: b.label for b in at.get("download_button")
           if "dl_shapefile/" in b.proto.id}
    assert shp["zones.zip"] == "片区" and shp["compounds.zip"] == "小区"
    assert set(shp) <= {"zones.zip", "compounds.zip", "planned_facilities.zip", "gaps.zip"}
    # The files are kept for the session by plan, language and Shapefile encoding
    ((plan_key, *choice), gbk), = at.session_state["export_files"].items()
    assert choice == ["zh", "gbk"] and "tables/summary.xlsx" in gbk
    at.radio(key="shp_encoding").set_value("utf-8").run()
    assert not at.exception, [e.value for e in at.exception]
    kept = at.session_state["export_files"]
    assert set(kept) == {(plan_key, "zh", "gbk"), (plan_key, "zh", "utf-8")}
    assert [_cpg(kept[key]) for key in sorted(kept)] == ["GBK", "UTF-8"]
    # Zone maps for meetings are printed on demand: a PDF download appears.
    at.radio(key="print_paper").set_value("A4")
    at.button(key="print_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _offers_pdf(at)
    every_zone = _printed(at)
    # A meeting on one zone: the overview and that zone's page only.
    at.radio(key="print_scope_zh").set_value("some").run()
    assert not _offers_pdf(at)  # nothing printed yet for this choice
    zone_ids = at.multiselect(key="print_zones").options
    assert zone_ids and every_zone == {("A4", None): 1 + len(zone_ids)}
    at.multiselect(key="print_zones").set_value([zone_ids[-1]]).run()
    at.button(key="print_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _offers_pdf(at) and _printed(at)[("A4", (zone_ids[-1],))] == 2
    at.radio(key="print_paper").set_value("A3").run()
    assert not _offers_pdf(at)
    at.radio(key="print_paper").set_value("A4").run()
    assert _offers_pdf(at)  # the PDF made before is offered again without printing


def test_export_page_falls_back_to_utf8_shapefiles_and_says_which_rows() -> None:
    layers = _grid_layers()
    layers["communities"].loc["C12", "name"] = "Töölö"  # no GBK code for ö
    at = _app(layers)
    at.session_state["data_key"] = "grid4-toolo"  # not the plain grid's cached plan
    at.run()
    at.switch_page("ui/pages/export.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warning = " ".join(w.value for w in at.warning)
    assert "无法用 GBK 编码" in warning
    assert "C12" in at.table[0].value.to_string()  # the problems table names the row
    ((_, *choice), files), = at.session_state["export_files"].items()
    assert choice == ["zh", "utf-8"] and _cpg(files) == "UTF-8"
    assert "GeoPackage 项目文件" in [b.label for b in at.get("download_button")]


def _cpg(files: dict[str, bytes]) -> str:
    """The text encoding the zones Shapefile's .cpg declares."""
    with zipfile.ZipFile(io.BytesIO(files["shapefile/zones.zip"])) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".cpg"))
        return zf.read(name).decode("ascii").strip()


def _offers_pdf(at: AppTest) -> bool:
    return any(b.label == "下载区划图 PDF" for b in at.get("download_button"))


def _printed(at: AppTest) -> dict[tuple[str, tuple[str, ...] | None], int]:
    """The zone-map PDFs printed this session: (paper, zones with a page) -> page count."""
    return {(paper, zones): len(re.findall(rb"/Type /Page\b(?!s)", pdf))
            for (_, _, paper, zones), pdf in at.session_state["printed_maps"].items()}


# pyogrio warns when a GeoJSON column mixes numbers and text (the bad row here); geo.io reads it
# as text and reports the row, which is what this test checks.
@pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning")
def test_upload_with_problems_shows_a_table_naming_rows_and_columns() -> None:
    g = block_grid(2).to_crs(4326)
    g["households"] = g["households"].astype(object)
    g.loc["C01", "households"] = "很多"  # not a number
    g.loc["C10", "built_year"] = 3000  # out of range
    data = g.to_json().encode()  # ids as GeoJSON feature ids
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.geojson", data, "application/geo+json"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("问题" in e.value for e in at.error)
    # a static table (its cells wrap, so a long message is read to its end), by column
    table = at.table[0].value
    assert table.index.name == "字段" and list(table.columns) == ["行", "问题"]
    assert {"户数", "建成年代"} <= set(table.index)  # the columns in the page's words
    rows = " ".join(table.iloc[:, 0])
    assert "C01（第2行）" in rows and "C10" in rows and "line" not in rows
    assert _metric(at, "小区数") != "4"  # the bad file was not taken, and the page says so
    assert any("上传的文件未使用：以下仍是示例片区" in w.value for w in at.warning)


def test_upload_of_a_good_file_replaces_the_sample_and_keeps_names_as_text() -> None:
    g = block_grid(2).to_crs(4326)
    g.loc["C01", "name"] = XSS
    data = g.to_json().encode()
    at = _app()
    at.run()
    assert "当前数据：示例片区" in [c.value for c in at.sidebar.caption]
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.geojson", data, "application/geo+json"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "小区数") == "4"
    # the sidebar, drawn before the page loads the file, names it on that same run
    assert "当前数据：小区.geojson" in [c.value.replace("\\", "") for c in at.sidebar.caption]
    assert "已载入图层" in [s.value for s in at.success]
    at.switch_page("ui/pages/coverage.py").run()  # every page says which data it is on
    assert "当前数据：小区.geojson" in [c.value.replace("\\", "") for c in at.sidebar.caption]
    layers = at.session_state["layers"]
    assert layers["communities"].loc["C01", "name"] == XSS  # stored as typed, escaped on show


def _approximate_grid() -> gpd.GeoDataFrame:
    """Four compounds in lon/lat, C01 of them with about 200 households ("约200")."""
    g = block_grid(2).to_crs(4326)
    g["households"] = g["households"].astype(object)
    g.loc["C01", "households"] = "约200"  # read as 200, an assumption to check
    return g


def _uploaded(g: gpd.GeoDataFrame, *, lang: str = "zh", name: str = "小区.geojson") -> AppTest:
    """The data page once ``g`` is uploaded as the compounds, in ``lang``."""
    at = _app()
    at.run()
    if lang == "en":
        at.radio(key="lang").set_value("en").run()
    at.radio(key=f"data_source_{lang}").set_value("upload").run()
    at.file_uploader[0].set_value((name, g.to_json().encode(), "application/geo+json"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_what_the_reader_assumed_is_said_and_shown_open() -> None:
    at = _uploaded(_approximate_grid())
    assert any(w.value.startswith("读取小区时有需要核对之处") for w in at.warning)
    report = next(e for e in at.expander if e.label == "读取说明")
    assert report.proto.expanded
    assert "约数按所写数字计" in report.text[0].value
    # a file read as it is: no warning, the notes folded away
    at.file_uploader[0].set_value(("小区.geojson", block_grid(2).to_crs(4326).to_json().encode(),
                                   "application/geo+json"))
    at.button[0].click().run()
    assert not any("时有需要核对之处" in w.value for w in at.warning)
    assert not next(e for e in at.expander if e.label == "读取说明").proto.expanded


def test_the_read_report_is_in_the_pages_language_and_names_the_file() -> None:
    # it was the command line's bilingual summary, headed by the layer's internal name and
    # ending in the server's temporary path
    at = _uploaded(_approximate_grid(), lang="en", name="compounds.geojson")
    text = next(e for e in at.expander if e.label == "Read report").text[0].value
    first, *rest = text.splitlines()
    assert first.startswith("Compounds: 4 rows · CRS EPSG:4326 (from the file)")
    assert first.endswith(" · compounds.geojson")  # the file's name, not where it was put
    assert "  to check:" in rest
    assert any(line.startswith("    - Households: approximate values read as the number "
                               "written: '约200' → 200") for line in rest)
    assert "[communities]" not in text and "/tmp" not in text and "pianqu_upload" not in text
    assert not re.search("[\u4e00-\u9fff]", text.replace("约200", ""))  # no Chinese words
    at.radio(key="lang").set_value("zh").run()  # the same report, now in Chinese
    text = next(e for e in at.expander if e.label == "读取说明").text[0].value
    assert text.startswith("小区：4 行 · 坐标系 EPSG:4326（文件所注）")
    assert "    - 户数：约数按所写数字计，请核对：'约200' → 200（行：C01（第2行））" in text
    assert "approximate" not in text


def test_unknown_eligibility_counts_read_as_sentences() -> None:
    # "1 compounds have no built year and 0 no consent rate"
    g = block_grid(2).to_crs(4326)
    g.loc["C01", "built_year"] = None
    at = _uploaded(g)
    assert at.warning[0].value.startswith(
        "建成年代未知的小区 1 个：无法判断是否符合改造条件，规划时将列为未纳入。"
        "请在小区图层中补填“建成年代”（无此列则添加），")
    at.radio(key="lang").set_value("en").run()
    assert at.warning[0].value.startswith(
        "1 compound has no built year: eligibility cannot be decided without these values, so "
        "the plan leaves such compounds out. Fill in their 建成年代 (built_year; add the "
        "column if missing) in the compounds layer")


def test_data_outside_china_shows_and_plans_once_given_an_analysis_crs() -> None:
    # the grid moved to Helsinki (ETRS-TM35FIN), uploaded in lon/lat: outside every CGCS2000
    # zone, so the map shows it but the plan needs the planner's metric CRS
    g = block_grid(4)
    g = g.set_geometry(g.geometry.translate(385_000 - ORIGIN_X, 6_672_000 - ORIGIN_Y),
                       crs="EPSG:3067").to_crs(4326)
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("helsinki.geojson", g.to_json().encode(),
                                   "application/geo+json"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "小区数") == "16"
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "CGCS2000" in _texts(at) and "UTM" in _texts(at)  # says why, and what to give
    at.switch_page("ui/pages/data.py").run()
    at.text_input(key="analysis_crs").input("EPSG:3067").run()
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert int(_metric(at, "片区数")) >= 1
    # back to the sample: its own CGCS2000 zone again, not the Finnish CRS
    at.switch_page("ui/pages/data.py").run()
    at.radio(key="data_source_zh").set_value("sample").run()
    assert at.session_state["params"]["crs"] is None


def test_lon_lat_from_a_chinese_web_map_are_shifted_back_to_wgs84(tmp_path: Path) -> None:
    # a facility list copied from AMap: GCJ-02 longitude/latitude in a CSV
    from geo.crs import shift_datum

    g = block_grid(2).to_crs(4326)
    truth = points([(50, 50), (150, 100)]).to_crs(4326)
    amap = shift_datum(truth, source="wgs84", target="gcj02")
    table = pd.DataFrame({"设施编号": truth.index, "设施类型": "elderly_care",
                          "经度": amap.geometry.x, "纬度": amap.geometry.y})
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.geojson", g.to_json().encode(), "application/geo+json"))
    at.file_uploader[2].set_value(("高德设施.csv", table.to_csv(index=False).encode(),
                                   "text/csv"))
    at.selectbox(key="coords_facilities_zh").set_value("gcj02")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    got = at.session_state["layers"]["facilities"].to_crs(CRS_GK)
    off = got.distance(truth.to_crs(CRS_GK).reindex(got.index))
    assert off.max() < 1.0  # metres; read as WGS84 they were hundreds of metres off
    assert shift_datum(truth, source="wgs84", target="gcj02").to_crs(CRS_GK).distance(
        truth.to_crs(CRS_GK)).min() > 100
    # a projected file (CGCS2000 Gauss-Krüger) declared as GCJ-02 is refused, naming the file
    gpkg = tmp_path / "小区投影.gpkg"
    block_grid(2).to_file(gpkg)
    at.file_uploader[0].set_value(("小区投影.gpkg", gpkg.read_bytes(),
                                   "application/geopackage+sqlite3"))
    at.selectbox(key="coords_communities_zh").set_value("gcj02")
    at.button[0].click().run()
    assert any("小区投影" in e.value for e in at.error)
    assert "偏移坐标只适用于经纬度" in at.table[0].value.to_string()
    assert len(at.session_state["layers"]["communities"]) == 4  # the good upload stays


def test_a_shapefile_without_prj_loads_once_its_crs_is_given(tmp_path: Path) -> None:
    # bureau Shapefiles exported from CAD often come without a .prj
    g = block_grid(2)  # CGCS2000 3-degree Gauss-Kruger, 114°E (EPSG:4547)
    shp = g.reset_index()[["community_id", "households", "geometry"]].rename(
        columns={"community_id": "编号", "households": "户数"})
    shp.to_file(tmp_path / "小区.shp", encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".cpg"):
            zf.write(tmp_path / f"小区{ext}", f"小区{ext}")
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.zip", buf.getvalue(), "application/zip"))
    at.button[0].click().run()
    assert any("小区" in e.value for e in at.error)
    said = at.table[0].value.to_string()
    assert "其他（EPSG）" in said and "EPSG:4534–4554" in said  # where, and which codes
    at.selectbox(key="coords_communities_zh").set_value("epsg").run()
    at.text_input(key="crs_communities").input("EPSG:4547")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    got = at.session_state["layers"]["communities"]
    assert len(got) == 4 and got.crs.to_epsg() == 4547
    assert got.geometry.geom_equals(g.geometry.reindex(got.index)).all()  # in place


def test_an_osm_extract_asks_no_coordinates(helsinki_pbf: str) -> None:
    # OpenStreetMap is WGS84 by definition: its slot has no 坐标系 choice to get wrong
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    keys = {s.key for s in at.selectbox}
    assert {"coords_communities_zh", "coords_streets_zh"} <= keys
    at.file_uploader[1].set_value(("helsinki.osm.pbf", Path(helsinki_pbf).read_bytes(),
                                   "application/octet-stream"))
    at.run()
    keys = {s.key for s in at.selectbox}
    assert "coords_streets_zh" not in keys and "coords_communities_zh" in keys


def test_a_geopackage_of_several_layers_gives_each_upload_its_layer(tmp_path: Path) -> None:
    # a QGIS project GeoPackage holds the whole district; the same file goes in two slots
    both = tmp_path / "片区.gpkg"
    block_grid(2).to_file(both, layer="小区")
    lattice_streets(3).to_file(both, layer="道路")
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    for slot in (0, 1):
        at.file_uploader[slot].set_value(("片区.gpkg", both.read_bytes(),
                                          "application/geopackage+sqlite3"))
    at.run()
    # named like the layers they are, so each slot already reads the right one
    assert at.selectbox(key="file_layer_communities").value == "小区"
    assert at.selectbox(key="file_layer_streets").value == "道路"
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    layers = at.session_state["layers"]
    assert len(layers["communities"]) == 4 and len(layers["streets"]) == len(lattice_streets(3))
    # names that say nothing: the planner picks the streets layer
    other = tmp_path / "export2024.gpkg"
    block_grid(2).to_file(other, layer="xq2024")
    lattice_streets(3).to_file(other, layer="roads")
    for slot in (0, 1):
        at.file_uploader[slot].set_value(("export2024.gpkg", other.read_bytes(),
                                          "application/geopackage+sqlite3"))
    at.run()
    assert at.selectbox(key="file_layer_streets").options == ["xq2024", "roads"]
    at.selectbox(key="file_layer_streets").set_value("roads")
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["layers"]["streets"].geom_type.isin(["LineString"]).all()


def test_upload_of_an_excel_table_with_wkt_and_chinese_headers() -> None:
    # planners keep compound lists in Excel: 小区名称 / 户数 / 建成年代 and a WKT column
    g = block_grid(2).to_crs(4326)
    table = g.assign(几何=g.geometry.to_wkt()).drop(columns=g.geometry.name)
    table = table.rename(columns={"name": "小区名称", "households": "户数",
                                  "built_year": "建成年代"})
    table = table[["小区名称", "户数", "建成年代", "几何"]]
    buf = io.BytesIO()
    table.to_excel(buf, index=False)
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区清单.xlsx", buf.getvalue(),
                                   "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert _metric(at, "小区数") == "4"
    assert _metric(at, "总户数") == f"{int(g['households'].sum()):,}"


def test_upload_of_a_wrong_file_type_is_refused_clearly() -> None:
    at = _app()
    at.run()
    at.radio(key="data_source_zh").set_value("upload").run()
    at.file_uploader[0].set_value(("小区.zip", b"this is not a zip", "application/zip"))
    at.button[0].click().run()
    assert not at.exception
    assert any("zip" in e.value for e in at.error)


@pytest.mark.slow
def test_sample_district_opens_by_default_and_zones_on_it() -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    from planning.sample import load_sample

    sample = load_sample()
    assert _metric(at, "小区数") == f"{len(sample['communities']):,}"
    assert not any("现有设施中没有" in w.value for w in at.warning)  # the sample has every kind
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert int(_metric(at, "片区数")) > 0


# -- uploads on disk ------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt",
                                  "..\\evil.txt", "C:/evil.txt"])
def test_a_zip_cannot_write_outside_its_folder(tmp_path: Path, evil: str) -> None:
    data = _zip({"ok.txt": b"1", evil: b"2"})
    with pytest.raises(UploadError, match="unsafe path"):
        save_upload("layer.zip", data, tmp_path / "up")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "up" / "layer_unzipped" / "ok.txt").exists()  # nothing written


def test_a_zip_symlink_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link.shp")
        info.external_attr = (0o120777 << 16)  # a symbolic link
        zf.writestr(info, "/etc/passwd")
    (tmp_path / "a.zip").write_bytes(buf.getvalue())
    with pytest.raises(UploadError, match="unsafe"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out")


def test_zip_bombs_and_big_files_are_refused(tmp_path: Path) -> None:
    bomb = _zip({"big.csv": b"0" * (3 * 1024 * 1024)})  # compresses to a few kB
    (tmp_path / "b.zip").write_bytes(bomb)
    with pytest.raises(UploadError, match="unpacks to"):
        safe_extract(tmp_path / "b.zip", tmp_path / "out", max_mb=1)
    with pytest.raises(UploadError, match="too large"):
        save_upload("big.geojson", b"x" * (2 * 1024 * 1024), tmp_path, max_mb=1)
    with pytest.raises(UploadError, match="empty"):
        save_upload("empty.geojson", b"", tmp_path)


def test_zip_of_a_shapefile_gives_the_shp_and_reads(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shp = block_grid(2)[["name", "households", "built_year", "geometry"]]
    shp.rename_axis("id").to_file(src / "小区.shp", encoding="utf-8")
    data = _zip({f"folder/{p.name}": p.read_bytes() for p in src.iterdir()})
    path = save_upload("../../小区.zip", data, tmp_path / "up")
    assert path.name == "小区.shp" and path.is_relative_to(tmp_path / "up")
    from geo.io import read_layer

    gdf = read_layer(path, "communities").gdf
    assert sorted(gdf.index) == ["C00", "C01", "C10", "C11"]


def test_zip_member_names_in_gbk_come_out_in_chinese(tmp_path: Path) -> None:
    # Windows' own "send to zip" writes 小区.shp in GBK without the UTF-8 flag; Python reads it
    # as CP437 (╨í╟°.shp), and the layer was named so on the data page
    src = tmp_path / "src"
    src.mkdir()
    block_grid(2)[["households", "geometry"]].rename_axis("id").to_file(src / "xq.shp")
    data = _zip({f"abcd{p.suffix}": p.read_bytes() for p in src.iterdir()})
    data = data.replace(b"abcd.", "小区.".encode("gbk"))  # same length: 4 bytes each
    path = save_upload("小区.zip", data, tmp_path / "up")
    assert path.name == "小区.shp"
    from geo.io import read_layer

    assert len(read_layer(path, "communities").gdf) == 4


def test_zip_with_no_layer_or_two_layers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="exactly one layer"):
        save_upload("a.zip", _zip({"readme.txt": b"x"}), tmp_path / "a")
    with pytest.raises(UploadError, match="exactly one layer"):
        save_upload("b.zip", _zip({"a.geojson": b"{}", "b.geojson": b"{}"}), tmp_path / "b")


def test_drawn_sites_join_the_candidate_sites(tmp_path: Path) -> None:
    g = block_grid(2)
    centre = g.geometry.iloc[0].centroid
    lonlat = gpd.GeoSeries([centre], crs=g.crs).to_crs(4326).iloc[0]
    feature = {"type": "Feature", "geometry": {"type": "Point",
                                               "coordinates": [lonlat.x, lonlat.y]},
               "properties": {"site_id": "U001", "kinds": ["parking", "ev_charger"],
                              "cost": 80.0}}
    sites = ui.pipeline.drawn_sites([json.loads(json.dumps(feature))], g.crs)
    assert sites.loc["U001", "kinds"] == "parking;ev_charger"
    assert sites.geometry.iloc[0].distance(centre) < 0.01  # back in metres, same place


def test_run_pipeline_adds_drawn_sites_to_the_candidates() -> None:
    layers = _grid_layers()
    g = layers["communities"]
    lonlat = gpd.GeoSeries([g.geometry.loc["C12"].centroid], crs=g.crs).to_crs(4326).iloc[0]
    feature = {"type": "Feature",
               "geometry": {"type": "Point", "coordinates": [lonlat.x, lonlat.y]},
               "properties": {"site_id": "U001", "kinds": ["parking"], "cost": 10.0}}
    plan = ui.pipeline.run_pipeline(layers, {"standards": {}, "seed": 0}, [feature])
    sites = plan.scenario.layers["sites"]
    assert "U001" in sites.index and sites.loc["U001", "kinds"] == "parking"
    assert sites.crs == g.crs
    # Added to the planner's own candidate sites, which stay as they were.
    own = points([(110, 110)], kind="parking", prefix="S").rename_axis("site_id").rename(
        columns={"kind": "kinds"}).assign(cost=5.0)
    plan = ui.pipeline.run_pipeline({**layers, "sites": own}, {"standards": {}, "seed": 0},
                                    [feature])
    sites = plan.scenario.layers["sites"]
    assert sites.index.tolist() == ["S0", "U001"] and sites.index.is_unique
    assert sites.loc["S0", "cost"] == 5.0 and sites.loc["U001", "cost"] == 10.0
    assert sites.geometry.loc["U001"].distance(g.geometry.loc["C12"].centroid) < 0.01
    plain = ui.pipeline.run_pipeline(layers, {"standards": {}, "seed": 0})
    assert "sites" not in plain.scenario.layers  # nothing drawn, nothing added
    # a capacity given on the map reaches the plan, beside sites that have no capacity column
    drawn = json.loads(json.dumps(feature))
    drawn["properties"]["capacity"] = 30.0
    no_capacity = own.drop(columns="capacity")
    plan = ui.pipeline.run_pipeline({**layers, "sites": no_capacity},
                                    {"standards": {}, "seed": 0}, [drawn])
    sites = plan.scenario.layers["sites"]
    assert sites.loc["U001", "capacity"] == 30.0 and pd.isna(sites.loc["S0", "capacity"])
    planned = plan.planned_facilities
    if "U001" in set(planned["site_id"]):
        assert planned.loc[planned["site_id"] == "U001", "capacity"].iloc[0] == 30.0


@pytest.mark.parametrize("module", [ui.uploads, ui.i18n, ui.pipeline])
def test_ui_doctests(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_every_ui_string_has_both_languages() -> None:
    for key, (zh, en) in ui.i18n.TEXT.items():
        assert zh and en, key
        assert set(_fields(zh)) == set(_fields(en)), key


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


def test_zoning_form_includes_compounds_whose_built_year_and_consent_are_unknown() -> None:
    layers = _grid_layers()
    layers["communities"] = layers["communities"].assign(built_year=float("nan"),
                                                         consent_rate=float("nan"))
    at = _app(layers)
    at.session_state["data_key"] = "grid4-unknown"  # not the cached plan of _grid_layers
    at.run()
    at.switch_page("ui/pages/zoning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metric(at, "片区数") == "0"
    (warning,) = at.warning
    assert "- 建成年代未知 16 个：" in warning.value  # the columns to add, and the box to tick
    assert warning.value.endswith("或勾选“纳入建成年代或同意率未知的小区”，按已知条件纳入。")
    box = at.checkbox(key="zoning_include_unknown")
    assert box.label == "纳入建成年代或同意率未知的小区" and box.value is False
    box.check()
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.checkbox(key="zoning_include_unknown").value is True  # kept after the submit
    assert int(_metric(at, "片区数")) > 0 and _metric(at, "未纳入小区") == "0"
    assert not at.warning
    assert [i.value for i in at.info] == ["16 个小区建成年代或居民同意率未知，已按已知条件纳入。"]
    # the data page no longer says they will be left out
    at.switch_page("ui/pages/data.py").run()
    assert any("已勾选“纳入建成年代或同意率未知的小区”" in w.value for w in at.warning)
    assert not any("规划时将列为未纳入" in w.value for w in at.warning)
    at.switch_page("ui/pages/zoning.py").run()
    at.checkbox(key="zoning_include_unknown").uncheck()
    at.button[0].click().run()
    assert _metric(at, "片区数") == "0" and not at.info
