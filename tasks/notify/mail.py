"""E-mail to a mailing list over SMTP (smtplib): an HTML part and a plain-text part. A run's mails refer to
its first (In-Reply-To / References), so mail clients show them as one conversation."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from tasks.notify import render
from tasks.notify.routing import SHANGHAI
from tasks.notify.transports import AuthError, DeliveryError, Retryable, Unconfirmed, retrying

MESSAGE_ID_DOMAIN = "campaigns.fpjc"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # starttls / ssl / none
    user: str | None
    password: Callable[[], str | None]
    sender: str
    timeout: int
    max_retries: int


class EmailTransport:
    name = "email"
    supports_threads = True  # through In-Reply-To: the parent's Message-ID is its id

    def __init__(self, server: SmtpServer | None, to: list[str]) -> None:
        self.server, self.to = server, list(to)

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        if self.server is None:
            raise AuthError(f"{channel}: 未配置邮件服务器 / no mail server: set CAMPAIGNS_SMTP_HOST")
        subject, plain, html = render.email(body)
        mail = EmailMessage()
        mail["Subject"], mail["From"], mail["To"] = subject, self.server.sender, ", ".join(self.to)
        mail["Date"] = format_datetime(datetime.now(SHANGHAI))  # Beijing time, whatever the server's zone
        # The outbox key makes the id: a message sent twice after an unconfirmed attempt is one for the reader.
        mail["Message-ID"] = f"<{key or 'campaigns'}@{MESSAGE_ID_DOMAIN}>"
        if thread_ts:
            mail["In-Reply-To"] = mail["References"] = thread_ts
        mail.set_content(plain)
        mail.add_alternative(html, subtype="html")
        for attempt in retrying(self.server.max_retries):
            with attempt:
                self._deliver(channel, mail)
        return str(mail["Message-ID"])

    def _deliver(self, channel: str, mail: EmailMessage) -> None:
        server = self.server
        sent = False
        try:
            if server.security == "ssl":
                smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            with smtp:
                if server.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if server.user:
                    smtp.login(server.user, server.password() or "")
                sent = True
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthError(f"{channel}: 邮件服务器拒绝登录 / the mail server refused the login "
                            f"({exc.smtp_code}): check CAMPAIGNS_SMTP_USER and the password") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise AuthError(f"{channel}: 收件人被拒 / recipients refused: {sorted(exc.recipients)}") from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:  # the server asks us to come back later
                raise Retryable(f"{channel}: mail server answered {exc.smtp_code}") from exc
            raise DeliveryError(f"{channel}: mail server answered {exc.smtp_code}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            if sent:  # cut while the message was being handed over: the server may have it
                raise Unconfirmed(f"{channel}: mail server did not confirm: {type(exc).__name__}") from exc
            raise Retryable(f"{channel}: mail server unreachable: {type(exc).__name__}: {exc}") from exc
