"""The press office's messages: a release is waiting for approval (with the link), it expired, it was
rejected, it was published (headline figures and where it is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect.runtime import flow_run

from tasks.outputs.links import report_link
from tasks.runs.context import CampaignContext

if TYPE_CHECKING:
    from tasks.release.approval import Approval, DraftLinks
    from tasks.release.stages import ReleaseDraft


def _send(ctx: CampaignContext, key: str, title: str, figures: dict, actions: list[str],
          staff: tuple[str, ...] = ()) -> None:
    ctx.announce(key, title, figures, actions, campaign="release", staff=staff)


def waiting(ctx: CampaignContext, release: ReleaseDraft, links: DraftLinks) -> None:
    """Once per paused flow run: every run of a period is the same campaign run, and the press office needs
    the link of the one that waits."""
    actions = [f"草稿和全部数字 / draft and every figure: {links.draft}"]
    if links.approve:  # served: a page whose code field hides what is typed
        actions.append(f"审核页（须本人审核码）/ approve or reject with your approval code: {links.approve}")
    else:
        actions.append("在 Prefect 中打开运行，点击 Resume 填写审核表（须本人审核码）/ open the run, Resume, fill in "
                       "the form with your approval code")
    actions += [f"修订 / revision: {r}" for r in release.revisions[:3]]
    actions += [f"大幅变化 / large change: {w}" for w in release.warnings[:max(release.national_warnings, 1)][:3]]
    _send(ctx, f"waiting:{flow_run.get_id()}", f"{ctx.label}: 待审核 / waiting for approval",
          dict(release.headline()), actions)


def refused(ctx: CampaignContext, claimed: str, count: int, limit: int) -> None:
    """An answer by someone not on the list, or with a wrong code: the press office should know."""
    _send(ctx, f"refused:{flow_run.get_id()}:{count}", f"{ctx.label}: 审核未采纳 / an approval was refused",
          {"填写的审核人 / name given": claimed, "次数 / times": f"{count} / {limit}"},
          ["该审核人不在名单中或审核码不符；如非本办人员所为，请检查谁能打开 Prefect 界面 / not on the list or a "
           "wrong code: if it was not one of you, check who can open the Prefect UI"])


def expired(ctx: CampaignContext, release: ReleaseDraft) -> None:
    _send(ctx, "expired", f"{ctx.label}: 审核超时，未发布 / approval expired, nothing published", {},
          ["重新运行发布流程 / run the release again"])


def rejected(ctx: CampaignContext, release: ReleaseDraft, approval: Approval) -> None:
    _send(ctx, f"rejected:{flow_run.get_id()}", f"{ctx.label}: 已退回 / rejected",
          {"审核人 / reviewer": _who(approval)}, [f"意见 / comment: {approval.comment}"], staff=(approval.reviewer,))


def published(ctx: CampaignContext, release: ReleaseDraft, approval: Approval, where: dict) -> None:
    figures = dict(release.headline())
    figures["版本 / version"] = f"v{where['version']}"
    figures["审核人 / reviewer"] = _who(approval)
    _send(ctx, f"published:v{where['version']}", f"{ctx.label}: 已发布 / published", figures,
          [f"发布目录 / folder: {report_link(where['path'], ctx.settings)}"], staff=(approval.reviewer,))


def _who(approval: Approval) -> str:
    if approval.automatic:  # the audit trail keeps the reviewer's id; the press office reads what it means
        return "自动批准，未人工审核 / automatic"
    return f"{approval.reviewer}（{approval.unit}）" if approval.unit else approval.reviewer
