"""E-mail to a mailing list over SMTP (smtplib): an HTML part and a plain-text part. A run's mails refer to
its first (In-Reply-To / References), so mail clients show them as one conversation."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from tasks.notify import render
from tasks.notify.routing import SHANGHAI
from tasks.notify.transports import AuthError, DeliveryError, Rejected, Retryable, Unconfirmed, retrying

log = logging.getLogger(__name__)
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
        if self.server.user and self.server.security == "none":
            raise AuthError(f"{channel}: 不在未加密的连接上发送密码 / the password is not sent unencrypted: set "
                            "CAMPAIGNS_SMTP_SECURITY to starttls or ssl")
        subject, plain, html = render.email(body)
        mail = EmailMessage()
        mail["Subject"], mail["From"], mail["To"] = subject, self.server.sender, ", ".join(self.to)
        mail["Date"] = format_datetime(datetime.now(SHANGHAI))  # Beijing time, whatever the server's zone
        # The outbox key makes the id: a message sent twice after an unconfirmed attempt is one for the reader.
        domain = self.server.sender.rpartition("@")[2].strip("> ") or MESSAGE_ID_DOMAIN
        mail["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        if thread_ts:
            mail["In-Reply-To"] = mail["References"] = thread_ts
        mail.set_content(plain)
        mail.add_alternative(html, subtype="html")
        try:
            for attempt in retrying(self.server.max_retries):
                with attempt:
                    self._deliver(channel, mail)
        except DeliveryError:
            raise
        except Exception as exc:  # a header the library refuses …: the message waits, the run goes on
            raise DeliveryError(f"{channel}: e-mail could not be sent: {type(exc).__name__}") from None
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
                refused = smtp.send_message(mail)
            if refused:  # delivered to the others
                log.warning("%s: the mail server refused %d of the recipients", channel, len(refused))
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthError(f"{channel}: 邮件服务器拒绝登录 / the mail server refused the login "
                            f"({exc.smtp_code}): check CAMPAIGNS_SMTP_USER and the password") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):  # greylisting: come back later
                raise Retryable(f"{channel}: recipients deferred ({codes})") from None
            raise AuthError(f"{channel}: 收件人被拒 / recipients refused ({codes}): check the addresses") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:  # the server asks us to come back later
                raise Retryable(f"{channel}: mail server answered {exc.smtp_code}") from None
            raise Rejected(f"{channel}: mail server refused the message ({exc.smtp_code})") from None
        except smtplib.SMTPServerDisconnected as exc:
            if sent:
                raise Unconfirmed(f"{channel}: mail server did not confirm: {type(exc).__name__}") from None
            raise Retryable(f"{channel}: mail server unreachable: {type(exc).__name__}") from None
        except smtplib.SMTPException as exc:  # no STARTTLS, no login method the server offers …: the setting
            raise AuthError(f"{channel}: 邮件服务器设置有误 / check the mail settings: {type(exc).__name__}") from None
        except OSError as exc:
            if sent:  # cut while the message was being handed over: the server may have it
                raise Unconfirmed(f"{channel}: mail server did not confirm: {type(exc).__name__}") from exc
            raise Retryable(f"{channel}: mail server unreachable: {type(exc).__name__}: {exc}") from exc
