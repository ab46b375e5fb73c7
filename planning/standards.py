"""Standards and policy parameters, loaded from TOML into validated, frozen dataclasses.

The defaults live in ``data/standards.toml`` with their sources. Nothing here is a mutable global:
load a :class:`Standards` and pass it in.

Examples
--------
>>> std = load_standards()
>>> std.walking.speed_kmh
4.5
>>> [lv.minutes for lv in std.life_circle]
[5, 10, 15]
>>> std.kinds["kindergarten"].threshold_minutes
5
>>> round(std.walking.metres_per_minute, 1)
75.0
>>> std.replace(eligibility={"min_consent_rate": 0.8}).eligibility.min_consent_rate
0.8
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import ScenarioError
from geo.schema import FACILITY_KINDS

__all__ = [
    "DEFAULT_STANDARDS_PATH",
    "CostNorms",
    "DemandNorms",
    "EligibilityPolicy",
    "KindNorm",
    "LifeCircleLevel",
    "Standards",
    "Walking",
    "ZoningNorms",
    "load_standards",
]

DEFAULT_STANDARDS_PATH = Path(__file__).resolve().parent.parent / "data" / "standards.toml"


@dataclass(frozen=True)
class Walking:
    """Walking speed and how compounds and facilities join the network."""

    speed_kmh: float = 4.5
    detour_factor: float = 1.3
    snap_tolerance_m: float = 150.0
    access_points: int = 4
    service_area_buffer_m: float = 30.0
    min_component_m: float = 1000.0

    @property
    def metres_per_minute(self) -> float:
        """Walking speed in metres per minute."""
        return self.speed_kmh * 1000.0 / 60.0


@dataclass(frozen=True)
class LifeCircleLevel:
    """One life-circle level (GB 50180-2018)."""

    minutes: int
    distance_m: float
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class KindNorm:
    """Reach norm of one facility kind."""

    key: str
    threshold_minutes: int
    required: bool = True


@dataclass(frozen=True)
class EligibilityPolicy:
    """Which compounds qualify for renovation.

    ``include_unknown``: a compound whose built year or consent rate is not in the data is
    judged on what is known and included (with a note) instead of being left out.
    """

    built_before_year: int = 2001
    min_consent_rate: float = 2 / 3
    include_unknown: bool = False


@dataclass(frozen=True)
class ZoningNorms:
    """Bounds and tolerances of renovation zones."""

    min_households: int = 800
    max_households: int = 5000
    gap_tolerance_m: float = 60.0
    max_diameter_m: float = 2250.0
    island_join_distance_m: float = 300.0
    barrier_road_class: str = "primary"
    keep_within_subdistrict: bool = False
    compactness_weight: float = 0.25


@dataclass(frozen=True)
class DemandNorms:
    """Ratios that turn households into facility demand."""

    elderly_care_m2_per_100_households: float = 20.0
    ev_share: float = 0.15
    chargers_per_ev: float = 1.0
    parking_spaces_per_household: float = 0.5
    elderly_care_site_m2: float = 350.0
    ev_charger_site_units: float = 20.0
    parking_site_spaces: float = 100.0
    min_generated_site_area_m2: float = 3000.0


@dataclass(frozen=True)
class CostNorms:
    """Renovation cost per household (万元)."""

    per_household_wan: float = 2.7
    elderly_care_wan_per_m2: float = 0.4
    ev_charger_wan_per_unit: float = 0.5
    parking_wan_per_space: float = 1.0


@dataclass(frozen=True)
class Standards:
    """Every standard and policy parameter of a run."""

    walking: Walking
    life_circle: tuple[LifeCircleLevel, ...]
    kinds: dict[str, KindNorm]
    eligibility: EligibilityPolicy
    zoning: ZoningNorms
    demand: DemandNorms
    cost: CostNorms
    source: str = "data/standards.toml"

    def replace(self, **sections: dict[str, Any]) -> Standards:
        """A copy with some fields of some sections changed, validated again."""
        data = self.to_dict()
        for section, values in sections.items():
            if section not in data or not isinstance(data[section], dict):
                msg = f"unknown standards section {section!r}"
                raise ScenarioError(msg)
            data[section] = {**data[section], **values}
        return _from_dict(data, source=self.source)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in the TOML file's shape (for saving a scenario)."""
        return {
            "walking": dataclasses.asdict(self.walking),
            "life_circle": [dataclasses.asdict(lv) for lv in self.life_circle],
            "kinds": {k: {"threshold_minutes": v.threshold_minutes, "required": v.required}
                      for k, v in self.kinds.items()},
            "eligibility": dataclasses.asdict(self.eligibility),
            "zoning": dataclasses.asdict(self.zoning),
            "demand": dataclasses.asdict(self.demand),
            "cost": dataclasses.asdict(self.cost),
        }


def load_standards(path: str | Path | None = None) -> Standards:
    """Load and validate a standards TOML file (the bundled defaults when ``path`` is None).

    Parameters
    ----------
    path
        A TOML file in the shape of ``data/standards.toml``. Missing sections and keys take the
        bundled defaults.

    Returns
    -------
    Standards
        Frozen and validated.
    """
    defaults = _read_toml(DEFAULT_STANDARDS_PATH)
    if path is None:
        return _from_dict(defaults, source=str(DEFAULT_STANDARDS_PATH.name))
    user = _read_toml(Path(path))
    merged = {**defaults}
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return _from_dict(merged, source=str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        msg = f"standards file not found: {path}"
        raise ScenarioError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"standards file {path} is not valid TOML: {exc}"
        raise ScenarioError(msg) from exc


def _section(cls: type, data: dict[str, Any], name: str, problems: list[str]) -> Any:
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        problems.append(f"[{name}] unknown keys {unknown}; allowed: {sorted(fields)}")
        data = {k: v for k, v in data.items() if k in fields}
    return cls(**data)


def _from_dict(data: dict[str, Any], *, source: str) -> Standards:
    problems: list[str] = []
    walking = _section(Walking, dict(data.get("walking", {})), "walking", problems)
    levels = tuple(
        _section(LifeCircleLevel, dict(lv), "life_circle", problems)
        for lv in data.get("life_circle", [])
    )
    kinds: dict[str, KindNorm] = {}
    for key, spec in dict(data.get("kinds", {})).items():
        if key not in FACILITY_KINDS:
            problems.append(f"[kinds.{key}] unknown kind; allowed: {sorted(FACILITY_KINDS)}")
            continue
        kinds[key] = _section(KindNorm, {"key": key, **spec}, f"kinds.{key}", problems)
    eligibility = _section(EligibilityPolicy, dict(data.get("eligibility", {})), "eligibility",
                           problems)
    zoning = _section(ZoningNorms, dict(data.get("zoning", {})), "zoning", problems)
    demand = _section(DemandNorms, dict(data.get("demand", {})), "demand", problems)
    cost = _section(CostNorms, dict(data.get("cost", {})), "cost", problems)

    if walking.speed_kmh <= 0 or walking.detour_factor < 1 or walking.snap_tolerance_m <= 0:
        problems.append("[walking] speed_kmh > 0, detour_factor >= 1, snap_tolerance_m > 0")
    if walking.access_points < 1:
        problems.append("[walking] access_points must be >= 1")
    if walking.service_area_buffer_m <= 0 or walking.min_component_m < 0:
        problems.append("[walking] service_area_buffer_m > 0 and min_component_m >= 0")
    if not levels or sorted(lv.minutes for lv in levels) != [lv.minutes for lv in levels]:
        problems.append("[[life_circle]] needs at least one level, in increasing minutes")
    level_minutes = {lv.minutes for lv in levels}
    for k in kinds.values():
        if k.threshold_minutes not in level_minutes:
            problems.append(f"[kinds.{k.key}] threshold_minutes={k.threshold_minutes} is not a "
                            f"life-circle level; allowed: {sorted(level_minutes)}")
    if not 0 <= eligibility.min_consent_rate <= 1:
        problems.append("[eligibility] min_consent_rate must be a fraction in 0–1 (0.8 for 80%)")
    if not isinstance(eligibility.include_unknown, bool):
        problems.append("[eligibility] include_unknown must be true or false")
    if not 0 < zoning.min_households <= zoning.max_households:
        problems.append("[zoning] need 0 < min_households <= max_households")
    if zoning.gap_tolerance_m < 0 or zoning.max_diameter_m <= 0:
        problems.append("[zoning] gap_tolerance_m >= 0 and max_diameter_m > 0")
    if zoning.island_join_distance_m < 0 or zoning.compactness_weight < 0:
        problems.append("[zoning] island_join_distance_m >= 0 and compactness_weight >= 0")
    if not isinstance(zoning.barrier_road_class, str):
        problems.append("[zoning] barrier_road_class must be a road class such as \"primary\" "
                        "(or \"\" for no street barrier)")
    for f in dataclasses.fields(DemandNorms):
        if getattr(demand, f.name) < 0:
            problems.append(f"[demand] {f.name} must be >= 0")
    for f in dataclasses.fields(CostNorms):
        if getattr(cost, f.name) < 0:
            problems.append(f"[cost] {f.name} must be >= 0")
    if problems:
        msg = f"standards {source}: " + "; ".join(problems)
        raise ScenarioError(msg)
    return Standards(walking=walking, life_circle=levels, kinds=kinds, eligibility=eligibility,
                     zoning=zoning, demand=demand, cost=cost, source=source)
