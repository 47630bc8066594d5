"""Prefect state hooks: a failed or crashed flow run tells the coordinators, with the error and a link."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tasks.notify.message import build_message
from tasks.settings import Settings, get_settings

log = logging.getLogger(__name__)


def flow_run_url(flow_run_id: str | None, settings: Settings | None = None) -> str | None:
    """Link to a flow run in the Prefect UI, when a UI address is known."""
    from prefect.settings import PREFECT_UI_URL

    # A failure hook runs outside any run's context: it reads the settings itself, as an entry point does.
    base = (settings or get_settings()).prefect_ui_url or PREFECT_UI_URL.value()
    if not base or not flow_run_id:
        return None
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}"


def failure_hook(campaign: str) -> Callable:
    """An `on_failure` / `on_crashed` hook for the flows of `campaign`."""

    def notify_failure(flow, flow_run, state) -> None:
        from tasks.notify import build_notifier

        try:
            error = state.message or state.type.value
            message = build_message(
                f"failure:{flow_run.id}:{state.type.value}",
                f"运行失败 / run {state.type.value.lower()}: {flow_run.name}",
                {"流程 / flow": flow.name, "状态 / state": state.name, "错误 / error": error[:500]},
                ["查看运行日志并处理后重跑 / check the run's logs, fix and rerun"],
                flow_run_url(str(flow_run.id)), campaign=campaign, severity="critical", run_label=flow_run.name,
            )
            build_notifier().notify(message)
        except Exception:  # a broken notifier must not hide the flow's own failure
            log.exception("could not send the failure notification for %s", flow_run.name)

    return notify_failure
