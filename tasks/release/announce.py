"""The press office's messages: a release is waiting for approval (with the link), it expired, it was
rejected, it was published (headline figures and where it is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.notify import build_message
from tasks.runs.stage import CampaignContext

if TYPE_CHECKING:
    from tasks.release.approval import Approval
    from tasks.release.prepare import ReleaseDraft


def _send(ctx: CampaignContext, key: str, title: str, figures: dict, actions: list[str]) -> None:
    if ctx.notifier is not None:
        ctx.notifier.notify(build_message(f"{ctx.run_id}:{key}", title, figures, actions, ctx.flow_run_url,
                                          campaign="release", campaign_run_id=ctx.run_id))


def waiting(ctx: CampaignContext, release: ReleaseDraft, draft: str) -> None:
    actions = [f"草稿 / draft: {draft}",
               "在 Prefect 中打开运行并填写审核表 / open the run in Prefect and fill in the form"]
    actions += [f"修订 / revision: {r}" for r in release.revisions[:3]]
    actions += [f"大幅变化 / large change: {w}" for w in release.warnings[:3]]
    _send(ctx, "waiting", f"{ctx.label}: 待审核 / waiting for approval", dict(release.headline()), actions)


def expired(ctx: CampaignContext, release: ReleaseDraft) -> None:
    _send(ctx, "expired", f"{ctx.label}: 审核超时，未发布 / approval expired, nothing published", {},
          ["重新运行发布流程 / run the release again"])


def rejected(ctx: CampaignContext, release: ReleaseDraft, approval: Approval) -> None:
    _send(ctx, "rejected", f"{ctx.label}: 已退回 / rejected", {"审核人 / reviewer": approval.reviewer},
          [f"意见 / comment: {approval.comment}"])


def published(ctx: CampaignContext, release: ReleaseDraft, approval: Approval, where: dict) -> None:
    figures = dict(release.headline())
    figures["版本 / version"] = f"v{where['version']}"
    figures["审核人 / reviewer"] = approval.reviewer
    _send(ctx, f"published:v{where['version']}", f"{ctx.label}: 已发布 / published", figures,
          [f"发布目录 / folder: {where['path']}"])
