"""The screening's lists, each declared once: its name (files, stored findings), its titles (workbook sheets,
messages, artifacts), the columns it publishes in order, the column stored as a finding's category, and the key
that names an entry. The steps compute the lists; storing, reports, checks and messages read them from here."""

from __future__ import annotations

from dataclasses import dataclass

# Column → Chinese header, for every column a list publishes.
HEADERS = {
    "province_code": "省代码", "province_name": "省份", "household_no": "户编号", "county_code": "县代码",
    "county_name": "县名称", "is_poverty_alleviated": "是否脱贫户",
    "per_capita_net_income": "家庭人均纯收入", "prev_per_capita_net_income": "上年家庭人均纯收入",
    "compliant_oop_expenditure": "合规自付支出", "threshold": "监测范围", "candidate_type": "建议监测对象类别",
    "rules_met": "触发规则", "monitoring_type": "监测对象类别", "identified_on": "识别监测时间",
    "labour": "家庭劳动能力",
    "gap": "缺口", "lead_no": "线索编号", "channel": "线索来源渠道", "id_number": "证件号码", "name": "姓名",
    "risk_code": "风险类型", "reported_at": "反映时间", "accepted_at": "受理时间", "status": "线索状态",
    "overdue": "超期", "late_accepted": "受理迟延", "days_waiting": "已等待天数", "phone": "联系电话",
    "unmatched_reason": "未匹配原因",
}
# Excel number formats of the lists' and tables' number columns (by header); 户编号 and codes stay text.
NUMBER_FORMATS = {HEADERS["per_capita_net_income"]: "#,##0", HEADERS["prev_per_capita_net_income"]: "#,##0",
                  HEADERS["compliant_oop_expenditure"]: "#,##0", HEADERS["threshold"]: "#,##0",
                  HEADERS["days_waiting"]: "0"}


@dataclass(frozen=True)
class ScreeningList:
    name: str
    title: str  # the sheet's title, as coordinators know the list
    short: str  # in tables and messages
    short_en: str
    columns: tuple[str, ...]
    category: str  # stored as the finding's category
    key: str  # household_no or lead_no

    @property
    def headers(self) -> list[str]:
        return [HEADERS[c] for c in self.columns]


_HOUSEHOLD_GAP = ("household_no", "county_code", "monitoring_type", "labour", "gap")
_LEAD_TIMELINESS = ("lead_no", "channel", "county_code", "reported_at", "accepted_at", "status", "overdue",
                    "late_accepted", "days_waiting")

NEW_CANDIDATES = ScreeningList(
    "new_candidates", "新识别监测对象候选", "新识别候选", "new candidates",
    ("household_no", "county_code", "is_poverty_alleviated", "per_capita_net_income", "prev_per_capita_net_income",
     "compliant_oop_expenditure", "threshold", "candidate_type", "rules_met"), "candidate_type", "household_no")
ELIMINATION_CANDIDATES = ScreeningList(
    "elimination_candidates", "风险消除候选", "风险消除候选", "elimination candidates",
    ("household_no", "county_code", "monitoring_type", "identified_on", "per_capita_net_income", "threshold",
     "labour"), "monitoring_type", "household_no")
COVERAGE_GAPS = ScreeningList(
    "coverage_gaps", "帮扶措施缺口", "措施缺口", "coverage gaps", _HOUSEHOLD_GAP, "gap", "household_no")
WEAK_LABOUR = ScreeningList(
    "weak_labour_to_explore", "弱劳力半劳力待探索开发式帮扶", "弱劳力待探索", "weak labour", _HOUSEHOLD_GAP, "gap",
    "household_no")
UNMATCHED_LEADS = ScreeningList(
    "unmatched_leads", "未匹配线索(需入户核实)", "未匹配线索", "unmatched leads",
    ("lead_no", "channel", "county_code", "id_number", "name", "phone", "risk_code", "reported_at", "status",
     "unmatched_reason"), "channel", "lead_no")
OVERDUE_LEADS = ScreeningList(
    "overdue_leads", "超期未核实线索", "超期未核实", "overdue leads", _LEAD_TIMELINESS, "channel", "lead_no")
LATE_LEADS = ScreeningList(
    "late_leads", "受理迟延线索", "受理迟延", "late-accepted leads", _LEAD_TIMELINESS, "channel", "lead_no")

LISTS = (NEW_CANDIDATES, ELIMINATION_CANDIDATES, COVERAGE_GAPS, WEAK_LABOUR, UNMATCHED_LEADS, OVERDUE_LEADS,
         LATE_LEADS)
LIST_NAMES = tuple(lst.name for lst in LISTS)
BY_NAME = {lst.name: lst for lst in LISTS}
