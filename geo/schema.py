"""The data model: canonical layers, their columns, Chinese and English header aliases.

Column names here are the contract between modules (see DESIGN.md). Readers map whatever headers
a file has onto these names; exports map them back to Chinese or English aliases.

Examples
--------
>>> COMMUNITIES.id_column
'community_id'
>>> COMMUNITIES.resolve_header("户数")
'households'
>>> COMMUNITIES.resolve_header(" Built Year ")
'built_year'
>>> FACILITY_KINDS["ev_charger"].label_zh
'充电桩'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BARRIERS",
    "COMMUNITIES",
    "FACILITIES",
    "FACILITY_KINDS",
    "LAYERS",
    "SITES",
    "STREETS",
    "Column",
    "FacilityKind",
    "LayerSchema",
    "normalise_header",
]

Dtype = Literal["str", "int", "float", "fraction", "year", "kinds"]
GeomKind = Literal["polygon", "point", "line", "point_or_polygon", "line_or_polygon"]


def normalise_header(name: str) -> str:
    """Lower-case a header and fold spaces, dashes and full-width punctuation to ``_``.

    >>> normalise_header(" Floor-Area (m²) ")
    'floor_area'
    >>> normalise_header("户数（户）")
    '户数'
    """
    s = str(name).strip().lower().replace("²", "2")
    s = re.sub(r"[（(][^）)]*[）)]", "", s)  # drop unit suffixes such as （户） or (m2)
    s = re.sub(r"[\s\-./：:，,]+", "_", s)
    return s.strip("_")


@dataclass(frozen=True)
class Column:
    """One canonical column of a layer."""

    name: str
    dtype: Dtype
    label_zh: str
    label_en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class LayerSchema:
    """A canonical layer: id column, geometry kind and columns."""

    name: str
    label_zh: str
    id_column: str
    id_prefix: str
    geometry: GeomKind
    columns: tuple[Column, ...]
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for col in (Column(self.id_column, "str", "编号", "ID", aliases=_ID_ALIASES),
                    *self.columns):
            for alias in (col.name, col.label_zh, col.label_en, *col.aliases):
                lookup[normalise_header(alias)] = col.name
        object.__setattr__(self, "_lookup", lookup)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Canonical column names, id first."""
        return (self.id_column, *(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """The column called ``name`` (canonical)."""
        for c in self.columns:
            if c.name == name:
                return c
        msg = f"layer {self.name!r} has no column {name!r}"
        raise KeyError(msg)

    def resolve_header(self, header: str) -> str | None:
        """Canonical name for a file header (Chinese or English), or None if unknown."""
        return self._lookup.get(normalise_header(header))

    def aliases_zh(self) -> dict[str, str]:
        """Canonical name -> Chinese alias, for exports."""
        return {"geometry": "几何", self.id_column: "编号",
                **{c.name: c.label_zh for c in self.columns}}

    def aliases_en(self) -> dict[str, str]:
        """Canonical name -> English alias, for exports."""
        return {"geometry": "Geometry", self.id_column: "ID",
                **{c.name: c.label_en for c in self.columns}}


_ID_ALIASES = ("id", "编号", "代码", "objectid", "fid", "小区编号", "小区代码", "设施编号",
               "site_id", "community_id", "facility_id", "站点编号", "候选点编号")


@dataclass(frozen=True)
class FacilityKind:
    """A kind of facility a compound needs within walking reach."""

    key: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...] = ()
    #: what a facility's or a site's ``capacity`` counts for this kind
    capacity_unit_zh: str = "人"
    capacity_unit_en: str = "people served"


FACILITY_KINDS: dict[str, FacilityKind] = {
    k.key: k
    for k in (
        FacilityKind("elderly_care", "养老服务设施", "Elderly care",
                     ("养老", "日间照料中心", "日间照料", "养老院", "nursing_home",
                      "social_facility", "elderly", "day_care"),
                     "平方米建筑面积", "m² floor area"),
        FacilityKind("ev_charger", "充电桩", "EV charger",
                     ("充电站", "充电设施", "charging_station", "charger", "ev"),
                     "个充电桩", "chargers"),
        FacilityKind("parking", "停车场", "Parking",
                     ("停车", "停车位", "车库", "parking_lot"),
                     "个车位", "parking spaces"),
        FacilityKind("clinic", "社区卫生服务站", "Clinic",
                     ("卫生服务站", "卫生服务中心", "卫生室", "诊所", "doctors", "health")),
        FacilityKind("market", "菜市场", "Market",
                     ("农贸市场", "生鲜超市", "marketplace", "supermarket", "greengrocer")),
        FacilityKind("kindergarten", "幼儿园", "Kindergarten",
                     ("托儿所", "幼儿园托育", "childcare", "preschool")),
    )
}

COMMUNITIES = LayerSchema(
    name="communities",
    label_zh="小区",
    id_column="community_id",
    id_prefix="C",
    geometry="polygon",
    columns=(
        Column("name", "str", "小区名称", "Name", aliases=("名称", "小区名", "小区", "xqmc")),
        Column("district", "str", "所属区县", "District", aliases=("区县", "区", "所属区")),
        Column("subdistrict", "str", "所属街道", "Subdistrict",
               aliases=("街道", "街道办事处", "乡镇街道", "所属街道办")),
        Column("households", "int", "户数", "Households", required=True,
               aliases=("总户数", "住户数", "户", "hh", "house_holds"), minimum=0),
        Column("population", "int", "人口", "Population",
               aliases=("人口数", "常住人口", "居民人数", "pop"), minimum=0),
        Column("buildings", "int", "栋数", "Buildings",
               aliases=("楼栋数", "幢数", "楼数", "栋"), minimum=0),
        Column("floor_area_m2", "float", "建筑面积", "Floor area (m²)",
               aliases=("建筑面积_m2", "总建筑面积", "floor_area", "gfa"), minimum=0),
        Column("built_year", "year", "建成年代", "Built year",
               aliases=("建成年份", "建成时间", "建设年代", "建成年", "竣工年份", "year_built",
                        "year"),
               minimum=1900, maximum=2100),
        Column("consent_rate", "fraction", "同意率", "Consent rate",
               aliases=("居民同意率", "改造意愿", "意愿率", "consent"), minimum=0, maximum=1),
        Column("elderly_share", "fraction", "老年人口占比", "Elderly share",
               aliases=("老龄化率", "60岁以上占比", "老年人占比", "elderly_ratio"),
               minimum=0, maximum=1),
        Column("parking_spaces", "int", "停车位", "Parking spaces",
               aliases=("现有停车位", "车位数", "停车位数", "parking"), minimum=0),
        Column("ev_chargers", "int", "充电桩", "EV chargers",
               aliases=("现有充电桩", "充电桩数", "chargers"), minimum=0),
    ),
)

FACILITIES = LayerSchema(
    name="facilities",
    label_zh="现有设施",
    id_column="facility_id",
    id_prefix="F",
    geometry="point",
    columns=(
        Column("kind", "str", "设施类型", "Kind", required=True, aliases=("类型", "类别", "type")),
        Column("name", "str", "设施名称", "Name", aliases=("名称",)),
        Column("capacity", "float", "容量", "Capacity", aliases=("规模", "服务能力"), minimum=0),
    ),
)

SITES = LayerSchema(
    name="sites",
    label_zh="候选点",
    id_column="site_id",
    id_prefix="S",
    geometry="point_or_polygon",
    columns=(
        Column("kinds", "kinds", "可建设施类型", "Allowed kinds", required=True,
               aliases=("允许类型", "设施类型", "类型", "kind")),
        Column("name", "str", "候选点名称", "Name", aliases=("名称",)),
        Column("capacity", "float", "容量", "Capacity", aliases=("规模",), minimum=0),
        Column("cost", "float", "造价（万元）", "Cost (10k CNY)",
               aliases=("造价", "投资", "费用", "cost_wan"), minimum=0),
    ),
)

STREETS = LayerSchema(
    name="streets",
    label_zh="道路",
    id_column="street_id",
    id_prefix="R",
    geometry="line",
    columns=(
        Column("name", "str", "道路名称", "Name", aliases=("名称", "路名")),
        Column("road_class", "str", "道路等级", "Road class",
               aliases=("等级", "highway", "fclass", "class", "道路类型")),
        # a bridge or tunnel is walked along but not stepped onto from beside it: nothing
        # snaps to it (geo.network_graph.STRUCTURE_WORDS lists the values understood)
        Column("structure", "str", "桥隧", "Bridge or tunnel",
               aliases=("桥梁隧道", "桥隧类型", "道路结构", "bridge_tunnel")),
    ),
)

BARRIERS = LayerSchema(
    name="barriers",
    label_zh="阻隔",
    id_column="barrier_id",
    id_prefix="B",
    geometry="line_or_polygon",
    columns=(
        Column("name", "str", "名称", "Name"),
        Column("barrier_kind", "str", "阻隔类型", "Barrier kind",
               aliases=("类型", "type", "kind")),
    ),
)

LAYERS: dict[str, LayerSchema] = {
    s.name: s for s in (COMMUNITIES, FACILITIES, SITES, STREETS, BARRIERS)
}
