"""The human approval gate of a press release: the flow run pauses with a short form in the Prefect UI
(decision, approver, approval code, comment, acknowledgements); the form's description shows the headline
figures, the national warnings and a link to the draft.

An approval counts only from an approver on the allow-list whose approval code matches (tasks.release.
approvers). Skipping the gate is possible only for a process that calls the flow itself (the CLI's
`--auto-approve`, the demo, tests), through `approved_automatically`: nothing a form or a deployment's
parameters can carry reaches it."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from prefect.input import RunInput
from pydantic import Field, SecretStr


class Decision(StrEnum):
    approve = "批准发布"
    reject = "退回"


class ApprovalForm(RunInput):
    """发布审核 / approval of a release draft."""

    decision: Decision = Field(title="审核决定 / decision")
    reviewer: str = Field(min_length=1, max_length=60, title="审核人姓名 / approver",
                          description="须在审核人名单中 / as on the approvers' list")
    # Required, so that the UI does not label it optional. Prefect's UI shows it as it is typed (its form has
    # no password field); the answer is deleted from the server once read (flows.release.forget_answer).
    approval_code: SecretStr = Field(title="审核码 / approval code", min_length=1,
                                     description="本人审核码，批准和退回都须填写 / your personal code")
    comment: str = Field("", max_length=2000, title="审核意见 / comment",
                         description="退回时必填 / required when rejecting")
    acknowledge_large_changes: bool = Field(
        False, title="确认大幅变化 / acknowledge large changes",
        description="有大幅变化时须勾选并填写变化说明 / tick and explain when large changes are listed")
    explanation: str = Field("", max_length=2000, title="变化说明 / explanation of large changes")
    acknowledge_revisions: bool = Field(
        False, title="确认修订 / acknowledge revisions",
        description="与已发布数据不一致时须勾选并填写修订说明 / tick and note when published figures change")
    revision_note: str = Field("", max_length=2000, title="修订说明 / revision note",
                               description="再次发布同一期间时必填 / required to publish a period again")


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
    unit: str = ""  # the approver's unit, from the allow-list
    identity: str = ""  # how the reviewer was known: 审核码 checked, or which process approved automatically

    @classmethod
    def from_form(cls, form: ApprovalForm) -> Approval:
        return cls(form.decision, form.reviewer.strip(), form.comment.strip(), form.acknowledge_revisions,
                   form.revision_note.strip(), form.acknowledge_large_changes, form.explanation.strip())

    @classmethod
    def automatic_approval(cls, by: str, revision_note: str = "") -> Approval:
        """What an automatic approval records (`by`: which command, user and host). It acknowledges a
        revision only when a revision note is given, so that no published figure changes unexplained."""
        return cls(Decision.approve, "auto-approve", "自动批准（演示或测试）/ automatic approval (demo or test)",
                   bool(revision_note), revision_note, True, "自动批准，未人工核实 / automatic, not reviewed", True,
                   identity=by)

    def problems(self, revisions: int, large_changes: int, republishing: bool) -> list[str]:
        """Why an answer cannot stand as it is, in the words the form is asked again with (empty: it can)."""
        found = []
        if self.decision == Decision.approve:
            if revisions and not (self.acknowledge_revisions and self.revision_note):
                found.append(f"{revisions} 项数字与已发布的不一致：请勾选“确认修订”并填写修订说明 / {revisions} "
                             "figure(s) differ from the published release: acknowledge the revisions and give a "
                             "revision note")
            if republishing and not self.revision_note:
                found.append("本期已发布：再次发布须填写修订说明 / this period is already published: a new version "
                             "needs a revision note")
            if large_changes and not (self.acknowledge_large_changes and self.explanation):
                found.append(f"{large_changes} 项数字同比变化较大：请勾选“确认大幅变化”并填写变化说明 / "
                             f"{large_changes} large change(s): acknowledge and explain them")
        elif not self.comment:
            found.append("退回须填写审核意见 / a rejection needs a comment saying why")
        return found


_AUTOMATIC: ContextVar[Approval | None] = ContextVar("automatic_approval", default=None)


@contextmanager
def approved_automatically(command: str, revision_note: str = "") -> Iterator[None]:
    """Releases run inside this block are approved automatically, recorded with the command, the user and
    the host. A context variable of this process: a run started from the UI or a deployment never has it."""
    by = f"{command} ({getpass.getuser()}@{socket.gethostname()})"
    token = _AUTOMATIC.set(Approval.automatic_approval(by, revision_note))
    try:
        yield
    finally:
        _AUTOMATIC.reset(token)


def automatic_approval() -> Approval | None:
    return _AUTOMATIC.get()


@dataclass(frozen=True)
class DraftLinks:
    """What an approver opens: the draft as it will be published and the provinces' table (served by
    `campaigns serve`, else paths on the server), and the run in the Prefect UI."""

    draft: str
    tables: str
    run: str
    approve: str = ""  # the served approval page, whose code field is a password field (deployments.approval_page)


def form_description(title: str, links: DraftLinks, note: str = "") -> str:
    """The markdown above the form, short: the Resume dialog gives it what the fields leave, nothing on a
    laptop's screen. The note that asks again, the title and the links; what must be read is the first
    field's description (`approval_form`)."""
    lines = [f"**{note}**", ""] if note else []
    page = f" · [审核页（审核码不显示）/ the approval page]({links.approve})" if links.approve else ""
    return "\n".join([*lines, f"### {title}", f"[发布稿 / the draft]({links.draft}) · [分省数据表 / the 31 provinces' "
                      f"table]({links.tables}) · [运行详情 / the run]({links.run}){page}"])


def must_read(headline: list[str], national_warnings: list[str], province_warnings: list[str],
              revisions: list[str], published: int | None, note: str = "", outliers: list[str] = (),
              links: DraftLinks | None = None) -> list[str]:
    """What the approver must read before deciding, as lines: why the form is asked again, the headline
    figures beside last year's, what must be answered (revisions, large changes: the national ones and the
    first provinces'), and the outliers to look at."""
    lines = [f"【请先处理】{note}"] if note else []
    # One paragraph a kind: the dialog shows the description as running text, line breaks collapsed.
    lines += ["【本期数字】" + "；".join(headline)] if headline else []
    if published:
        lines.append(f"【已发布 v{published}】再次发布为 v{published + 1}，须勾选确认修订并填写修订说明")
    if revisions:
        lines.append(f"【修订 {len(revisions)} 项，须确认】" + "；".join(revisions[:3])
                     + ("……" if len(revisions) > 3 else ""))
    if national_warnings or province_warnings:
        shown = [*national_warnings, *province_warnings[:MAX_PROVINCE_WARNINGS]]
        more = len(province_warnings) - MAX_PROVINCE_WARNINGS
        lines.append(f"【同比大幅变化，须勾选确认并说明】全国 {len(national_warnings)} 项、分省 "
                     f"{len(province_warnings)} 项：" + "；".join(shown)
                     + (f"；另有分省 {more} 项见发布稿摘要" if more > 0 else ""))
    if outliers:  # listed for a look, not asked about (tasks.release.outliers)
        lines.append(f"【异常值提示，请核对】{len(outliers)} 项：" + "；".join(outliers[:3])
                     + ("……" if len(outliers) > 3 else ""))
    if links:  # here too: the description above, which links them, is hidden on most screens
        lines.append(f"【发布稿】{links.draft} 【分省数据表】{links.tables}"
                     + (f" 【审核页（审核码不显示）】{links.approve}" if links.approve else ""))
    return lines


MAX_PROVINCE_WARNINGS = 5


def approval_form(lines: list[str]) -> type[ApprovalForm]:
    """The approval form with `lines` (`must_read`) as the description of its first field, where the
    Resume dialog shows it whatever the screen (the dialog's own description box shrinks to nothing on a
    1366×650 screen)."""
    from pydantic import create_model

    return create_model("ApprovalForm", __base__=ApprovalForm, __doc__=ApprovalForm.__doc__,
                        decision=(Decision, Field(title="审核决定 / decision", description="\n".join(lines))))
