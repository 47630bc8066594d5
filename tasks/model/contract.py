"""The data contract of county submissions: per kind, the columns a file may carry, their Chinese names as
the national monitoring system exports them, the English names of this project, types and allowed values.

Everything else in the ingest path (header matching, value parsing, templates, the contract document) is
driven from this one table, which itself follows the data model (`tasks/model/roster.py`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Table

from tasks.model import KEYS, metadata
from tasks.model.history import DATABASE_COLUMNS, LABELS
from tasks.model.pairings import AREAS
from tasks.reference import codes
from tasks.reference.codes import CodeTable

# The roster's four kinds (versioned: tasks.model.history), then the duties' own county reports.
KINDS = ("households", "persons", "measures", "leads", "relocation_reports", "fund_projects", "pairing_agreements",
         "pairing_progress", "village_teams")
KIND_LABELS = LABELS | {"relocation_reports": "安置点季度情况", "fund_projects": "衔接资金项目台账",
                        "pairing_agreements": "帮扶协作年度协议", "pairing_progress": "帮扶协作季度进展",
                        "village_teams": "驻村工作队"}
# The key a row is upserted by (户编号, 证件号码, 措施编号, 线索编号): a resubmission replaces the row.
NATURAL_KEYS = {"households": "household_no", "persons": "id_number", "measures": "measure_no", "leads": "lead_no",
                "relocation_reports": "report_no", "fund_projects": "project_no", "pairing_agreements": "agreement_no",
                "pairing_progress": "progress_no", "village_teams": "team_no"}
PRIMARY_KEYS = KEYS | {kind: NATURAL_KEYS[kind] for kind in KINDS if kind not in KEYS}

# Columns without which no row of the file could be loaded: their absence rejects the file.
REQUIRED = {
    "households": ("household_no", "county_code", "household_size"),
    "persons": ("household_no", "id_number", "name", "sex", "relation", "labour_skill"),
    "measures": ("household_no", "category", "start_on"),
    "leads": ("lead_no", "channel", "reported_at", "status"),
    "relocation_reports": ("site_code", "year", "quarter"),
    "fund_projects": ("project_no", "county_code", "year", "quarter", "use", "amount"),
    "pairing_agreements": ("pairing_no", "pairing_kind", "year", "helper", "county_code"),
    "pairing_progress": ("pairing_no", "year", "quarter"),
    "village_teams": ("team_no", "county_code", "village", "started_on"),
}
# Filled in when a file leaves them out: the province from the county or the household, the member and
# measure numbers from their natural keys, the measure type from its category.
DERIVED = {
    "households": {"province_code": "县代码的前两位 / first two digits of the county code"},
    "persons": {"province_code": "所在户的省代码 / the household's province",
                "person_no": "已有成员沿用原编号，否则由户编号与证件号码生成 / "
                             "kept, else made from 户编号 and 证件号码"},
    "measures": {"province_code": "所在户的省代码 / the household's province",
                 "measure_no": "由户编号、类别与开始时间生成 / made from 户编号, category and start date",
                 "kind": "由帮扶措施类别推出 / follows from the category"},
    "leads": {"province_code": "县代码或所在户 / from the county code or the household"},
    "relocation_reports": {"report_no": "由安置点编号、年度与季度生成 / made from the site, year and quarter",
                           "county_code": "安置点所在县 / the site's county",
                           "province_code": "安置点所在省 / the site's province"},
    "fund_projects": {"province_code": "县代码的前两位 / first two digits of the county code"},
    "pairing_agreements": {"agreement_no": "由结对编号与年度生成 / made from the pairing and the year",
                           "province_code": "县代码的前两位 / first two digits of the county code"},
    "pairing_progress": {"progress_no": "由结对编号、年度与季度生成 / made from the pairing, year and quarter",
                         "county_code": "结对协议中的受帮扶县 / the pairing's county (its agreement)",
                         "province_code": "受帮扶县所在省 / the county's province"},
    "village_teams": {"province_code": "县代码的前两位 / first two digits of the county code"},
}

CODE_COLUMNS: dict[str, CodeTable] = {
    "monitoring_type": codes.MONITORING_TYPE, "risk_status": codes.RISK_STATUS,
    "elimination_way": codes.ELIMINATION_WAY, "sex": codes.SEX, "relation": codes.RELATION,
    "ethnicity": codes.ETHNICITY, "schooling": codes.SCHOOLING, "health": codes.HEALTH,
    "labour_skill": codes.LABOUR_SKILL, "work_location": codes.WORK_LOCATION,
    "category": codes.MEASURE_CATEGORY, "kind": codes.MEASURE_KIND, "channel": codes.LEAD_CHANNEL,
    "risk_code": codes.RISK_CATEGORY, "status": codes.LEAD_STATUS, "outcome": codes.LEAD_OUTCOME,
    **{f"risk_code_{i}": codes.RISK_CATEGORY for i in range(1, 6)},
    "use": codes.FUND_USE, "mechanism": codes.LINKAGE_MECHANISM, "pairing_kind": codes.PAIRING_KIND,
}
# Other headers for the same field: the official names of GB/T 2260 (行政区划代码), the national monitoring
# system's export names, and what county spreadsheets use.
ALIASES: dict[str, tuple[str, ...]] = {
    "household_no": ("户码", "家庭编号", "户编码", "家庭户编号", "农户编号"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证件号码", "居民身份证号码"),
    "name": ("成员姓名", "家庭成员姓名"),
    "phone": ("电话", "手机号码", "联系方式", "手机号", "电话号码"),
    "county_code": ("区县代码", "县级代码", "县(市、区)代码", "行政区划代码", "县级行政区划代码", "区划代码",
                    "县(市、区)行政区划代码", "县区代码", "区县编码", "县编码", "所属县代码", "县级区划代码"),
    "province_code": ("省份代码", "省级代码", "省级行政区划代码", "省编码", "省份编码"),
    "household_size": ("家庭人数", "人口数", "家庭人口", "户人口数"),
    "months_employed": ("务工时长", "务工月数", "务工时间(月)"),
    "channel": ("线索来源", "来源渠道", "线索渠道"),
    "reported_at": ("上报时间", "线索反映时间", "发现时间"),
    "accepted_at": ("线索受理时间",),
    "verified_at": ("线索核实时间", "核查时间"),
    "risk_code": ("风险类别", "致贫返贫风险", "风险类别代码"),
    "category": ("措施类别", "帮扶类别", "帮扶措施类型", "帮扶措施"),
    "kind": ("措施类型",),
    "start_on": ("措施开始时间", "帮扶开始时间", "开始日期"),
    "end_on": ("措施结束时间", "帮扶结束时间", "结束日期"),
    "monitoring_type": ("监测类型", "监测对象类型"),
    "risk_status": ("风险状态", "是否消除风险"),
    "relocation_site_code": ("安置区代码", "安置点"),
    "site_code": ("安置点代码", "集中安置点编号", "安置区编号"),
    "school": ("学校", "配套学校(是/否)", "有无配套学校"),
    "clinic": ("卫生室", "医疗机构", "配套医疗机构", "配套卫生室"),
    "workshop": ("帮扶车间", "就业帮扶车间(是/否)", "有无就业帮扶车间"),
    "community_service": ("社区服务中心", "综合服务设施", "社区综合服务中心"),
    "funds_received": ("专项资金到位", "到位资金(万元)", "后续扶持资金(万元)"),
    "reported_on": ("填报时间", "报送日期"),
    "project_no": ("项目代码", "项目库编号", "项目编码"),
    # A site's report says 年度 and 季度, the fund ledger 资金年度 and 资金下达季度: each reads the other's.
    "year": ("年度", "年份", "资金年度"),
    "quarter": ("季度", "下达季度", "资金下达季度"),
    "project_name": ("项目", "项目全称"),
    "use": ("资金投向", "支出方向", "用途"),
    "amount": ("衔接资金", "衔接资金(万元)", "金额(万元)", "资金规模(万元)", "使用衔接资金(万元)"),
    "operating": ("经营性项目", "是否经营性"),
    "mechanism": ("联农带农方式", "带农机制", "利益联结机制"),
    "linked_households": ("带动户数", "联农带农户数", "带动脱贫户数", "受益脱贫户和监测户数"),
    "pairing_no": ("结对关系编号", "结对帮扶编号", "帮扶关系编号"),
    "pairing_kind": ("帮扶形式", "协作类型", "帮扶关系类型"),
    "helper": ("帮扶单位", "帮扶地区", "协作方", "对口帮扶方", "定点帮扶单位"),
    "signed_on": ("签订日期", "责任书签订日期", "协议(责任书)签订日期"),
    "team_no": ("驻村工作队编号", "工作队编码"),
    "village": ("驻村名称", "所驻村", "行政村"),
    "unit": ("选派单位", "派驻单位"),
    "secretary": ("第一书记姓名", "驻村第一书记"),
    "members": ("队员人数", "工作队人数"),
    "started_on": ("选派日期", "到岗日期", "驻村日期"),
    "term_months": ("任期", "任期月数", "驻村期限(月)"),
    **{f"target_{key}": (f"{name}目标", f"{name}(目标)", f"目标{name}") for key, (name, _) in AREAS.items()},
    **{f"done_{key}": (name, f"{name}完成", f"{name}累计完成") for key, (name, _) in AREAS.items()},
}
PHONE_COLUMNS = frozenset({"phone"})
ID_COLUMNS = frozenset({"id_number"})


@dataclass(frozen=True)
class Column:
    name: str  # English snake_case, as in the database
    zh: str  # the national system's header
    type: str  # text, code, id_number, phone, date, datetime, boolean, integer, amount
    required: bool
    max_length: int | None = None
    codes: CodeTable | None = None
    aliases: tuple[str, ...] = ()
    derived: str | None = None  # how the value is filled in when the column is absent

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.name, self.zh, *self.aliases)


@dataclass(frozen=True)
class Contract:
    kind: str
    columns: tuple[Column, ...]
    lookup: dict[str, str] = field(default_factory=dict)  # normalised header -> column name

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def key(self) -> str:
        return NATURAL_KEYS[self.kind]

    @property
    def required(self) -> tuple[str, ...]:
        return REQUIRED[self.kind]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def match(self, header: str) -> str | None:
        """The column a header names, or None."""
        return self.lookup.get(normalise_header(header))


def normalise_header(text: object) -> str:
    """Full-width to half-width, no spaces or line breaks, no required-field markers (`*`, `(必填)`),
    lower case: `＊ 证件号码（必填）` and `证件号码` are the same header."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = re.sub(r"\s+", "", value).replace("*", "")
    value = re.sub(r"\((必填|选填|可选)\)$", "", value)
    return value.lower()


def _type_of(table: Table, name: str) -> str:
    if name in CODE_COLUMNS:
        return "code"
    if name in ID_COLUMNS:
        return "id_number"
    if name in PHONE_COLUMNS:
        return "phone"
    kind = table.c[name].type
    for sql_type, label in ((DateTime, "datetime"), (Date, "date"), (Boolean, "boolean"), (Integer, "integer"),
                            (Float, "amount")):
        if isinstance(kind, sql_type):
            return label
    return "text"


def _contract(kind: str) -> Contract:
    table = metadata.tables[kind]
    columns = []
    for c in table.columns:
        if c.name in DATABASE_COLUMNS:
            continue
        length = c.type.length if isinstance(c.type, String) else None
        aliases = tuple(a for a in ALIASES.get(c.name, ()) if a != c.info["zh"])
        columns.append(Column(c.name, c.info["zh"], _type_of(table, c.name), c.name in REQUIRED[kind], length,
                              CODE_COLUMNS.get(c.name), aliases, DERIVED[kind].get(c.name)))
    lookup: dict[str, str] = {}
    for column in columns:
        for header in column.headers:
            lookup.setdefault(normalise_header(header), column.name)
    return Contract(kind, tuple(columns), lookup)


CONTRACTS: dict[str, Contract] = {kind: _contract(kind) for kind in KINDS}
