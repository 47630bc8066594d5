"""Code tables of the national monitoring system: stable ASCII codes stored in the database, Chinese labels
for people. Tables marked local follow one province's practice (DOMAIN.md) and may be extended."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CodeTable:
    name: str
    label: str  # the field's name in the national system
    codes: Mapping[str, str]  # code -> Chinese label, in the national system's order
    local: bool = False
    aliases: Mapping[str, str] = field(default_factory=dict)  # other spellings seen in submissions -> code

    def label_of(self, code: str) -> str:
        return self.codes[code]


MONITORING_TYPE = CodeTable("monitoring_type", "监测对象类别", {
    "unstable": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden": "突发严重困难户",
})

LABOUR_SKILL = CodeTable("labour_skill", "劳动技能", {
    "ordinary": "普通劳动力",
    "skilled": "技能劳动力",
    "weak": "弱劳动力或半劳动力",
    "lost": "丧失劳动力",
    "none": "无劳动力",
})
FULL_LABOUR = frozenset({"ordinary", "skilled"})
WEAK_LABOUR = frozenset({"weak"})

MEASURE_CATEGORY = CodeTable("measure_category", "帮扶措施类别", {
    "industry": "产业帮扶",
    "employment": "就业帮扶",
    "finance": "金融帮扶",
    "public_welfare_job": "公益岗位帮扶",
    "health": "健康帮扶",
    "compulsory_education": "义务教育保障",
    "other_education": "其他教育帮扶",
    "comprehensive_security": "综合保障",
    "housing": "住房安全保障",
    "drinking_water": "饮水安全保障",
    "social": "社会帮扶",
    "relocation": "搬迁",
    "living_conditions": "生产生活条件改善",
    "infrastructure": "基础设施建设",
}, aliases={  # what counties write: the category's short name, or the programme itself (DOMAIN.md)
    **dict.fromkeys(("产业", "产业扶持", "产业发展", "产业奖补", "到户产业", "庭院经济", "消费帮扶"), "industry"),
    **dict.fromkeys(("就业", "务工就业", "稳岗就业", "转移就业", "技能培训", "职业技能培训", "就业补贴",
                     "务工交通补贴"), "employment"),
    **dict.fromkeys(("金融", "小额信贷", "脱贫人口小额信贷", "扶贫小额信贷", "贴息贷款", "防返贫保险"), "finance"),
    **dict.fromkeys(("公益岗位", "公益性岗位", "乡村公益性岗位", "生态护林员", "护林员"), "public_welfare_job"),
    **dict.fromkeys(("健康", "医疗保障", "医疗救助", "基本医疗保障", "家庭医生签约", "大病专项救治",
                     "先诊疗后付费"), "health"),
    **dict.fromkeys(("义务教育", "控辍保学", "义务教育资助"), "compulsory_education"),
    **dict.fromkeys(("雨露计划", "教育资助", "学前教育资助", "高中教育资助", "助学贷款"), "other_education"),
    **dict.fromkeys(("低保", "农村低保", "最低生活保障", "特困供养", "特困人员救助供养", "特困", "临时救助",
                     "兜底保障", "残疾人两项补贴"), "comprehensive_security"),
    **dict.fromkeys(("住房安全", "危房改造", "农村危房改造", "住房保障"), "housing"),
    **dict.fromkeys(("饮水安全", "安全饮水", "饮水保障", "农村供水"), "drinking_water"),
    **dict.fromkeys(("社会", "结对帮扶", "东西部协作", "定点帮扶", "万企兴万村", "社会捐赠"), "social"),
    **dict.fromkeys(("易地搬迁", "易地扶贫搬迁", "搬迁安置", "移民搬迁"), "relocation"),
    **dict.fromkeys(("生产生活条件", "人居环境整治", "农村改厕"), "living_conditions"),
    **dict.fromkeys(("基础设施", "基础设施建设帮扶", "道路硬化", "通组路"), "infrastructure"),
})
# The seed: households with labour capacity get at least one development-type measure (开发式帮扶措施);
# those without get safety-net cover (兜底保障).
DEVELOPMENT_CATEGORIES = frozenset({"industry", "employment", "finance", "public_welfare_job"})
SAFETY_NET_CATEGORIES = frozenset({"comprehensive_security"})

MEASURE_KIND = CodeTable("measure_kind", "措施类型", {
    "development": "开发式帮扶",
    "safety_net": "兜底保障",
    "other": "其他帮扶",
})


def measure_kind_of(category: str) -> str:
    if category in DEVELOPMENT_CATEGORIES:
        return "development"
    if category in SAFETY_NET_CATEGORIES:
        return "safety_net"
    return "other"


LEAD_CHANNEL = CodeTable("lead_channel", "线索来源渠道", {
    "self_report": "个人申报",
    "cadre_visit": "干部走访",
    "department_alert": "部门筛查预警",
    "platform": "咨询服务平台",
}, aliases={"防止返贫监测和乡村振兴咨询服务平台": "platform", "12317": "platform"})

RISK_CATEGORY = CodeTable("risk_category", "风险类型", {
    "01": "因病",
    "0201": "因自然灾害(洪涝)",
    "0202": "因自然灾害(干旱)",
    "0203": "因自然灾害(风雹)",
    "0204": "因自然灾害(地震)",
    "0205": "因自然灾害(地质灾害)",
    "0206": "因自然灾害(低温冷冻)",
    "0299": "因自然灾害(其他)",
    "03": "因残",
    "04": "因缺劳动力",
    "05": "因意外事故",
    "06": "因产业失败",
    "07": "因务工就业不稳",
    "09": "因学",
    "99": "其他",
}, local=True, aliases={"因自然灾害": "0299", "因灾": "0299"})


def is_disaster_or_accident_or_illness(risk_code: str) -> bool:
    """Triggers that make a new monitoring object 突发严重困难户 (sudden severe hardship)."""
    return risk_code == "01" or risk_code == "05" or risk_code.startswith("02")


RISK_STATUS = CodeTable("risk_status", "风险状态", {"at_risk": "风险未消除", "eliminated": "风险已消除"},
                        aliases={"否": "at_risk", "未消除": "at_risk", "是": "eliminated", "已消除": "eliminated"})
ELIMINATION_WAY = CodeTable(
    "elimination_way", "风险消除方式", {"assisted": "帮扶消除", "natural": "自然消除"}
)

LEAD_STATUS = CodeTable("lead_status", "线索状态", {
    "pending": "待核实",
    "verified": "已核实",
    "closed": "已办结",
}, aliases={  # as counties and the platform write them; a dismissed lead (已排除) was verified, without risk
    **dict.fromkeys(("未核实", "待核查", "核实中", "核查中", "待处理", "处理中", "未办结", "待办", "已受理"),
                    "pending"),
    **dict.fromkeys(("已核查", "核实完毕", "核实完成", "已入户核实", "已排除", "排除", "不予纳入", "已研判"),
                    "verified"),
    **dict.fromkeys(("办结", "已完成", "完成", "已处理", "已销号", "销号", "完结", "已结案", "已反馈"), "closed"),
})
LEAD_OUTCOME = CodeTable("lead_outcome", "核实结果", {
    "identified": "纳入监测",
    "assisted": "落实帮扶",
    "no_risk": "无返贫致贫风险",
}, aliases={
    **dict.fromkeys(("纳入", "已纳入监测", "新识别为监测对象", "识别为监测对象"), "identified"),
    **dict.fromkeys(("已落实帮扶", "帮扶", "落实帮扶措施"), "assisted"),
    **dict.fromkeys(("无风险", "无返贫风险", "无致贫风险", "排除", "已排除", "不纳入", "不予纳入"), "no_risk"),
})

SEX = CodeTable("sex", "性别", {"1": "男", "2": "女"})  # GB/T 2261.1

RELATION = CodeTable("relation", "与户主关系", {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "sibling": "兄弟姐妹",
    "child_in_law": "儿媳/女婿",
    "other": "其他",
})

SCHOOLING = CodeTable("schooling", "文化程度", {
    "preschool": "学龄前儿童",
    "illiterate": "文盲或半文盲",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "vocational": "中职/技校",
    "college": "大专及以上",
})

HEALTH = CodeTable("health", "健康状况", {
    "healthy": "健康",
    "chronic": "长期慢性病",
    "serious": "患有大病",
    "disabled": "残疾",
})

WORK_LOCATION = CodeTable("work_location", "务工地点", {
    "county": "县内",
    "province": "省内县外",
    "outside": "省外",
})

FUND_USE = CodeTable("fund_use", "衔接资金用途", {
    "industry": "产业发展",
    "infrastructure": "基础设施",
    "employment": "就业帮扶",
    "education": "教育与技能培训",
    "relocation": "易地搬迁后续扶持",
    "other": "其他",
}, aliases={
    **dict.fromkeys(("产业", "产业项目", "产业类项目", "发展产业"), "industry"),
    **dict.fromkeys(("基础设施建设", "小型公益性基础设施", "乡村建设", "基础设施类项目"), "infrastructure"),
    **dict.fromkeys(("就业", "就业项目", "稳岗就业"), "employment"),
    **dict.fromkeys(("教育", "技能培训", "雨露计划", "教育培训"), "education"),
    **dict.fromkeys(("易地搬迁后扶", "搬迁后扶", "后续扶持"), "relocation"),
})

# 联农带农 (the policy's 二（一）): how a project funded by the linkage funds brings farm households in.
LINKAGE_MECHANISM = CodeTable("linkage_mechanism", "联农带农机制", {
    "contract_farming": "订单生产",
    "custody": "托养托管",
    "sales_agency": "产品代销",
    "floor_price": "保护价收购",
    "employment": "吸纳就业",
    "asset_income": "资产收益",
}, aliases={
    **dict.fromkeys(("订单农业", "订单收购", "订单带动"), "contract_farming"),
    **dict.fromkeys(("托管", "托养", "土地托管", "代养托养"), "custody"),
    **dict.fromkeys(("代销", "消费帮扶代销", "帮销"), "sales_agency"),
    **dict.fromkeys(("保底收购", "保护价", "最低价收购"), "floor_price"),
    **dict.fromkeys(("就业带动", "务工带动", "吸纳务工"), "employment"),
    **dict.fromkeys(("资产收益分红", "分红", "入股分红", "收益分红"), "asset_income"),
})

# The policy's part 一（二）: who helps a county under an annual agreement or responsibility book.
PAIRING_KIND = CodeTable("pairing_kind", "帮扶类型", {
    "east_west": "东西部协作",
    "central_unit": "中央单位定点帮扶",
}, aliases={
    **dict.fromkeys(("东西部扶贫协作", "东西协作", "东西部协作结对"), "east_west"),
    **dict.fromkeys(("定点帮扶", "中央定点帮扶", "中央单位定点", "定点扶贫"), "central_unit"),
})

TRAINING_PROGRAMME = CodeTable("training_programme", "培训项目", {
    "yulu": "雨露计划",
    "skills": "职业技能培训",
    "production": "生产经营技能培训",
})

# GB 3304 ethnic groups that appear in the synthetic provinces; extend as needed.
ETHNICITY = CodeTable("ethnicity", "民族", {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族",
    "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族",
    "19": "黎族", "20": "傈僳族", "97": "其他",
})

CODE_TABLES: dict[str, CodeTable] = {
    t.name: t
    for t in (
        MONITORING_TYPE, LABOUR_SKILL, MEASURE_CATEGORY, MEASURE_KIND, LEAD_CHANNEL, RISK_CATEGORY,
        RISK_STATUS, ELIMINATION_WAY, LEAD_STATUS, LEAD_OUTCOME, SEX, RELATION, SCHOOLING, HEALTH,
        WORK_LOCATION, FUND_USE, LINKAGE_MECHANISM, PAIRING_KIND, TRAINING_PROGRAMME, ETHNICITY,
    )
}


def label_of(table: str, code: str) -> str:
    return CODE_TABLES[table].label_of(code)
