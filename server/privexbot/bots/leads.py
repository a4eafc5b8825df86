"""Leads: the contact details visitors left in a workspace's chat sessions (widget.lead keeps
them on the session), listed with their total and exported as CSV, by chatbot and time; one
read, corrected or erased (the conversation stays) by its name, ``.../sessions/{id}/lead``."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from privexbot.kernel import emails, resources, standard
from privexbot.kernel.errors import InvalidArgument, not_found
from privexbot.kernel.resources import Scope
from privexbot.store import audit
from privexbot.store.models import ChatSession

EXPORT_ROWS = 500  # per chunk (and per query)
STATS_CHATBOTS, STATS_DAYS = 100, 366
CSV_HEADER = ("email", "display_name", "consent", "chatbot", "session", "create_time")
UPDATABLE = {"email", "display_name", "consent"}


@dataclass(frozen=True)
class LeadFilter:
    chatbot: str = ""  # a chatbot's name, "" for every chatbot
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class LeadStats:
    total: int
    with_consent: int
    by_chatbot: list[tuple[str, int]]  # (chatbot name, leads), most first
    by_day: list[tuple[str, int]]  # (YYYY-MM-DD, leads), oldest first


@dataclass(frozen=True)
class LeadView:
    organization_id: str
    workspace_id: str
    chatbot_id: str
    session_id: str
    email: str
    display_name: str
    consent: bool
    created_at: datetime

    @property
    def session(self) -> str:
        return resources.CHAT_SESSION.name(
            self.organization_id, self.workspace_id, self.chatbot_id, self.session_id
        )

    @property
    def chatbot(self) -> str:
        return resources.CHATBOT.name(self.organization_id, self.workspace_id, self.chatbot_id)

    @property
    def name(self) -> str:
        return resources.LEAD.name(
            self.organization_id, self.workspace_id, self.chatbot_id, self.session_id
        )


def _view(row: ChatSession) -> LeadView:
    lead = row.lead or {}
    return LeadView(
        row.organization_id,
        row.workspace_id,
        row.chatbot_id,
        row.id,
        row.lead_email or "",
        lead.get("display_name", ""),
        bool(lead.get("consent")),
        row.created_at,
    )


def _query(scope: Scope, only: LeadFilter):
    """The scope's leads under ``only``; a chatbot outside the scope is NOT_FOUND."""
    query = select(ChatSession).where(
        ChatSession.workspace_id == scope.workspace_id, ChatSession.lead_email.is_not(None)
    )
    if only.chatbot:
        org_id, ws_id, bot_id = resources.CHATBOT.parse(only.chatbot, "filter.chatbot")
        if (org_id, ws_id) != (scope.organization_id, scope.workspace_id):
            raise not_found(only.chatbot)
        query = query.where(ChatSession.chatbot_id == bot_id)
    if only.start and only.end and only.start >= only.end:
        raise InvalidArgument.field("filter.end_time", "must be after filter.start_time")
    if only.start:
        query = query.where(ChatSession.created_at >= only.start)
    if only.end:
        query = query.where(ChatSession.created_at < only.end)
    return query


def _utc_day(column, dialect: str):
    """The UTC calendar day of a timestamp column (PostgreSQL's follows the session's zone)."""
    return func.date(func.timezone("UTC", column) if dialect == "postgresql" else column)


def _query_id(scope: Scope, only: LeadFilter) -> tuple:
    return ("leads", scope.workspace_id, only.chatbot, str(only.start), str(only.end))


async def _row(session, scope: Scope, bot_id: str, session_id: str) -> ChatSession:
    """The chat session holding this lead; NOT_FOUND when it has none or lies elsewhere."""
    row = await session.get(ChatSession, session_id)
    if (
        row is None
        or (row.organization_id, row.workspace_id, row.chatbot_id)
        != (scope.organization_id, scope.workspace_id, bot_id)
        or row.lead_email is None
    ):
        name = resources.LEAD.name(scope.organization_id, scope.workspace_id, bot_id, session_id)
        raise not_found(name)
    return row


class Leads:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def get(self, scope: Scope, bot_id: str, session_id: str) -> LeadView:
        async with self._sessions() as session:
            return _view(await _row(session, scope, bot_id, session_id))

    async def update(
        self, scope: Scope, bot_id: str, session_id: str, values: dict, paths: list[str]
    ) -> LeadView:
        """Corrects the named fields; the email stays required (DeleteLead erases a lead)."""
        standard.check_mask(paths, UPDATABLE)
        if "email" in paths:
            if not values["email"]:
                raise InvalidArgument.field("lead.email", "is required; DeleteLead erases a lead")
            values = {**values, "email": emails.normalize(values["email"], "lead.email")}
        async with self._sessions() as session, session.begin():
            row = await _row(session, scope, bot_id, session_id)
            row.lead = {**(row.lead or {}), **{path: values[path] for path in paths}}
            row.lead_email = row.lead["email"]
            view = _view(row)
            audit.record(
                session,
                "lead.update",
                organization_id=scope.organization_id,
                resource=view.name,
                details={"fields": ",".join(sorted(paths))},
            )
        return view

    async def delete(self, scope: Scope, bot_id: str, session_id: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await _row(session, scope, bot_id, session_id)
            name = _view(row).name
            row.lead, row.lead_email = None, None
            audit.record(
                session, "lead.delete", organization_id=scope.organization_id, resource=name
            )

    async def _page(self, session, scope: Scope, only: LeadFilter, size: int, token: str):
        rows, next_token = await standard.page(
            session, _query(scope, only), ChatSession.id, size, token, _query_id(scope, only)
        )
        return [_view(r) for r in rows], next_token

    async def list(
        self, scope: Scope, only: LeadFilter, size: int, token: str
    ) -> tuple[list[LeadView], str, int]:
        """One page, oldest first, the next page's token, and how many match in all."""
        async with self._sessions() as session:
            views, next_token = await self._page(session, scope, only, size, token)
            matching = _query(scope, only).subquery()
            total = await session.scalar(select(func.count()).select_from(matching))
        return views, next_token, total

    async def stats(self, scope: Scope, only: LeadFilter) -> LeadStats:
        """Counts under ``only``: in all, with consent, per chatbot and per UTC day."""
        matching = _query(scope, only).subquery()
        consent = matching.c.lead["consent"].as_boolean()
        async with self._sessions() as session:
            day = _utc_day(matching.c.created_at, session.bind.dialect.name)
            total, with_consent = (
                await session.execute(
                    select(func.count(), func.count().filter(consent.is_(True))).select_from(
                        matching
                    )
                )
            ).one()
            per_bot = await session.execute(
                select(matching.c.chatbot_id, func.count().label("leads"))
                .group_by(matching.c.chatbot_id)
                .order_by(func.count().desc(), matching.c.chatbot_id)
                .limit(STATS_CHATBOTS)
            )
            per_day = await session.execute(
                select(day, func.count()).group_by(day).order_by(day.desc()).limit(STATS_DAYS)
            )
        return LeadStats(
            total,
            with_consent,
            [
                (resources.CHATBOT.name(scope.organization_id, scope.workspace_id, b), n)
                for b, n in per_bot
            ],
            sorted((str(d), n) for d, n in per_day),
        )

    async def export_csv(self, scope: Scope, only: LeadFilter) -> AsyncIterator[bytes]:
        """Every lead under ``only`` as CSV chunks (a page each), the header first."""
        _query(scope, only)  # bad filters fail before the stream starts
        yield _csv_rows([CSV_HEADER])
        token = ""
        while True:
            async with self._sessions() as session:
                views, token = await self._page(session, scope, only, EXPORT_ROWS, token)
            yield _csv_rows(
                (v.email, v.display_name, v.consent, v.chatbot, v.session, v.created_at.isoformat())
                for v in views
            )
            if not token:
                return


def _csv_rows(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        # A cell a spreadsheet would run as a formula is quoted as text (CSV injection).
        writer.writerow(
            "'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") else cell
            for cell in row
        )
    return out.getvalue().encode()
