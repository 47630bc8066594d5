"""How people read a stage's name: `validate households` is 运行输入检查（农户）, `check small cells` is
小单元格隐去核查. Stage names stay English in the database (results, rows set aside, timings): they are keys;
messages, the quality artifact and workbooks show these titles."""

from __future__ import annotations

# The stages named once each; the per-table ones (validate, validated, ingest, reference) follow a pattern.
FIXED = {
    "account for leads": "问题线索逐条有着落核查",
    "check candidate lists": "候选名单核查",
    "check province workbooks": "分省工作簿核查",
    "check reports": "报告文件核查",
    "check configuration": "考核指标配置核查",
    "check scores": "综合得分核查",
    "check indicator scores": "分项得分核查",
    "check figures": "发布数据核查",
    "check sums": "合计一致性核查",
    "check small cells": "小单元格隐去核查",
    "check disclosure": "防推算核查（不予公布的数据不能被推算）",
    "check publication": "发布文件核查",
    "check approval": "审核意见核查",
    "check lead watch outputs": "线索周报输出核查",
    "account for watched leads": "关注线索逐条核查",
    "check what-if households": "测算输入检查（农户）",
    "check what-if results": "测算结果核查",
    "check county indicators": "县级指标异常值核查（只提示不阻断）",
    "check relocation sites": "安置点名录核查",
    "check site figures": "安置点季度指标核查",
    "check fund ledger figures": "衔接资金项目台账各省指标核查",
    "check pairing progress": "帮扶协作结对进展核查",
    "check pairing completion": "帮扶协作年度完成情况核查",
}
PATTERNS = {"validate": "运行输入检查", "validated": "入库后复核", "ingest": "报送入库检查",
            "reference": "参考数据检查", "recheck": "按新规则复查"}


def stage_title(stage: str) -> str:
    """The stage's Chinese title; an unknown stage keeps its name (a new stage shows, even untitled)."""
    if stage in FIXED:
        return FIXED[stage]
    step, _, table = stage.partition(" ")
    if step not in PATTERNS or not table:
        return stage
    from tasks.model import metadata

    known = metadata.tables.get(table)
    what = (known.comment or table).split(" (")[0] if known is not None else table
    return f"{PATTERNS[step]}（{what}）"
