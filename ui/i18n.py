"""Every UI string in Chinese (default) and English, and column labels from geo.schema.

Examples
--------
>>> t("page_data", "zh"), t("page_data", "en")
('数据', 'Data')
>>> column_label("households", "zh")
'户数'
>>> column_label("walk_minutes_clinic", "en")
'Clinic (min)'
"""

from __future__ import annotations

import re
from typing import Literal

from geo.schema import FACILITY_KINDS, LAYERS

__all__ = ["LANGS", "TEXT", "Lang", "column_label", "column_labels", "kind_label", "kind_unit",
           "md", "t", "unknown_counts"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("片区 · 老旧小区连片改造规划", "Pianqu · renovation zones for old compounds"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_data": ("数据", "Data"),
    "page_zoning": ("片区划分", "Zoning"),
    "page_siting": ("设施选址", "Facility siting"),
    "page_coverage": ("15分钟生活圈", "15-minute life circle"),
    "page_export": ("导出", "Export"),
    "basemap": ("底图", "Basemap"),
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "basemap_osm": ("OpenStreetMap（联网）", "OpenStreetMap (online)"),
    "basemap_tianditu": ("天地图（联网，需密钥）", "Tianditu (online, needs a key)"),
    "basemap_amap": ("高德地图（联网，GCJ-02）", "AMap (online, GCJ-02)"),
    "tianditu_key": ("天地图密钥", "Tianditu key"),
    "tianditu_key_missing": ("请输入天地图密钥，否则不显示底图。",
                             "Enter a Tianditu key; no basemap is shown without one."),
    "basemap_online_note": ("选择联网底图后，瓦片将从互联网加载。",
                            "An online basemap loads tiles from the internet."),
    "assets_missing": ("找不到本地地图资源（static/ → data/web/），地图无法显示。",
                       "Local map assets (static/ -> data/web/) are missing; the map cannot load."),
    "not_available": ("此功能所依赖的模块尚未完成（{module}），暂不可用。",
                      "Not available yet: the module it needs ({module}) has not landed."),
    "running": ("正在计算…", "Working…"),
    "step": ("步骤：{step}", "Step: {step}"),
    "done": ("完成", "Done"),
    "step_metric": ("转换为平面坐标", "Projecting to metres"),
    "step_eligibility": ("判定改造条件", "Checking eligibility"),
    "step_network": ("构建步行路网", "Building the walking network"),
    "step_zoning": ("划分片区", "Forming zones"),
    "step_siting": ("设施选址", "Siting facilities"),
    "step_coverage": ("计算生活圈覆盖", "Computing life-circle coverage"),
    "step_done": ("完成", "Done"),
    # data page
    "data_source": ("数据来源", "Data source"),
    "source_sample": ("示例片区（许昌老城，合成数据）",
                      "Sample district (Xuchang old town, synthetic)"),
    "source_upload": ("上传文件", "Upload files"),
    "upload_help": ("支持 GeoPackage、GeoJSON、Shapefile（.zip）、CSV/TSV/Excel 表格（WKT 几何或"
                    "经度/纬度列）；道路可上传 .osm.pbf。单个文件不超过 {mb} MB。",
                    "GeoPackage, GeoJSON, Shapefile (.zip), CSV/TSV/Excel tables (WKT geometry or "
                    "lon/lat columns); streets may be an .osm.pbf. At most {mb} MB per file."),
    "layer_communities": ("小区", "Compounds"),
    "layer_streets": ("道路（或 .osm.pbf）", "Streets (or .osm.pbf)"),
    "file_layer": ("图层", "Layer"),
    "coords": ("坐标系", "Coordinates"),
    "coords_help": ("“文件所注”：按文件声明的坐标系读取，文件未声明时按 WGS84 经纬度。从高德、"
                    "腾讯地图（GCJ-02）或百度地图（BD-09）取得的经纬度有偏移，选择来源后转换为 "
                    "WGS84。没有 .prj 的 Shapefile 或 X/Y 表格请选“其他（EPSG）”并填写 EPSG 代码，"
                    "如 CGCS2000 三度带 114°E 为 EPSG:4547。",
                    "'As in the file': the CRS the file declares, or WGS84 lon/lat when it "
                    "declares none. Longitude/latitude taken from AMap or Tencent maps (GCJ-02) "
                    "or Baidu maps (BD-09) are shifted; pick the source and they are converted "
                    "to WGS84. For a Shapefile without .prj or an X/Y table pick 'Other (EPSG)' "
                    "and give its EPSG code, e.g. EPSG:4547 for the CGCS2000 3-degree zone at "
                    "114°E."),
    "coords_file": ("文件所注", "As in the file"),
    "coords_gcj02": ("GCJ-02 高德/腾讯", "GCJ-02 AMap/Tencent"),
    "coords_bd09": ("BD-09 百度", "BD-09 Baidu"),
    "coords_epsg": ("其他（EPSG）", "Other (EPSG)"),
    "coords_epsg_code": ("EPSG 代码", "EPSG code"),
    "layer_facilities": ("现有设施", "Existing facilities"),
    "layer_sites": ("候选点", "Candidate sites"),
    "layer_barriers": ("阻隔（铁路、河流）", "Barriers (rail, river)"),
    # Streamlit's own file-uploader words, relabelled by ui.widgets.uploader_words
    "uploader_button": ("上传", "Upload"),
    "uploader_limit": ("单个文件不超过 {mb} MB", "{mb}MB per file"),
    "use_uploads": ("使用上传的数据", "Use the uploaded data"),
    "need_communities": ("至少需要上传小区图层。", "Upload at least the compounds layer."),
    "analysis_crs": ("分析坐标系（可选，如 EPSG:32635）",
                     "Analysis CRS (optional, e.g. EPSG:32635)"),
    "analysis_crs_help": ("留空时按数据所在的 CGCS2000 3度带投影；"
                          "中国境外的数据须填写一个米制坐标系（如 UTM 带）。",
                          "Empty: the CGCS2000 3-degree zone of the data. Data outside China "
                          "need a metric CRS here (e.g. its UTM zone)."),
    "problems_title": ("{file}：发现 {n} 个问题。请按下表修改文件（坐标系问题也可在上方的"
                       "“坐标系”中选择）后重新读取",
                       "{file}: {n} problem(s). Fix the file as the table says (a CRS problem "
                       "can also be settled with “Coordinates” above), then read it again"),
    "problem_column": ("字段", "Column"),
    "problem_rows": ("行（编号）", "Rows (ids)"),
    "problem_message": ("问题", "Problem"),
    "upload_error": ("{file}：{error}", "{file}: {error}"),
    "upload_not_used": ("上传的文件未使用：以下仍是{current}。",
                        "The uploaded files were not used: below is still {current}."),
    "current_sample": ("示例片区", "the sample district"),
    "and_more": ("……另有 {n} 个", " … and {n} more"),
    "too_large": ("文件过大：{size:.1f} MB，上限 {mb} MB。",
                  "File too large: {size:.1f} MB; the limit is {mb} MB."),
    "bad_zip": ("压缩包无法读取或不安全：{why}", "The zip cannot be read or is unsafe: {why}"),
    "bad_type": ("不支持的文件类型：{ext}", "Unsupported file type: {ext}"),
    "layers_loaded": ("已载入图层", "Layers loaded"),
    "rows": ("条", "rows"),
    "summary_compounds": ("小区数", "Compounds"),
    "summary_households": ("总户数", "Households"),
    "summary_facilities": ("现有设施", "Facilities"),
    "summary_sites": ("候选点", "Candidate sites"),
    "read_report": ("读取说明", "Read report"),
    "facilities_lacking": ("现有设施中没有{kinds}：这几类不在选址范围内，没有现有设施，任何小区都"
                           "无法达标，生活圈完备度不会有满分。如有这些设施，请一并上传。",
                           "The existing facilities include no {kinds}: these kinds are not "
                           "sited, so without them no compound reaches them and every life "
                           "circle comes out incomplete. Upload them if you have them."),
    # {unknown}: unknown_counts(years, consent, lang); {columns}: the columns to complete
    "unknown_eligibility": (
        "{unknown}：无法判断是否符合改造条件，规划时将列为未纳入。请在小区图层中补填{columns}，"
        "或在“片区划分”页勾选“纳入建成年代或同意率未知的小区”。",
        "{unknown}: eligibility cannot be decided without these values, so the plan leaves "
        "such compounds out. Fill in {columns} in the compounds layer, or tick \"Include compounds "
        "whose built year or consent rate is unknown\" on the Zoning page."),
    "unknown_columns_both": ("“建成年代”和“居民同意率”（无此列则添加）",
                             "their 建成年代 (built_year) and 居民同意率 (consent_rate; add "
                             "the columns if missing)"),
    "unknown_columns_built_year": ("“建成年代”（无此列则添加）",
                                   "their 建成年代 (built_year; add the column if missing)"),
    "unknown_columns_consent_rate": ("“居民同意率”（无此列则添加）",
                                     "their 居民同意率 (consent_rate; add the column if "
                                     "missing)"),
    "unknown_included": (
        "{unknown}：已勾选“纳入建成年代或同意率未知的小区”，这些小区按已知条件判断，"
        "纳入的注明哪项未知。",
        "{unknown}: as asked on the Zoning page, such compounds are judged on what is known, "
        "and each one included says which value was unknown."),
    # zoning page
    "eligibility": ("改造条件", "Eligibility"),
    "built_before": ("建成年代早于", "Built before"),
    "min_consent": ("最低居民同意率", "Minimum consent rate"),
    "zoning_params": ("片区参数", "Zone parameters"),
    "min_households": ("片区最少户数", "Minimum households per zone"),
    "max_households": ("片区最多户数", "Maximum households per zone"),
    "gap_tolerance": ("相邻判定距离（米，跨街）", "Adjacency gap (m, across streets)"),
    "max_diameter": ("片区最大直径（米）", "Maximum zone diameter (m)"),
    "seed": ("随机种子", "Seed"),
    "run_plan": ("计算规划", "Run the plan"),
    "zones_table": ("片区一览", "Zones"),
    "n_zones": ("片区数", "Zones"),
    "n_in_zones": ("纳入改造小区", "Compounds in zones"),
    "n_excluded": ("未纳入小区", "Compounds left out"),
    "excluded_table": ("未纳入改造的小区及原因", "Compounds left out, and why"),
    "by_reason": ("按原因（一个小区可有多个原因）：{items}",
                  "By reason (a compound may have more than one): {items}"),
    "reason_count": ("{reason} {n} 个", "{reason}: {n}"),
    "reason_line": ("{reason} {n} 个：{advice}", "{reason}: {n}; {advice}"),
    "list_sep": ("；", "; "),
    "name_sep": ("、", ", "),
    "missing_data": ("有小区缺少改造条件所需的数据，无法判断是否符合，暂列为未纳入：",
                     "Some compounds lack the data eligibility is decided on, so they are "
                     "left out for now:"),
    "none_zoned": ("没有小区纳入片区：", "No compound is in a zone:"),
    # zoning page: compounds whose built year or consent rate is unknown ([eligibility]
    # include_unknown of the standards, --include-unknown on the command line)
    "include_unknown": ("纳入建成年代或同意率未知的小区", "Include compounds whose built year or "
                        "consent rate is unknown"),
    "include_unknown_help": ("按已知条件判断，纳入的小区注明哪项未知；不勾选则列为未纳入。",
                             "Judged on what is known; each compound so included notes which "
                             "value is unknown. Unticked, they are left out."),
    "include_unknown_hint": ("或勾选“纳入建成年代或同意率未知的小区”，按已知条件纳入。",
                             "Or tick “Include compounds whose built year or consent rate is "
                             "unknown” to judge them on what is known."),
    "included_unknown": ("{n} 个小区建成年代或居民同意率未知，已按已知条件纳入。",
                         "{n} compounds are included with their built year or consent rate "
                         "unknown."),
    # siting page
    "demand_ratios": ("需求参数", "Demand ratios"),
    "elderly_m2": ("养老面积（m²/百户）", "Elderly-care m² per 100 households"),
    "ev_share": ("电动车保有比例", "EV share of households"),
    "parking_ratio": ("停车位（个/户）", "Parking spaces per household"),
    "siting_limits": ("选址约束", "Limits"),
    "budget": ("预算（万元，0 为不限）", "Budget (10k CNY, 0 = none)"),
    "max_sites": ("每类最多新建设施数（0 为不限）", "Maximum new facilities per kind (0 = none)"),
    "siting_model": ("选址模型", "Siting model"),
    "model_mclp": ("最大覆盖：预算或数量内覆盖最多需求（不计容量）",
                   "Maximal coverage: most demand within the budget or count (no capacities)"),
    "model_capacitated": ("有容量的最大覆盖：每处设施服务不超过其容量",
                          "Capacitated coverage: each site serves at most its capacity"),
    "model_min_sites": ("最少设施：以最低造价满足全部可满足的需求",
                        "Fewest sites: the cheapest set serving all the demand that can be "
                        "served"),
    "model_hint": ("最大覆盖类模型需要预算或数量上限，两者都为 0 时按“最少设施”计算；"
                   "“最少设施”不使用预算和数量上限。",
                   "The coverage models need a budget or a count; with both at 0 the plan uses "
                   "the fewest sites instead, which takes neither."),
    "siting_notes": ("选址说明", "Siting notes"),
    "straight_line_note": ("{why}：步行距离按直线距离×绕行系数 {f} 计算，结果偏粗。",
                           "{why}: walking distances are straight lines × a detour factor of "
                           "{f}, a rough measure."),
    "streets_none": ("没有道路图层", "No streets layer"),
    "streets_empty": ("道路图层为空", "The streets layer is empty"),
    "ignored_kinds": ("{n} 处现有设施的类型规划不使用，已忽略：{items}。",
                      "{n} existing facilities have a kind planning does not use and are "
                      "ignored: {items}."),
    "far_points": ("{layer}中有 {n} 处离最近的小区超过 {km} km，请核对坐标：{items}。",
                   "{n} {layer} lie more than {km} km from every compound; check their "
                   "coordinates: {items}."),
    "far_facilities": ("现有设施", "existing facilities"),
    "far_sites": ("候选点", "candidate sites"),
    "min_sites_ignores": ("“最少设施”不使用预算和数量上限，表单中的{what}未计入。",
                          "The fewest sites take no budget or count, so {what} in the form "
                          "were not used."),
    "min_sites_ignores_one": ("“最少设施”不使用预算和数量上限，表单中的{what}未计入。",
                              "The fewest sites take no budget or count, so {what} in the form "
                              "was not used."),
    "and": ("、", " and "),
    "ignored_budget": ("预算 {v} 万元", "the budget of {v} (10k CNY)"),
    "ignored_count": ("每类 {v} 处", "the limit of {v} sites per kind"),
    "ignored_count_one": ("每类 {v} 处", "the limit of {v} site per kind"),
    "planned_table": ("规划设施", "Planned facilities"),
    "before_after": ("选址前后覆盖户数", "Households covered before and after"),
    "unserved_title": ("未满足的需求及原因", "Demand left unserved, and why"),
    "unserved_none": ("各片区的需求均已满足。", "Every zone's demand is served."),
    "unserved_detail": ("逐小区明细（{n} 行）", "Per compound ({n} rows)"),
    "before_after_hint": ("各类设施步行标准内的户数：{kinds}。",
                          "Households within each kind's walking standard: {kinds}."),
    "before": ("选址前", "Before"),
    "after": ("选址后", "After"),
    "draw_hint": ("在地图上用左侧工具画一个点或多边形，作为新的候选点。",
                  "Draw a point or a polygon on the map (left toolbar) to add a candidate site."),
    "drawn_site": ("新画的候选点", "Drawn candidate site"),
    "drawn_kinds_placeholder": ("选择设施类型", "Choose facility kinds"),
    "drawn_kinds": ("可建设施类型", "Kinds allowed"),
    "drawn_capacity": ("容量（按所选类型的单位：m²、车位、充电桩；0 为按标准默认）",
                       "Capacity (in the chosen kinds' units: m², spaces, chargers; 0 = the "
                       "standards' default)"),
    "drawn_cost": ("造价（万元）", "Cost (10k CNY)"),
    "add_site": ("加入候选点并重新选址", "Add the site and re-run siting"),
    "user_sites": ("已添加的候选点：{n} 个", "Candidate sites added: {n}"),
    "clear_sites": ("清除添加的候选点", "Clear added sites"),
    # the solver's words come from planning.export_tables.solver_words, as the run sheet's
    "status_line": ("求解状态：{status}", "Solver status: {status}"),
    "siting_not_run": ("没有小区纳入片区，因此未做设施选址。请在“片区划分”页查看未纳入的原因。",
                       "No compound is in a zone, so no facility was sited. The Zoning page "
                       "says why compounds were left out."),
    # coverage page
    "kind": ("设施类型", "Facility kind"),
    "coverage_view": ("查看", "Show"),
    "coverage_view_kind": ("按设施类型", "One facility kind"),
    "coverage_view_completeness": ("生活圈完备度（各类设施）",
                                   "Life-circle completeness (all kinds)"),
    "stage": ("阶段", "Stage"),
    "stage_after": ("规划后", "With the plan"),
    "stage_before": ("现状", "Today"),
    "complete_n": ("{of} 类应配设施均在步行标准内的小区：规划后 {n} 个（{hh} 户，占 {share}），"
                   "现状 {n0} 个（{hh0} 户）。",
                   "Compounds with all {of} required kinds within their walking standards: "
                   "{n} with the plan ({hh} households, {share}), {n0} today ({hh0} "
                   "households)."),
    "kind_missing": ("数据中没有任何{kind}（现状或规划），所有小区都未覆盖；"
                     "请在“数据”页的现有设施图层中加入。",
                     "The data has no {kind} at all (existing or planned), so no compound is "
                     "covered; add them to the existing facilities on the Data page."),
    "complete_missing": ("数据中没有以下应配设施（现状或规划），所有小区在这几类上都不达标："
                         "{kinds}。请在“数据”页的现有设施图层中加入。",
                         "The data has no {kinds} at all (existing or planned), so no compound "
                         "reaches them; add them to the existing facilities on the Data page."),
    "complete_hint": ("颜色表示每个小区有几类应配设施在各自的步行标准内（{kinds}）；红色缺口最大。",
                      "Colours show how many required kinds each compound reaches within their "
                      "walking standards ({kinds}); red lacks the most."),
    "coverage_chart": ("各类设施覆盖户数占比", "Share of households covered, per kind"),
    "uncovered_n": ("{minutes} 分钟内未覆盖的小区：{n} 个（{hh} 户，老年人口 {elderly} 人）",
                    "Compounds not reached within {minutes} min: {n} ({hh} households, "
                    "{elderly} elderly)"),
    "uncovered_list": ("未覆盖小区名单（{n} 个，户数多者在前）",
                       "The compounds not reached ({n}, most households first)"),
    "uncovered_download": ("下载名单（CSV）", "Download the list (CSV)"),
    "uncovered_file": ("{minutes}分钟未覆盖_{kind}.csv", "not_reached_{kind}_{minutes}min.csv"),
    "click_hint": ("点击地图上的小区，查看到各类设施的步行时间。",
                   "Click a compound on the map to see its walking minutes to every kind."),
    "clicked": ("{name}：到各类设施的步行时间", "{name}: walking minutes to every kind"),
    "clicked_today_hint": ("“现状达标”为现有设施是否在步行标准内；分钟数和各圈层含规划设施。",
                           "'Today' says whether today's facilities are within the walking "
                           "standard; the minutes and circles include the planned ones."),
    "covered_today": ("现状达标", "Today"),
    "minutes": ("分钟", "minutes"),
    "walk_minutes_short": ("步行分钟", "Minutes"),
    "within_minutes": ("{minutes}分钟内", "Within {minutes} min"),
    "minutes_label": ("分钟", "Minutes"),
    "data_in_use_sample": ("当前数据：示例片区", "Data in use: the sample district"),
    "data_in_use_files": ("当前数据：{files}", "Data in use: {files}"),
    "uploaded_data": ("上传的数据", "the uploaded data"),
    "read_assumed": ("读取{layers}时有需要核对之处（约数、百分数、规划不使用的设施类型、"
                     "重叠或远离其他小区的小区等），请在下方“读取说明”中核对。",
                     "Reading {layers} found things to check (approximate numbers, "
                     "percentages, kinds planning does not use, overlapping or far-off "
                     "compounds …): see the read report below."),
    "no_facility": ("无可达设施", "none reachable"),
    "share_axis": ("覆盖户数占比", "Share of households"),
    "coverage_table": ("覆盖统计", "Coverage summary"),
    # export page
    "downloads": ("下载", "Downloads"),
    "export_all": ("全部成果（.zip）", "Everything (.zip)"),
    "shp_encoding": ("Shapefile 属性编码", "Shapefile text encoding"),
    "shp_gbk": ("GBK（ArcGIS 默认）", "GBK (ArcGIS default)"),
    "shp_utf8": ("UTF-8", "UTF-8"),
    "gbk_fallback": ("{source}：部分文字无法用 GBK 编码，Shapefile 已改用 UTF-8（.cpg 已注明）。",
                     "{source}: some text has no GBK code; the Shapefiles are in UTF-8 instead "
                     "(the .cpg says so)."),
    "export_bureau": ("规划局 GeoJSON", "Bureau GeoJSON"),
    "export_gpkg": ("GeoPackage 项目文件", "GeoPackage project"),
    "export_shp": ("Shapefile（.zip）", "Shapefile (.zip)"),
    # one Shapefile zip per bureau layer (shapefile/<layer>.zip), labelled by the layer
    "shp_compounds": ("小区", "Compounds"),
    "shp_zones": ("片区", "Zones"),
    "shp_planned_facilities": ("规划设施", "Planned facilities"),
    "shp_gaps": ("服务缺口", "Gap areas"),
    "export_table": ("汇总表（Excel：片区、小区、设施、覆盖、投资等）",
                     "Summary workbook (Excel: zones, compounds, facilities, coverage, cost …)"),
    "print_title": ("打印区划图", "Printed zone maps"),
    "print_hint": ("总图和片区分页，矢量 PDF，供协调会使用。",
                   "An overview and zone pages, as a vector PDF for coordination meetings."),
    "paper": ("纸张", "Paper"),
    "print_scope": ("打印哪些页", "Pages"),
    "print_scope_all": ("总图和全部 {n} 个片区", "The overview and all {n} zones"),
    "print_scope_overview": ("只印总图", "The overview only"),
    "print_scope_some": ("总图和选定的片区", "The overview and chosen zones"),
    "print_zones": ("片区", "Zones"),
    "print_zones_placeholder": ("选择片区", "Choose zones"),
    "print_many_zones": ("共 {n} 个片区，每个片区印一页合计约需 {minutes} 分钟；"
                         "可只印总图或选定的片区。",
                         "{n} zones: a page for each would take about {minutes} minutes in all; "
                         "print the overview or chosen zones only."),
    "print_progress": ("正在打印第 {done}/{pages} 页", "Printing page {done} of {pages}"),
    "export_progress": ("正在写出导出文件：第 {done}/{steps} 步",
                        "Writing the export files: step {done} of {steps}"),
    "print_make": ("生成 PDF", "Make the PDF"),
    "print_download": ("下载区划图 PDF", "Download the zone maps PDF"),
    "print_no_zones": ("没有片区，无图可打。", "There are no zones to print."),
    "run_first": ("请先在“片区划分”页计算规划。", "Run the plan on the Zoning page first."),
}


def t(key: str, lang: Lang, **fmt: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``; the key itself when unknown."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**fmt) if fmt else text


def unknown_counts(years: int, consent: int, lang: Lang) -> str:
    """How many compounds have no built year, and how many no consent rate; a zero left out.

    >>> unknown_counts(1, 0, "en"), unknown_counts(12, 3, "en")
    ('1 compound has no built year', '12 compounds have no built year and 3 no consent rate')
    >>> unknown_counts(0, 16, "zh"), unknown_counts(1, 16, "zh")
    ('居民同意率未知的小区 16 个', '建成年代未知的小区 1 个，居民同意率未知的 16 个')
    """
    if lang == "zh":
        if years and consent:
            return f"建成年代未知的小区 {years:,} 个，居民同意率未知的 {consent:,} 个"
        return (f"建成年代未知的小区 {years:,} 个" if years
                else f"居民同意率未知的小区 {consent:,} 个")
    first, n = ("built year", years) if years else ("consent rate", consent)
    text = f"{n:,} compound{'' if n == 1 else 's'} {'has' if n == 1 else 'have'} no {first}"
    return text + (f" and {consent:,} no consent rate" if years and consent else "")


def md(text: object) -> str:
    r"""Text from a file made safe for Streamlit's Markdown (``st.error``, ``st.subheader``).

    Every ASCII punctuation character is backslash-escaped, so links, emphasis, ``:emoji:`` and
    ``$math$`` show as typed; HTML is never rendered by Streamlit's Markdown anyway.

    >>> print(md("[a](javascript:x) *b* :red[c] $x$"))
    \[a\]\(javascript\:x\) \*b\* \:red\[c\] \$x\$
    """
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def kind_label(kind: str, lang: Lang) -> str:
    """Chinese or English name of a facility kind."""
    k = FACILITY_KINDS.get(kind)
    if k is None:
        return kind
    return k.label_zh if lang == "zh" else k.label_en


def kind_unit(kind: str, lang: Lang) -> str:
    """The unit a facility kind's capacity and demand are counted in (m², 个充电桩 …)."""
    k = FACILITY_KINDS.get(kind)
    if k is None:
        return ""
    return k.capacity_unit_zh if lang == "zh" else k.capacity_unit_en


_EXTRA: dict[str, tuple[str, str]] = {
    "zone_id": ("片区编号", "Zone"),
    "excluded_reason": ("未纳入原因", "Why not"),
    "eligible": ("符合条件", "Eligible"),
    "n_communities": ("小区数", "Compounds"),
    "area_m2": ("面积（m²）", "Area (m²)"),
    "diameter_m": ("直径（米）", "Diameter (m)"),
    "compactness": ("紧凑度", "Compactness"),
    "within_bounds": ("户数达标", "Within bounds"),
    "site_id": ("候选点编号", "Site"),
    "demand_served": ("服务需求", "Demand served"),
    "generated": ("自动生成", "Generated"),
    "households_covered": ("覆盖户数", "Households covered"),
    "households_total": ("总户数", "Households"),
    "elderly_covered": ("覆盖老年人口", "Elderly covered"),
    "elderly_total": ("老年人口", "Elderly"),
    "share": ("覆盖率", "Share"),
    "completeness": ("达标设施类数", "Kinds covered"),
    "community_ids": ("所含小区", "Compounds (ids)"),
    "heterogeneity": ("内部差异", "Heterogeneity"),
    "bounds_note": ("户数说明", "Bounds note"),
    "compounds_served": ("服务小区数", "Compounds served"),
    "households_served": ("服务户数", "Households served"),
    "over_capacity": ("超出容量", "Over capacity"),
    "generated_from": ("生成依据", "Generated from"),
    "threshold": ("该类设施达标标准", "The kind's own standard"),  # as the exported sheet
    "minutes": ("生活圈（分钟）", "Life circle (minutes)"),
    "walk_minutes": ("步行时间（分钟）", "Walking minutes"),
    "elderly": ("老年人口", "Elderly"),
    "reason": ("原因", "Reason"),
    "compounds": ("小区数", "Compounds"),
    "demand": ("需求", "Demand"),
    "served": ("已满足", "Served"),
    "unserved": ("未满足", "Unserved"),
    "unit": ("单位", "Unit"),
    "column": ("字段", "Column"),
    "rows": ("行", "Rows"),
    "message": ("问题", "Problem"),
}


def column_label(column: str, lang: Lang, *, layer: str | None = None) -> str:
    """Display label of a canonical column (geo.schema aliases first, ``layer``'s before others).

    >>> column_label("name", "zh"), column_label("name", "zh", layer="sites")
    ('小区名称', '候选点名称')
    """
    if column.startswith("walk_minutes_"):
        kind = column.removeprefix("walk_minutes_")
        return (f"{kind_label(kind, lang)}（分钟）" if lang == "zh"
                else f"{kind_label(kind, lang)} (min)")
    if column in _EXTRA:
        return _EXTRA[column][0 if lang == "zh" else 1]
    if column == "kind":
        return t(column, lang)
    schemas = list(LAYERS.values())
    if layer in LAYERS:
        schemas.insert(0, LAYERS[layer])
    for schema in schemas:
        if column == schema.id_column:
            return "编号" if lang == "zh" else "ID"
        for col in schema.columns:
            if col.name == column:
                return col.label_zh if lang == "zh" else col.label_en
    return column


def column_labels(columns: list[str], lang: Lang, *, layer: str | None = None) -> dict[str, str]:
    """Mapping for ``DataFrame.rename(columns=...)``."""
    return {c: column_label(str(c), lang, layer=layer) for c in columns}
