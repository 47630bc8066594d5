"""Notifications: Block Kit messages, routed to channels, masked, stored in a durable outbox, delivered to
Slack (Web API or webhook) or to the local outbox file."""

from tasks.notify.message import Message, build_message
from tasks.notify.notifier import Notifier, NotifyOutcome, build_notifier, build_router, build_transport

__all__ = ["Message", "Notifier", "NotifyOutcome", "build_message", "build_notifier", "build_router", "build_transport"]
