"""The outbox flush: deliver the notifications left pending (after an outage, or past a robot's per-minute
allowance) and the counties' digests that are due; started by the housekeeping watcher when there are any."""

from __future__ import annotations

from prefect import flow, get_run_logger

from tasks.notify.notifier import FlushSummary
from tasks.notify.notifier import flush_outbox as flush
from tasks.settings import get_settings


@flow(name="outbox-flush", flow_run_name="outbox flush")
def flush_outbox() -> FlushSummary:
    """通知补发 / deliver every pending notification, oldest first, and the digests that are due."""
    flushed = flush(get_settings())
    get_run_logger().info("sent %s; still pending %s", flushed.report.sent, flushed.left)
    return flushed.summary()
