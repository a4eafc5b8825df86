"""Outbound mail over SMTP (stdlib smtplib in a thread): verification, password reset and
invitation links. Without an SMTP host (development) a message is logged instead of sent,
so its link can be followed; production refuses to start without one (config.py)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("privexbot.mail")

SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    security: str  # one of SECURITY
    username: str
    password: str
    sender: str
    app_url: str  # where links in mails point (the web app)
    timeout: float = 10.0

    def link(self, path: str, token: str) -> str:
        """A link into the web app carrying ``token``."""
        return f"{self.app_url.rstrip('/')}/{path}?token={token}"

    async def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one plain-text message; raises OSError/SMTPException when it cannot."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        if not self.host:
            # Development only (production needs SMTP_HOST): the link is here to follow.
            log.info("mail not sent (SMTP_HOST unset) to %s: %s\n%s", to, subject, body)
            return
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)
