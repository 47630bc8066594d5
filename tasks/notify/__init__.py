"""Notifications: messages routed to targets, masked, stored in a durable outbox (or held for a county's
daily digest), rendered per platform and delivered to Slack (Web API or webhook), DingTalk, WeCom and Feishu
robots, e-mail, or the local outbox file."""

from tasks.notify.message import Message, build_message
from tasks.notify.notifier import Notifier, NotifyOutcome, build_notifier, build_router, build_transport

__all__ = ["Message", "Notifier", "NotifyOutcome", "build_message", "build_notifier", "build_router", "build_transport"]
