"""Sending the digests through SMTP (host, port, TLS, user from the settings)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from assistant.settings import Settings

TIMEOUT_S = 30


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message (German, with the server named)."""


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.tls = settings.smtp_tls
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.sender = settings.mail_from

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def send(self, message: EmailMessage) -> None:
        try:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"E-Mail an {message['To']} über {self.host}:{self.port} nicht versandt: {exc}") from exc
