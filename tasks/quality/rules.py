"""What a rule means to the people who fix its findings: its Chinese name (`meta.title`) and what to do
(`meta.fix`), declared once in the suites (expectations/*.json), and for the reasons an ingest finds before
any suite runs (a cell that is not a date, a row with too many fields). Messages, quality artifacts and the
set-aside workbooks read them from here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class RuleText:
    title: str  # 户编号不能为空
    fix: str  # 请在“户编号”列填写……


GENERIC_FIX = "请按数据规范（报送模板说明页）更正本行后重新报送 / correct the row as the data contract says and resend"
# Reasons found while reading a file (tasks.ingest.frame), by the suffix of their rule id.
READING = {
    "format": RuleText("格式不对",
                       "请按该列要求的格式填写（日期写作 2023-06-30，数字不带单位），更正后重新报送本文件。"),
    "value": RuleText("取值不在代码表中",
                      "请改用代码表中的取值（见报送模板的说明页，原因中给出了最接近的允许值），更正后重新报送。"),
    "length": RuleText("内容过长", "请删去多余内容（是否把几列写进了一个单元格？），更正后重新报送。"),
    "fields": RuleText("本行列数与表头不一致",
                       "请检查本行是否多了或少了分隔符、单元格内是否有换行，更正后重新报送本文件。"),
}


@cache
def rule_texts() -> dict[str, RuleText]:
    """Every suite's rules: rule id -> its title and fix."""
    texts = {}
    for path in sorted(files("expectations").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        for expectation in json.loads(path.read_text("utf-8")).get("expectations", []):
            meta = expectation.get("meta") or {}
            if meta.get("rule") and meta.get("title"):
                texts[meta["rule"]] = RuleText(meta["title"], meta.get("fix") or GENERIC_FIX)
    return texts


def explain(reason: str) -> tuple[str, str, str]:
    """A stored reason ("rule: text") as (title, detail, fix): the rule's Chinese name, the reason's own
    words when they add something (which value was near, which column), and what to do."""
    rule, _, detail = reason.partition(": ")
    known = rule_texts().get(rule)
    if known is not None:
        return known.title, "", known.fix
    reading = READING.get(rule.rsplit(".", 1)[-1])
    if reading is not None:
        return reading.title, detail.split(" / ")[0], reading.fix
    return (detail.split(" / ")[0] or rule), "", GENERIC_FIX


def title(rule: str) -> str:
    """The rule's Chinese name, or its id when it has none."""
    known = rule_texts().get(rule)
    return known.title if known is not None else rule
