"""A real SMTP server (aiosmtpd) on port 0 in the tests' event loop: the mail the server
under test sends arrives here over SMTP, and tests wait for it and follow its links."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP

TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = asyncio.Condition()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        async with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 OK"

    def to(self, address: str, subject: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address and subject in m["Subject"]]

    async def wait(self, address: str, subject: str, count: int = 1):
        """The ``count``-th message to ``address`` whose subject holds ``subject`` (10 s)."""
        async with asyncio.timeout(10), self._arrived:
            await self._arrived.wait_for(lambda: len(self.to(address, subject)) >= count)
            return self.to(address, subject)[count - 1]


def token_of(message: EmailMessage) -> str:
    """The token of the link in a message's body."""
    (token,) = TOKEN.findall(message.get_content())
    return token
