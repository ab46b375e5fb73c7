"""Which compounds qualify for renovation, and why the others do not.

A compound qualifies when it was built before ``policy.built_before_year`` (国办发〔2020〕23号:
built before the end of 2000, so the default is 2001) and its residents' consent rate is at or
above ``policy.min_consent_rate`` (2/3 in Xuchang, 80% in Xinxiang and Xinyang). A compound whose
build year or consent rate is unknown is excluded with that reason, unless
``policy.include_unknown``: then it is judged on what is known and, when included, carries a note
saying which value was unknown (``eligibility_note``, ``eligibility_note_en``; an OpenStreetMap
extract has neither column, see :func:`unknown_counts`). Planner overrides come last:
``force_in`` (纳入) admits a compound whatever the rules say, ``force_out`` (排除) excludes it; each
override carries the planner's note, which is kept in the result.

Every excluded compound keeps its reason, in Chinese (``excluded_reason``) and English
(``excluded_reason_en``), plus machine-readable codes (``reason_codes``, ``;``-separated).

Examples
--------
>>> from planning.sample import load_sample
>>> from planning.standards import load_standards
>>> communities = load_sample()["communities"]
>>> policy = load_standards().eligibility
>>> table = assess_eligibility(communities, policy)
>>> table.index.equals(communities.index)
True
>>> bool(table["eligible"].any()), bool((~table["eligible"]).any())
(True, True)
>>> table.loc[~table["eligible"], "excluded_reason"].notna().all()
np.True_
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import LayerValidationError, Problem
from planning.standards import EligibilityPolicy

__all__ = [
    "OVERRIDE_ACTIONS",
    "assess_eligibility",
    "exclusion_lines",
    "exclusion_summary",
    "read_overrides",
    "unknown_counts",
]

#: accepted spellings of an override action -> canonical action
OVERRIDE_ACTIONS: dict[str, str] = {
    "force_in": "force_in", "in": "force_in", "include": "force_in", "纳入": "force_in",
    "强制纳入": "force_in",
    "force_out": "force_out", "out": "force_out", "exclude": "force_out", "排除": "force_out",
    "强制排除": "force_out",
}

_OVERRIDE_COLUMNS = {
    "community_id": ("community_id", "id", "编号", "小区编号", "小区代码"),
    "action": ("action", "操作", "处理", "调整"),
    "note": ("note", "备注", "说明", "理由", "reason"),
}

_EPS = 1e-9


def read_overrides(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate planner overrides (CSV in UTF-8 with or without BOM, or a DataFrame).

    Parameters
    ----------
    source
        A CSV path or a DataFrame with columns ``community_id`` (or 编号/小区编号), ``action``
        (``force_in``/``force_out`` or 纳入/排除; or 操作) and ``note`` (or 备注).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``community_id`` (str) with ``action`` in {force_in, force_out} and ``note``.

    Raises
    ------
    LayerValidationError
        Listing every problem at once: missing columns, unknown actions, empty notes, an id
        given twice.

    Examples
    --------
    >>> o = read_overrides(pd.DataFrame({"编号": ["C1"], "操作": ["纳入"], "备注": ["街道申请"]}))
    >>> o.loc["C1", "action"], o.loc["C1", "note"]
    ('force_in', '街道申请')
    """
    name = str(source) if not isinstance(source, pd.DataFrame) else "overrides"
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
    else:
        raw = pd.read_csv(source, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    if raw.index.name in _OVERRIDE_COLUMNS["community_id"]:
        raw = raw.reset_index()
    problems: list[Problem] = []
    rename: dict[str, str] = {}
    for canonical, aliases in _OVERRIDE_COLUMNS.items():
        found = [c for c in raw.columns if str(c).strip().lower() in aliases]
        if not found:
            problems.append(Problem(canonical, (), f"column missing; accepted headers: "
                                                   f"{', '.join(aliases)}"))
        else:
            rename[found[0]] = canonical
    if problems:
        raise LayerValidationError(name, problems)
    df = raw.rename(columns=rename)[list(_OVERRIDE_COLUMNS)]
    df["community_id"] = df["community_id"].astype(str).str.strip()
    df["note"] = df["note"].fillna("").astype(str).str.strip()
    actions = df["action"].fillna("").astype(str).str.strip()
    canonical_action = actions.str.lower().map(OVERRIDE_ACTIONS)
    bad = canonical_action.isna()
    if bad.any():
        problems.append(Problem("action", tuple(df.loc[bad, "community_id"]),
                                f"unknown action(s) {sorted(set(actions[bad]))}; allowed: "
                                "force_in/纳入, force_out/排除"))
    empty = df["note"] == ""
    if empty.any():
        problems.append(Problem("note", tuple(df.loc[empty, "community_id"]),
                                "every override needs a note saying why (备注)"))
    dup = df["community_id"].duplicated(keep=False)
    if dup.any():
        problems.append(Problem("community_id", tuple(sorted(set(df.loc[dup, "community_id"]))),
                                "given more than once; keep one override per compound"))
    if problems:
        raise LayerValidationError(name, problems)
    df["action"] = canonical_action
    return df.set_index("community_id")


def assess_eligibility(communities: pd.DataFrame, policy: EligibilityPolicy, *,
                       overrides: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """Decide which compounds qualify for renovation, keeping the reason for each exclusion.

    Parameters
    ----------
    communities
        The communities layer (indexed by ``community_id``) with ``built_year`` and
        ``consent_rate`` (fraction 0–1; missing values allowed).
    policy
        Thresholds: ``built_before_year`` (built_year < it qualifies) and ``min_consent_rate``
        (consent_rate >= it qualifies).
    overrides
        Planner overrides (see :func:`read_overrides`); they win over the rules.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``communities``: ``eligible`` (bool), ``excluded_reason`` (Chinese, None
        when eligible), ``excluded_reason_en``, ``reason_codes`` (``;``-separated codes among
        ``built_after``, ``built_year_missing``, ``consent_low``, ``consent_missing``,
        ``forced_out``; empty when eligible), ``override`` (None, ``force_in``, ``force_out``),
        ``override_note``, and ``eligibility_note`` (Chinese) and ``eligibility_note_en``: for
        a compound included although its built year or consent rate is unknown
        (``policy.include_unknown``), which value was unknown; None otherwise.

    Raises
    ------
    LayerValidationError
        When a column is missing, a consent rate lies outside 0–1, or an override names a
        compound that is not in the layer (all listed at once).
    """
    problems: list[Problem] = []
    for col in ("built_year", "consent_rate"):
        if col not in communities.columns:
            problems.append(Problem(col, (), "column missing (建成年代 / 同意率)"))
    if problems:
        raise LayerValidationError("communities", problems)
    ids = communities.index.astype(str)
    year = pd.to_numeric(communities["built_year"], errors="coerce").to_numpy(dtype=float)
    consent = pd.to_numeric(communities["consent_rate"], errors="coerce").to_numpy(dtype=float)
    out_of_range = (consent < 0) | (consent > 1)
    if out_of_range.any():
        problems.append(Problem("consent_rate", tuple(ids[out_of_range]),
                                "must be a fraction in 0–1 (0.8 for 80%)"))
    table_overrides = None if overrides is None else read_overrides(overrides)
    if table_overrides is not None:
        unknown = sorted(set(table_overrides.index) - set(ids))
        if unknown:
            problems.append(Problem("community_id", tuple(unknown),
                                    "override names a compound that is not in the layer"))
    if problems:
        raise LayerValidationError("communities", problems)

    n = len(communities)
    zh: list[list[str]] = [[] for _ in range(n)]
    en: list[list[str]] = [[] for _ in range(n)]
    codes: list[list[str]] = [[] for _ in range(n)]
    unknown_zh: list[list[str]] = [[] for _ in range(n)]
    unknown_en: list[list[str]] = [[] for _ in range(n)]
    cutoff = policy.built_before_year
    rate = policy.min_consent_rate
    for i in range(n):
        if np.isnan(year[i]) and policy.include_unknown:
            unknown_zh[i].append("建成年代")
            unknown_en[i].append("built year")
        elif np.isnan(year[i]):
            zh[i].append("建成年代未知")
            en[i].append("built year unknown")
            codes[i].append("built_year_missing")
        elif year[i] >= cutoff:
            zh[i].append(f"建成于{int(year[i])}年，不早于{cutoff}年")
            en[i].append(f"built {int(year[i])}, not before {cutoff}")
            codes[i].append("built_after")
        if np.isnan(consent[i]) and policy.include_unknown:
            unknown_zh[i].append("居民同意率")
            unknown_en[i].append("consent rate")
        elif np.isnan(consent[i]):
            zh[i].append("居民同意率未知")
            en[i].append("consent rate unknown")
            codes[i].append("consent_missing")
        elif consent[i] < rate - _EPS:
            zh[i].append(f"居民同意率{consent[i]:.1%}低于{rate:.1%}")
            en[i].append(f"consent {consent[i]:.1%} below {rate:.1%}")
            codes[i].append("consent_low")

    override = np.full(n, None, dtype=object)
    note = np.full(n, None, dtype=object)
    if table_overrides is not None:
        pos = pd.Index(ids).get_indexer(table_overrides.index)
        override[pos] = table_overrides["action"].to_numpy()
        note[pos] = table_overrides["note"].to_numpy()
    eligible = np.array([not c for c in codes], dtype=bool)
    for i in np.flatnonzero(override == "force_in").tolist():
        eligible[i] = True
        zh[i], en[i], codes[i] = [], [], []
    for i in np.flatnonzero(override == "force_out").tolist():
        eligible[i] = False
        zh[i] = [f"规划人员排除：{note[i]}", *zh[i]]
        en[i] = [f"excluded by planner: {note[i]}", *en[i]]
        codes[i] = ["forced_out", *codes[i]]
    # included for want of a value (not by the planner, whose note says why): say which
    noted = eligible & (override != "force_in") & np.array([bool(u) for u in unknown_zh])
    note_zh = [f"{'、'.join(u)}未知，按已知条件纳入" if ok else None
               for u, ok in zip(unknown_zh, noted, strict=True)]
    note_en = [f"included with {' and '.join(u)} unknown, on what is known" if ok else None
               for u, ok in zip(unknown_en, noted, strict=True)]

    def text(values: list[str | None] | np.ndarray) -> pd.Series:
        return pd.Series(list(values), index=communities.index, dtype=object)

    return pd.DataFrame({
        "eligible": pd.Series(eligible, index=communities.index, dtype=bool),
        "excluded_reason": text(["；".join(r) if r else None for r in zh]),
        "excluded_reason_en": text(["; ".join(r) if r else None for r in en]),
        "reason_codes": text([";".join(c) for c in codes]),
        "override": text(override),
        "override_note": text(note),
        "eligibility_note": text(note_zh),
        "eligibility_note_en": text(note_en),
    })


def unknown_counts(table: pd.DataFrame) -> tuple[int, int]:
    """Compounds left out, and compounds included, with a built year or consent rate unknown.

    Parameters
    ----------
    table
        The result of :func:`assess_eligibility` (``reason_codes``; ``eligibility_note``
        when present).

    Returns
    -------
    tuple of int
        Compounds whose reasons include an unknown value (``built_year_missing``,
        ``consent_missing``), and compounds included with one (a note in
        ``eligibility_note``).

    Examples
    --------
    >>> c = pd.DataFrame({"built_year": [None, 1990, 1990], "consent_rate": [0.9, None, 0.9]},
    ...                  index=["A", "B", "C"])
    >>> unknown_counts(assess_eligibility(c, EligibilityPolicy()))
    (2, 0)
    >>> unknown_counts(assess_eligibility(c, EligibilityPolicy(include_unknown=True)))
    (0, 2)
    """
    codes = table["reason_codes"].fillna("").astype(str).str.split(";")
    left_out = int(codes.map(lambda c: bool(set(c) & set(_UNKNOWN_CODES))).sum())
    included = (int(table["eligibility_note"].notna().sum())
                if "eligibility_note" in table.columns else 0)
    return left_out, included


#: Reason codes of a value the data lack (what ``include_unknown`` lets in).
_UNKNOWN_CODES = ("built_year_missing", "consent_missing")


#: Each reason code: what it means (Chinese, English; formatted with the policy) and, for data a
#: planner can complete, what to do. Missing data come first: they are what a planner can fix.
_REASONS: dict[str, tuple[str, str, str, str]] = {
    "built_year_missing": (
        "建成年代未知", "built year unknown",
        "在小区图层中补填这些小区的“建成年代”（built_year；无此列则添加）后重新载入",
        "fill in these compounds' built year (建成年代 / built_year; add the column if the "
        "layer has none) and load the layer again"),
    "consent_missing": (
        "居民同意率未知", "consent rate unknown",
        "在小区图层中补填这些小区的“居民同意率”（consent_rate，0.8 或 80%；无此列则添加）"
        "后重新载入",
        "fill in these compounds' consent rate (居民同意率 / consent_rate, 0.8 or 80%; add the "
        "column if the layer has none) and load the layer again"),
    "built_after": ("建成于{year}年或以后", "built in {year} or later", "", ""),
    "consent_low": ("居民同意率低于{rate:.1%}", "consent below {rate:.1%}", "", ""),
    "forced_out": ("规划人员排除", "excluded by the planner", "", ""),
    "not_eligible": ("不符合改造条件", "not eligible", "", ""),
}


def exclusion_summary(reason_codes: pd.Series, policy: EligibilityPolicy) -> pd.DataFrame:
    """Excluded compounds counted by reason, with what the planner can do about each.

    A compound with two reasons counts under both. Reasons the planner can fix by completing
    the data (an unknown build year or consent rate) come first.

    Parameters
    ----------
    reason_codes
        ``reason_codes`` from :func:`assess_eligibility` (``;``-separated; empty or missing
        when eligible).
    policy
        The thresholds the reasons were decided with (they are named in the text).

    Returns
    -------
    pandas.DataFrame
        One row per reason that occurs: ``code``, ``compounds`` (count), ``reason`` and
        ``reason_en``, ``advice`` and ``advice_en`` (empty when there is nothing to advise).

    Examples
    --------
    >>> codes = pd.Series(["built_year_missing;consent_missing", "consent_low", ""])
    >>> s = exclusion_summary(codes, EligibilityPolicy())
    >>> s[["code", "compounds", "reason_en"]].to_numpy().tolist()
    [['built_year_missing', 1, 'built year unknown'], ['consent_missing', 1, \
'consent rate unknown'], ['consent_low', 1, 'consent below 66.7%']]
    """
    codes = reason_codes.dropna().astype(str).str.split(";").explode()
    counts = codes[codes != ""].value_counts()
    fmt = {"year": policy.built_before_year, "rate": policy.min_consent_rate}
    rows = [{"code": code, "compounds": int(counts[code]), "reason": zh.format(**fmt),
             "reason_en": en.format(**fmt), "advice": advice, "advice_en": advice_en}
            for code, (zh, en, advice, advice_en) in _REASONS.items() if code in counts.index]
    rows += [{"code": code, "compounds": int(n), "reason": code, "reason_en": code,
              "advice": "", "advice_en": ""} for code, n in counts.items() if code not in _REASONS]
    return pd.DataFrame(rows, columns=["code", "compounds", "reason", "reason_en", "advice",
                                       "advice_en"])


def exclusion_lines(summary: pd.DataFrame) -> list[str]:
    """Bilingual lines for the command line from :func:`exclusion_summary`.

    >>> codes = pd.Series(["consent_missing", "consent_missing", "forced_out"])
    >>> lines = exclusion_lines(exclusion_summary(codes, EligibilityPolicy()))
    >>> print(lines[0][:56])
      居民同意率未知 consent rate unknown: 2 — 在小区图层中补填这些小区的“居民同意率”
    >>> print(lines[1])
      规划人员排除 excluded by the planner: 1
    """
    lines = []
    for _, r in summary.iterrows():
        line = f"  {r['reason']} {r['reason_en']}: {r['compounds']}"
        if r["advice"]:
            line += f" — {r['advice']} / {r['advice_en']}"
        lines.append(line)
    return lines
