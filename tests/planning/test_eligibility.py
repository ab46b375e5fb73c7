from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import LayerValidationError
from planning.eligibility import (
    assess_eligibility,
    exclusion_lines,
    exclusion_summary,
    read_overrides,
)
from planning.standards import EligibilityPolicy
from tests.factories import block_grid

XUCHANG = EligibilityPolicy(built_before_year=2001, min_consent_rate=2 / 3)
XINXIANG = EligibilityPolicy(built_before_year=2001, min_consent_rate=0.8)


def _layer(years: list[float | None], consent: list[float | None]) -> pd.DataFrame:
    n = len(years)
    return pd.DataFrame({"built_year": years, "consent_rate": consent},
                        index=pd.Index([f"C{i}" for i in range(n)], name="community_id"))


def test_year_cutoff_is_end_of_2000_and_a_parameter() -> None:
    df = _layer([1999, 2000, 2001, 2005], [0.9] * 4)
    t = assess_eligibility(df, XUCHANG)
    assert t["eligible"].tolist() == [True, True, False, False]
    assert t.loc["C2", "reason_codes"] == "built_after"
    assert "2001" in t.loc["C2", "excluded_reason"]
    later = assess_eligibility(df, EligibilityPolicy(built_before_year=2006))
    assert later["eligible"].all()


def test_consent_threshold_differs_by_city() -> None:
    df = _layer([1990] * 4, [0.6, 2 / 3, 0.75, 0.8])
    assert assess_eligibility(df, XUCHANG)["eligible"].tolist() == [False, True, True, True]
    x = assess_eligibility(df, XINXIANG)
    assert x["eligible"].tolist() == [False, False, False, True]  # exactly 80% qualifies
    assert x.loc["C2", "reason_codes"] == "consent_low"
    assert x.loc["C2", "excluded_reason_en"] == "consent 75.0% below 80.0%"


def test_missing_values_are_excluded_with_their_reason_and_all_reasons_kept() -> None:
    df = _layer([None, 1990, None, 2010], [0.9, None, None, 0.1])
    t = assess_eligibility(df, XUCHANG)
    assert not t["eligible"].any()
    assert t["reason_codes"].tolist() == [
        "built_year_missing", "consent_missing", "built_year_missing;consent_missing",
        "built_after;consent_low"]
    assert t.loc["C0", "excluded_reason"] == "建成年代未知"
    assert t["excluded_reason"].notna().all()


def test_eligible_rows_have_no_reason_and_index_is_kept() -> None:
    df = _layer([1990, 1995], [0.9, 0.95])
    df.index = pd.Index(["b", "a"], name="community_id")
    t = assess_eligibility(df, XUCHANG)
    assert t.index.tolist() == ["b", "a"]
    assert t["excluded_reason"].isna().all()
    assert t["reason_codes"].tolist() == ["", ""]


def test_overrides_force_in_and_out_keep_the_note() -> None:
    df = _layer([2005, 1990, 1990], [0.9, 0.9, 0.2])
    ov = pd.DataFrame({"community_id": ["C0", "C1"], "action": ["纳入", "force_out"],
                       "note": ["区政府同意纳入", "已列入拆迁计划"]})
    t = assess_eligibility(df, XUCHANG, overrides=ov)
    assert t["eligible"].tolist() == [True, False, False]
    assert pd.isna(t.loc["C0", "excluded_reason"])
    assert t.loc["C0", "override"] == "force_in"
    assert t.loc["C0", "override_note"] == "区政府同意纳入"
    assert t.loc["C1", "excluded_reason"] == "规划人员排除：已列入拆迁计划"
    assert t.loc["C1", "reason_codes"] == "forced_out"
    assert t.loc["C2", "override"] is None


def test_overrides_csv_with_bom_and_chinese_headers(tmp_path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text("小区编号,操作,备注\nC1,排除,产权纠纷\n", encoding="utf-8-sig")
    o = read_overrides(path)
    assert o.to_dict("index") == {"C1": {"action": "force_out", "note": "产权纠纷"}}
    t = assess_eligibility(_layer([1990, 1990], [0.9, 0.9]), XUCHANG, overrides=path)
    assert t["eligible"].tolist() == [True, False]


def test_bad_overrides_list_every_problem_at_once() -> None:
    ov = pd.DataFrame({"community_id": ["C0", "C0", "C1"], "action": ["纳入", "纳入", "maybe"],
                       "note": ["", "ok", "x"]})
    with pytest.raises(LayerValidationError) as err:
        read_overrides(ov)
    text = str(err.value)
    assert "maybe" in text and "note" in text and "more than once" in text
    assert len(err.value.problems) == 3


def test_override_of_unknown_compound_and_bad_consent_are_reported_together() -> None:
    df = _layer([1990, 1990], [1.5, 0.9])
    ov = pd.DataFrame({"community_id": ["ZZZ"], "action": ["force_in"], "note": ["typo"]})
    with pytest.raises(LayerValidationError) as err:
        assess_eligibility(df, XUCHANG, overrides=ov)
    cols = {p.column: p.rows for p in err.value.problems}
    assert cols == {"consent_rate": ("C0",), "community_id": ("ZZZ",)}


def test_missing_column_is_an_error() -> None:
    with pytest.raises(LayerValidationError, match="built_year"):
        assess_eligibility(pd.DataFrame({"consent_rate": [0.9]}), XUCHANG)


def test_grid_factory_is_all_eligible(grid4) -> None:
    t = assess_eligibility(grid4, XINXIANG)
    assert t["eligible"].all() and len(t) == 16


def test_sample_district_matches_an_independent_count(sample_layers) -> None:
    c = sample_layers["communities"]
    t = assess_eligibility(c, XINXIANG)
    year = pd.to_numeric(c["built_year"], errors="coerce")
    consent = pd.to_numeric(c["consent_rate"], errors="coerce")
    expected = (year <= 2000) & (consent >= 0.8)
    assert (t["eligible"] == expected).all()
    assert t.index.equals(c.index)
    assert t.loc[~t["eligible"], "excluded_reason"].notna().all()
    assert np.isin(t["reason_codes"].str.split(";").explode().replace("", np.nan).dropna(),
                   ["built_after", "consent_low", "built_year_missing",
                    "consent_missing"]).all()


def test_grid_with_one_late_compound() -> None:
    g = block_grid(2)
    g.loc["C01", "built_year"] = 2003
    t = assess_eligibility(g, XUCHANG)
    assert t["eligible"].tolist() == [True, False, True, True]


def test_exclusion_summary_counts_each_reason_and_puts_missing_data_first() -> None:
    df = _layer([None, 2010, None, 1990, 1990, 2005], [0.9, 0.1, None, 0.5, 0.9, 0.9])
    t = assess_eligibility(df, XINXIANG)
    s = exclusion_summary(t["reason_codes"], XINXIANG)
    # C2 counts under both missing reasons, C1 under both policy reasons; C4 is eligible
    assert s["code"].tolist() == ["built_year_missing", "consent_missing", "built_after",
                                  "consent_low"]
    assert s["compounds"].tolist() == [2, 1, 2, 2]
    assert s.loc[2, "reason"] == "建成于2001年或以后"
    assert s.loc[3, "reason_en"] == "consent below 80.0%"  # the policy's threshold, not 2/3
    assert "built_year" in s.loc[0, "advice_en"] and "建成年代" in s.loc[0, "advice"]
    assert (s.loc[2:, "advice"] == "").all()  # nothing to complete for a policy reason


def test_exclusion_summary_of_nothing_excluded_is_empty_and_unknown_codes_are_kept() -> None:
    assert exclusion_summary(pd.Series(["", ""]), XUCHANG).empty
    assert exclusion_summary(pd.Series([], dtype=object), XUCHANG).empty
    s = exclusion_summary(pd.Series(["not_eligible", "from_elsewhere", None]), XUCHANG)
    assert s["code"].tolist() == ["not_eligible", "from_elsewhere"]
    assert s.loc[1, "reason"] == "from_elsewhere" and s["compounds"].tolist() == [1, 1]


def test_exclusion_lines_give_the_advice_for_missing_data_only() -> None:
    codes = pd.Series(["built_year_missing", "consent_low;built_year_missing"])
    lines = exclusion_lines(exclusion_summary(codes, XUCHANG))
    assert len(lines) == 2
    assert lines[0].startswith("  建成年代未知 built year unknown: 2 — ")
    assert "built_year" in lines[0]
    assert lines[1] == "  居民同意率低于66.7% consent below 66.7%: 1"


# ------------------------------------------- include_unknown: a policy for data without the columns


def test_unknown_values_are_included_with_a_note_when_the_policy_says_so() -> None:
    df = _layer([None, 1990, None, 2010, None, None],
                [0.9, None, None, None, 0.5, None])
    keep = assess_eligibility(df, EligibilityPolicy(include_unknown=False))
    assert keep["eligible"].tolist() == [False] * 6  # as before: unknown is left out
    assert keep["eligibility_note"].isna().all()
    t = assess_eligibility(df, EligibilityPolicy(include_unknown=True),
                           overrides=pd.DataFrame({"community_id": ["C5"],
                                                   "action": ["排除"], "note": ["拆迁"]}))
    # judged on what is known: built 2010 and consent 50% still leave a compound out
    assert t["eligible"].tolist() == [True, True, True, False, False, False]
    assert t["reason_codes"].tolist() == ["", "", "", "built_after", "consent_low",
                                          "forced_out"]
    assert t["eligibility_note"].tolist() == [
        "建成年代未知，按已知条件纳入", "居民同意率未知，按已知条件纳入",
        "建成年代、居民同意率未知，按已知条件纳入", None, None, None]
    assert t.loc["C2", "eligibility_note_en"] == (
        "included with built year and consent rate unknown, on what is known")
    assert t["excluded_reason"].iloc[:3].isna().all()


def test_a_compound_forced_in_carries_the_planners_note_not_the_policys() -> None:
    df = _layer([None], [None])
    t = assess_eligibility(df, EligibilityPolicy(include_unknown=True),
                           overrides=pd.DataFrame({"community_id": ["C0"], "action": ["纳入"],
                                                   "note": ["街道申请"]}))
    assert bool(t.loc["C0", "eligible"]) and t.loc["C0", "eligibility_note"] is None
    assert t.loc["C0", "override_note"] == "街道申请"


def test_standards_file_carries_include_unknown_and_checks_it(tmp_path) -> None:
    from geo.errors import ScenarioError
    from planning.standards import load_standards

    assert load_standards().eligibility.include_unknown is False  # data/standards.toml
    mine = tmp_path / "city.toml"
    mine.write_text("[eligibility]\ninclude_unknown = true\n", encoding="utf-8")
    assert load_standards(mine).eligibility.include_unknown is True
    mine.write_text("[eligibility]\ninclude_unknown = \"yes\"\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="include_unknown must be true or false"):
        load_standards(mine)
    std = load_standards().replace(eligibility={"include_unknown": True})
    assert std.to_dict()["eligibility"]["include_unknown"] is True
