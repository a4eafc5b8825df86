"""Leads: the contact details visitors left in a workspace's chat sessions (``Lead`` rows,
kept by ``widget.lead``; they may outlive their chatbot), listed with their total and
exported as CSV or JSON, filtered by chatbot, time, email and field values; one read,
corrected or erased (the conversation stays) by its name, ``.../sessions/{id}/lead``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from privexbot.kernel import emails, resources, standard
from privexbot.kernel.errors import InvalidArgument, not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import from_row
from privexbot.store import audit
from privexbot.store.chat_models import Lead

EXPORT_ROWS = 500  # per chunk (and per query)
STATS_CHATBOTS, STATS_DAYS = 100, 366
CSV_HEADER = ("email", "display_name", "consent", "fields", "chatbot", "session", "create_time")
UPDATABLE = {"email", "display_name", "consent", "fields"}
FIELD_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class LeadFilter:
    chatbot: str = ""  # a chatbot's name, "" for every chatbot
    start: datetime | None = None
    end: datetime | None = None
    email: str = ""  # "with", "without" or "" (either)
    fields: tuple[tuple[str, str], ...] = ()  # (key, value): that value, or any when ""


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
    fields: dict[str, str] = field(default_factory=dict)

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

    def as_json(self) -> dict:
        """The lead as its LeadRecord's JSON (the export's JSON format)."""
        return {
            "name": self.name,
            "session": self.session,
            "chatbot": self.chatbot,
            "lead": {
                "email": self.email,
                "displayName": self.display_name,
                "consent": self.consent,
                "fields": self.fields,
            },
            "createTime": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }


def _view(row: Lead) -> LeadView:
    return from_row(
        LeadView, row, session_id=row.id, email=row.email or "", fields=dict(row.fields or {})
    )


def check_field_keys(keys, field_path: str) -> None:
    for key in keys:
        if not FIELD_KEY.fullmatch(key):
            raise InvalidArgument.field(
                field_path.format(key=key), "must be lower case letters, digits and _ (≤ 32)"
            )


def _query(scope: Scope, only: LeadFilter):
    """The scope's leads under ``only``; a chatbot outside the scope is NOT_FOUND."""
    query = select(Lead).where(Lead.workspace_id == scope.workspace_id)
    if only.chatbot:
        org_id, ws_id, bot_id = resources.CHATBOT.parse(only.chatbot, "filter.chatbot")
        if (org_id, ws_id) != (scope.organization_id, scope.workspace_id):
            raise not_found(only.chatbot)
        query = query.where(Lead.chatbot_id == bot_id)
    if only.start and only.end and only.start >= only.end:
        raise InvalidArgument.field("filter.end_time", "must be after filter.start_time")
    if only.start:
        query = query.where(Lead.created_at >= only.start)
    if only.end:
        query = query.where(Lead.created_at < only.end)
    if only.email:
        query = query.where(
            Lead.email.is_not(None) if only.email == "with" else Lead.email.is_(None)
        )
    for index, (key, value) in enumerate(only.fields):
        check_field_keys([key], f"filter.fields[{index}].key")
        stored = Lead.fields[key].as_string()  # NULL where the lead lacks the field
        query = query.where(stored == value if value else stored.is_not(None))
    return query


def _utc_day(column, dialect: str):
    """The UTC calendar day of a timestamp column (PostgreSQL's follows the session's zone)."""
    return func.date(func.timezone("UTC", column) if dialect == "postgresql" else column)


def _query_id(scope: Scope, only: LeadFilter) -> tuple:
    return ("leads", scope.workspace_id, only.chatbot, str(only.start), str(only.end),
            only.email, only.fields)  # fmt: skip


async def _row(session, scope: Scope, bot_id: str, session_id: str) -> Lead:
    """The lead of this session; NOT_FOUND when there is none or it lies elsewhere."""
    row = await session.get(Lead, session_id)
    if row is None or (row.organization_id, row.workspace_id, row.chatbot_id) != (
        scope.organization_id,
        scope.workspace_id,
        bot_id,
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
        """Corrects the named fields (``fields`` replaces the map); a lead keeps an email, a
        name or a field (DeleteLead erases a lead)."""
        standard.check_mask(paths, UPDATABLE)
        if values.get("email") and "email" in paths:
            values = {**values, "email": emails.normalize(values["email"], "lead.email")}
        if "fields" in paths:
            check_field_keys(values["fields"], "lead.fields[{key!r}]")
        async with self._sessions() as session, session.begin():
            row = await _row(session, scope, bot_id, session_id)
            for path in paths:
                setattr(row, path, values[path])
            row.email = row.email or None  # cleared
            if not (row.email or row.display_name or row.fields):
                raise InvalidArgument.field(
                    "lead.email", "is required without a name or fields; DeleteLead erases a lead"
                )
            row.updated_at = datetime.now(UTC)
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
            await session.delete(row)
            audit.record(
                session, "lead.delete", organization_id=scope.organization_id, resource=name
            )

    async def _page(self, session, scope: Scope, only: LeadFilter, size: int, token: str):
        rows, next_token = await standard.page(
            session, _query(scope, only), Lead.id, size, token, _query_id(scope, only)
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
        consent = matching.c.consent
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

    async def export(self, scope: Scope, only: LeadFilter, as_json: bool) -> AsyncIterator[bytes]:
        """Every lead under ``only`` in chunks (a page each): CSV with its header first, or
        one JSON array (``LeadView.as_json`` objects)."""
        _query(scope, only)  # bad filters fail before the stream starts
        yield b"[" if as_json else _csv_rows([CSV_HEADER])
        token, written = "", 0
        while True:
            async with self._sessions() as session:
                views, token = await self._page(session, scope, only, EXPORT_ROWS, token)
            if as_json:
                objects = [json.dumps(v.as_json(), ensure_ascii=False) for v in views]
                yield "".join(
                    (",\n" if count else "\n") + o for count, o in enumerate(objects, written)
                ).encode()
                written += len(objects)
            else:
                yield _csv_rows(_csv_row(v) for v in views)
            if not token:
                break
        if as_json:
            yield b"\n]\n"


def _csv_row(v: LeadView) -> tuple:
    fields = json.dumps(v.fields, ensure_ascii=False) if v.fields else ""
    created = v.created_at.isoformat()
    return (v.email, v.display_name, v.consent, fields, v.chatbot, v.session, created)


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
