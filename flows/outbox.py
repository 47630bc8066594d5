"""The outbox flush: deliver the notifications left pending (after an outage, or past a robot's per-minute
allowance) and the counties' digests that are due; started by the housekeeping watcher when there are any."""

from __future__ import annotations

from prefect import flow, get_run_logger

from tasks.notify import build_notifier
from tasks.notify.outbox import pending_count
from tasks.storage.engine import build_engine


@flow(name="outbox-flush", flow_run_name="outbox flush")
def flush_outbox() -> dict:
    """通知补发 / deliver every pending notification, oldest first, and the digests that are due."""
    engine = build_engine()
    notifier = build_notifier(engine=engine)
    report = notifier.flush()
    left = pending_count(engine)
    get_run_logger().info("sent %s; still pending %s", report.sent, left)
    return {"sent": report.sent, "pending": left, "failed": report.failed}
