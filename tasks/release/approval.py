"""The human approval gate of a press release: the flow run pauses with a form in the Prefect UI (decision,
reviewer, comment, acknowledgements); the form's description shows the headline figures, the warnings and
where the draft is. `--auto-approve` (demo, tests) records an automatic approval instead."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prefect.input import RunInput
from pydantic import Field


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class ApprovalForm(RunInput):
    """审核 / approval of a release draft."""

    decision: Decision = Field(title="审核决定 / decision", description="approve 批准发布 · reject 退回")
    reviewer: str = Field(min_length=1, max_length=60, title="审核人 / reviewer")
    comment: str = Field("", max_length=2000, title="审核意见 / comment",
                         description="退回时必填 / required when rejecting")
    acknowledge_revisions: bool = Field(
        False, title="确认修订 / acknowledge revisions",
        description="与已发布数据不一致的数字须确认后才能发布 / figures that differ from a published release")
    revision_note: str = Field("", max_length=2000, title="修订说明 / revision note",
                               description="再次发布同一期间时必填 / required to publish a period again")
    acknowledge_large_changes: bool = Field(
        False, title="确认大幅变化 / acknowledge large changes",
        description="同比变化超过30%的数字须说明 / changes of more than 30 % on the year need an explanation")
    explanation: str = Field("", max_length=2000, title="变化说明 / explanation of large changes")


@dataclass
class Approval:
    decision: Decision
    reviewer: str
    comment: str
    acknowledge_revisions: bool
    revision_note: str
    acknowledge_large_changes: bool
    explanation: str
    automatic: bool = False

    @classmethod
    def from_form(cls, form: ApprovalForm) -> Approval:
        return cls(form.decision, form.reviewer.strip(), form.comment.strip(), form.acknowledge_revisions,
                   form.revision_note.strip(), form.acknowledge_large_changes, form.explanation.strip())

    @classmethod
    def automatic_approval(cls, revision_note: str = "") -> Approval:
        """What `--auto-approve` records: an approval by the system, for demos and tests. It acknowledges a
        revision only when a revision note is given, so that no published figure changes unexplained."""
        return cls(Decision.approve, "auto-approve", "自动批准（演示或测试）/ automatic approval (demo or test)",
                   bool(revision_note), revision_note, True, "自动批准，未人工核实 / automatic, not reviewed", True)

    def problems(self, revisions: int, large_changes: int, republishing: bool) -> list[str]:
        """Why an approval cannot publish as it stands (empty when it can)."""
        found = []
        if self.decision == Decision.approve:
            if revisions and not (self.acknowledge_revisions and self.revision_note):
                found.append(f"{revisions} figure(s) differ from the published release: acknowledge the revisions "
                             "and give a revision note")
            if republishing and not self.revision_note:
                found.append("this period is already published: a new version needs a revision note")
            if large_changes and not (self.acknowledge_large_changes and self.explanation):
                found.append(f"{large_changes} figure(s) changed by more than 30 % on the year: acknowledge and "
                             "explain them")
        elif not self.comment:
            found.append("a rejection needs a comment saying why")
        return found


def form_description(title: str, headline: list[tuple[str, str]], warnings: list[str], revisions: list[str],
                     draft: str, published: int | None, last_year_source: str = "",
                     record_changes: list[str] | None = None) -> str:
    """The markdown the UI shows above the form."""
    lines = [f"## {title}", "", "| 指标 | 数值 |", "|---|---|", *[f"| {k} | {v} |" for k, v in headline], ""]
    if last_year_source:
        lines += [f"上年同期数据来源 / same period last year: {last_year_source}", ""]
    if published:
        lines += [f"**已发布 v{published}**：再次发布将成为 v{published + 1}，须填写修订说明。", ""]
    if revisions:
        lines += ["**与已发布数据不一致（修订，须确认）/ revisions:**", *[f"- {r}" for r in revisions], ""]
    if record_changes:
        lines += [f"**v{published} 发布后补报、更正的记录 / records recorded late or corrected since v{published}:**",
                  *[f"- {c}" for c in record_changes], ""]
    if warnings:
        lines += ["**同比变化超过30%（须说明）/ large changes:**", *[f"- {w}" for w in warnings], ""]
    lines += [f"草稿 / draft: `{draft}`"]
    return "\n".join(lines)
