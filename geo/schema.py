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

Shapefile field names hold 10 bytes. The short names Pianqu writes (``Column.short``,
``LayerSchema.id_short``) and what GDAL or QGIS leave of a longer alias are read back as the
column, and a unit a header states is read with it:

>>> COMMUNITIES.resolve_header("consent_ra"), COMMUNITIES.resolve_header("老年人口占")
('consent_rate', 'elderly_share')
>>> m = SITES.match_header("造价(元)")
>>> m.column, m.unit, m.factor
('cost', '元', 0.0001)
"""

from __future__ import annotations

import re
import unicodedata
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
    "SHAPEFILE_NAME_BYTES",
    "Column",
    "FacilityKind",
    "HeaderMatch",
    "LayerSchema",
    "header_unit",
    "normalise_header",
]

Dtype = Literal["str", "int", "float", "fraction", "year", "kinds"]
GeomKind = Literal["polygon", "point", "line", "point_or_polygon", "line_or_polygon"]

SHAPEFILE_NAME_BYTES = 10
"""A DBF field name holds this many bytes; GDAL and QGIS cut longer names to it."""

_CLOSED_BRACKET = re.compile(r"[（(]([^（()）]*)[）)]")
_OPEN_BRACKET = re.compile(r"[（(]([^（()）]*)$")  # a bracket a Shapefile cut: 造价（万元


def normalise_header(name: str) -> str:
    """Lower-case a header and fold spaces, dashes and full-width punctuation to ``_``.

    Units in brackets are dropped, and so is a bracket left open at the end (what a
    Shapefile's 10-byte limit leaves of 造价（万元）).

    >>> normalise_header(" Floor-Area (m²) ")
    'floor_area'
    >>> normalise_header("户数（户）"), normalise_header("造价（万元")
    ('户数', '造价')
    """
    return _fold(name).strip("_")


def _fold(name: str) -> str:
    """:func:`normalise_header` with a trailing ``_`` kept (GDAL cut community_id there)."""
    s = str(name).strip().lower().replace("²", "2")
    s = _CLOSED_BRACKET.sub("", s)  # drop unit suffixes such as （户） or (m2)
    s = _OPEN_BRACKET.sub("", s)
    s = re.sub(r"[\s\-./：:，,]+", "_", s)
    return s.lstrip("_")


def header_unit(name: str) -> tuple[str, bool] | None:
    """The unit a header states in brackets, and whether its bracket is closed.

    >>> header_unit("造价（元）"), header_unit("造价（万元"), header_unit("造价")
    (('元', True), ('万元', False), None)
    """
    text = str(name).strip()
    closed = _CLOSED_BRACKET.findall(text)
    if closed:
        return closed[-1].strip(), True
    cut = _OPEN_BRACKET.search(text)
    return (cut[1].strip(), False) if cut else None


def _unit_key(unit: str) -> str:
    """A unit compared without case, blanks or width: ``M²``, ``m2`` and ``㎡`` are one."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", unit).lower())


def _shapefile_cuts(alias: str) -> set[str]:
    """What a Shapefile keeps of a long header (folded).

    Its first 10 bytes in GBK or in UTF-8, a character cut in two dropped.
    """
    cuts: set[str] = set()
    for encoding in ("gbk", "utf-8"):
        try:
            raw = alias.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(raw) > SHAPEFILE_NAME_BYTES:
            cut = raw[:SHAPEFILE_NAME_BYTES].decode(encoding, errors="ignore")
            cuts.add(_fold(cut))
    cuts.discard("")
    return cuts


@dataclass(frozen=True)
class Column:
    """One canonical column of a layer.

    ``short`` is its Shapefile field name when the generic short name reads badly
    (``planning.export`` writes it, readers map it back). ``units`` are the units a header may
    state for it, in brackets (``造价（元）``) or after the name (``cost_yuan``), each with the
    factor that turns its values into the column's own unit, which comes first (factor 1).
    A column without units takes whatever a header says in brackets as a remark.
    """

    name: str
    dtype: Dtype
    label_zh: str
    label_en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    short: str | None = None
    units: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if self.short is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,9}", self.short):
            msg = f"{self.name}: a Shapefile name is ASCII, at most 10 characters: {self.short!r}"
            raise ValueError(msg)
        if self.units and self.units[0][1] != 1:
            msg = f"{self.name}: the first unit is the column's own (factor 1): {self.units[0]}"
            raise ValueError(msg)
        if self.dtype != "float" and any(f != 1 for _, f in self.units):
            msg = f"{self.name}: only a float column converts units ({self.dtype})"
            raise ValueError(msg)

    def unit_factor(self, unit: str) -> float | None:
        """The factor into this column's unit of values in ``unit``; None if not one of its."""
        key = _unit_key(unit)
        return next((f for u, f in self.units if _unit_key(u) == key), None)

    @property
    def unit_names(self) -> tuple[str, str]:
        """The column's own unit in Chinese and in English (``("万元", "10k CNY")``)."""
        own = [u for u, f in self.units if f == 1]
        if not own:
            return "", ""
        english = [u for u in own if not re.search(r"[\u4e00-\u9fff]", u)]
        return own[0], (english[0] if english else own[0])


@dataclass(frozen=True)
class HeaderMatch:
    """How a file header maps onto a canonical column (:meth:`LayerSchema.match_header`).

    Attributes
    ----------
    column
        The canonical column.
    unit
        The unit the header states (``"元"`` in 造价(元) or cost_yuan), or None.
    factor
        Multiply the values by this to have them in the column's unit; None when the header's
        unit is not one the column is counted in, or was cut off (``unit_cut``).
    unit_cut
        The unit's bracket was left open (a Shapefile's 10-byte cut) and what is left of it
        is not a unit of the column.
    cut
        The header is what a Shapefile keeps of a longer alias.
    """

    column: str
    unit: str | None = None
    factor: float | None = 1.0
    unit_cut: bool = False
    cut: bool = False


@dataclass(frozen=True)
class LayerSchema:
    """A canonical layer: id column, geometry kind and columns.

    ``id_short`` is the id column's Shapefile field name when the generic one reads badly.
    """

    name: str
    label_zh: str
    id_column: str
    id_prefix: str
    geometry: GeomKind
    columns: tuple[Column, ...]
    id_short: str | None = None
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _cuts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        cuts: dict[str, set[str]] = {}
        for col in (Column(self.id_column, "str", "编号", "ID", aliases=_ID_ALIASES,
                           short=self.id_short), *self.columns):
            names = (col.name, col.label_zh, col.label_en, *col.aliases,
                     *((col.short,) if col.short else ()))
            for alias in names:
                lookup[normalise_header(alias)] = col.name
                for cut in _shapefile_cuts(alias):
                    cuts.setdefault(cut, set()).add(col.name)
        # a cut two columns share cannot be told apart (候选点名称, 候选点编号 -> 候选点)
        unique = {k: next(iter(v)) for k, v in cuts.items() if len(v) == 1 and k not in lookup}
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_cuts", unique)

    def match_header(self, header: str, *, cuts: bool = True) -> HeaderMatch | None:
        """How a file header maps onto a column, with the unit it states; None if unknown.

        Tried in turn: an alias (``户数``, ``Households``, the Shapefile short name
        ``comm_id``), what a Shapefile's 10 bytes keep of one when only one column has it
        (``consent_ra``, ``老年人口占``; only with ``cuts``, for headers read from a DBF:
        elsewhere 老年人 heads a count of elderly people, not the cut 老年人口占比), and an alias
        followed by one of the column's units (``cost_yuan``, ``造价元``).
        """
        key = normalise_header(header)
        stated = header_unit(header)
        unit, closed = stated if stated else (None, True)
        canon = self._lookup.get(key)
        cut = False
        if canon is None and cuts and _fold(header) in self._cuts:
            canon, cut = self._cuts[_fold(header)], True
        if canon is None:
            found = self._unit_suffix(key)
            if found is None:
                return None
            canon, unit = found
        col = next((c for c in self.columns if c.name == canon), None)
        if col is None or not col.units or unit is None:
            return HeaderMatch(canon, unit, 1.0, cut=cut)
        factor = col.unit_factor(unit)
        return HeaderMatch(canon, unit, factor, unit_cut=factor is None and not closed, cut=cut)

    def _unit_suffix(self, key: str) -> tuple[str, str] | None:
        """(column, unit) for ``<alias>_<unit>``, or ``<alias><unit>`` with a Chinese unit."""
        for col in self.columns:
            for unit, _ in sorted(col.units, key=lambda u: -len(_unit_key(u[0]))):
                u = _unit_key(unit)
                if key.endswith("_" + u):
                    base = key[: -len(u) - 1]
                elif not u.isascii() and key.endswith(u):
                    base = key[: -len(u)]
                else:
                    continue
                if base.strip("_") and self._lookup.get(base.strip("_")) == col.name:
                    return col.name, unit
        return None

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

    def resolve_header(self, header: str, *, cuts: bool = True) -> str | None:
        """Canonical name for a file header (Chinese or English), or None if unknown.

        See :meth:`match_header`, which also gives the unit the header states.
        """
        match = self.match_header(header, cuts=cuts)
        return match.column if match is not None else None

    def short_names(self) -> dict[str, str]:
        """Canonical name -> Shapefile field name, for the columns that set one (id first)."""
        out = {self.id_column: self.id_short} if self.id_short else {}
        return {**out, **{c.name: c.short for c in self.columns if c.short}}

    def aliases_zh(self) -> dict[str, str]:
        """Canonical name -> Chinese alias, for exports."""
        return {"geometry": "几何", self.id_column: "编号",
                **{c.name: c.label_zh for c in self.columns}}

    def aliases_en(self) -> dict[str, str]:
        """Canonical name -> English alias, for exports."""
        return {"geometry": "Geometry", self.id_column: "ID",
                **{c.name: c.label_en for c in self.columns}}


#: What a header may say a share is counted in: a share reads 0.85 or 85 alike (geo.io.coerce)
_SHARE_UNITS: tuple[tuple[str, float], ...] = (("%", 1), ("百分比", 1), ("percent", 1),
                                               ("比例", 1))

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
    id_short="comm_id",
    columns=(
        Column("name", "str", "小区名称", "Name", aliases=("名称", "小区名", "小区", "xqmc")),
        Column("district", "str", "所属区县", "District", aliases=("区县", "区", "所属区")),
        Column("subdistrict", "str", "所属街道", "Subdistrict",
               aliases=("街道", "街道办事处", "乡镇街道", "所属街道办"), short="subdist"),
        Column("households", "int", "户数", "Households", required=True,
               aliases=("总户数", "住户数", "户", "hh", "house_holds"), minimum=0,
               units=(("户", 1),)),
        Column("population", "int", "人口", "Population",
               aliases=("人口数", "常住人口", "居民人数", "pop"), minimum=0,
               units=(("人", 1), ("口", 1))),
        Column("buildings", "int", "栋数", "Buildings",
               aliases=("楼栋数", "幢数", "楼数", "栋"), minimum=0,
               units=(("栋", 1), ("幢", 1), ("座", 1))),
        Column("floor_area_m2", "float", "建筑面积", "Floor area (m²)",
               aliases=("建筑面积_m2", "总建筑面积", "floor_area", "gfa"), minimum=0,
               short="floor_area",
               units=(("平方米", 1), ("m²", 1), ("平米", 1), ("sqm", 1), ("sq m", 1),
                      ("万平方米", 10_000), ("万m²", 10_000), ("万平米", 10_000),
                      ("10k m²", 10_000), ("公顷", 10_000), ("ha", 10_000))),
        Column("built_year", "year", "建成年代", "Built year",
               aliases=("建成年份", "建成时间", "建设年代", "建成年", "竣工年份", "year_built",
                        "year"),
               minimum=1900, maximum=2100, units=(("年", 1), ("年份", 1))),
        Column("consent_rate", "fraction", "同意率", "Consent rate",
               aliases=("居民同意率", "改造意愿", "意愿率", "consent"), minimum=0, maximum=1,
               short="consent", units=_SHARE_UNITS),
        Column("elderly_share", "fraction", "老年人口占比", "Elderly share",
               aliases=("老龄化率", "60岁以上占比", "老年人占比", "elderly_ratio"),
               minimum=0, maximum=1, short="elderly_sh", units=_SHARE_UNITS),
        Column("parking_spaces", "int", "停车位", "Parking spaces",
               aliases=("现有停车位", "车位数", "停车位数", "parking"), minimum=0,
               short="parking_sp",
               units=(("个", 1), ("辆", 1), ("车位", 1), ("个车位", 1), ("泊位", 1))),
        Column("ev_chargers", "int", "充电桩", "EV chargers",
               aliases=("现有充电桩", "充电桩数", "chargers"), minimum=0,
               short="ev_charger", units=(("个", 1), ("台", 1), ("桩", 1), ("根", 1))),
    ),
)

FACILITIES = LayerSchema(
    name="facilities",
    label_zh="现有设施",
    id_column="facility_id",
    id_prefix="F",
    geometry="point",
    id_short="fac_id",
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
    id_short="site_id",
    columns=(
        Column("kinds", "kinds", "可建设施类型", "Allowed kinds", required=True,
               aliases=("允许类型", "设施类型", "类型", "kind")),
        Column("name", "str", "候选点名称", "Name", aliases=("名称",)),
        Column("capacity", "float", "容量", "Capacity", aliases=("规模",), minimum=0),
        Column("cost", "float", "造价（万元）", "Cost (10k CNY)",
               aliases=("造价", "投资", "费用", "cost_wan"), minimum=0, short="cost_wan",
               units=(("万元", 1), ("10k CNY", 1), ("万", 1), ("10k", 1), ("10k yuan", 1),
                      ("wan", 1), ("元", 0.0001), ("CNY", 0.0001), ("RMB", 0.0001),
                      ("yuan", 0.0001), ("人民币", 0.0001), ("千元", 0.1),
                      ("亿元", 10_000))),
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
               aliases=("等级", "highway", "fclass", "class", "道路类型"), short="road_class"),
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
               aliases=("类型", "type", "kind"), short="barr_kind"),
    ),
)

LAYERS: dict[str, LayerSchema] = {
    s.name: s for s in (COMMUNITIES, FACILITIES, SITES, STREETS, BARRIERS)
}
