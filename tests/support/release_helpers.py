"""Releases in tests: approved automatically, as the CLI's --auto-approve does, or by an approver on a
temporary allow-list through the paused run's form."""

from __future__ import annotations

from flows.release import press_release
from tasks.release.approval import approved_automatically
from tasks.release.params import ReleaseParams

WANG_CODE, LI_CODE = "wang-2023-审核码", "li-approval-7788"  # the approvers' codes in the `approvers` fixture


def auto_approved(period: str, revision_note: str = "") -> dict:
    with approved_automatically("pytest", revision_note):
        return press_release(ReleaseParams(period=period))
