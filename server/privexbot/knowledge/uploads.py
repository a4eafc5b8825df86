"""Resumable uploads: a file sent as unary calls, for clients that cannot stream a request
(browsers, fetch, gRPC-Web).

Start declares the file (name, type, exact size; checked at once, before any byte is sent);
each append carries at most 1 MiB at an offset that must equal the bytes received so far, and
a chunk sent again at an offset it already filled (a retry after a dropped connection) is
acknowledged when its bytes are the same; finish joins the parts and creates the document
exactly as UploadDocument does. The parts live in SQL, so any worker can take the next call.
An upload not finished within its lifetime is discarded (``expire``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from privexbot.kernel import resources, standard
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument, not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import from_row
from privexbot.knowledge import parsing
from privexbot.knowledge.documents import Declared, DocumentView, FileView
from privexbot.knowledge.knowledge_bases import placed_in
from privexbot.store.models import Upload, UploadPart

MAX_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class UploadView(FileView, pattern=resources.UPLOAD):
    received_bytes: int
    document_id: str  # "" until finished
    created_at: datetime
    expires_at: datetime

    @property
    def document(self) -> str:
        """The document it became ("" while unfinished)."""
        if not self.document_id:
            return ""
        return resources.DOCUMENT.name(
            self.organization_id, self.workspace_id, self.knowledge_base_id, self.document_id
        )


def _view(row: Upload) -> UploadView:
    return from_row(UploadView, row, labels=dict(row.labels), document_id=row.document_id or "")


UPLOADS = standard.Methods(Upload, resources.UPLOAD, "upload")


async def _get(session, scope: Scope, kb_id: str, upload_id: str) -> Upload:
    """The upload, if it is in ``scope``'s knowledge base and not expired."""
    row = await UPLOADS.get(session, scope, kb_id, upload_id, knowledge_base_id=kb_id)
    if row.document_id is None and row.expires_at <= datetime.now(UTC):
        raise not_found(resources.UPLOAD.name_of(row))
    return row


class Uploads:
    def __init__(self, sessions, documents, lifetime_seconds: float) -> None:
        """``documents``: creates the finished document (``Documents.create``)."""
        self._sessions, self._documents = sessions, documents
        self.lifetime = timedelta(seconds=lifetime_seconds)

    async def start(self, scope: Scope, kb_id: str, file: Declared, request_id: str) -> UploadView:
        parsing.check_declared(file.content_type, file.size_bytes, "upload.")
        parent = resources.KNOWLEDGE_BASE.name(scope.organization_id, scope.workspace_id, kb_id)
        async with self._sessions() as session, session.begin():

            async def make() -> Upload:
                return Upload(
                    **await placed_in(session, scope, kb_id),
                    **asdict(file),
                    received_bytes=0,
                    expires_at=datetime.now(UTC) + self.lifetime,
                )

            row = await UPLOADS.create(
                session,
                request_id,
                (parent, asdict(file)),
                make,
                # a replay of an expired upload is NOT_FOUND
                replay=lambda name: _get(session, scope, kb_id, resources.UPLOAD.id_of(name)),
                verb="start",
            )
            return _view(row)

    async def get(self, scope: Scope, kb_id: str, upload_id: str) -> UploadView:
        async with self._sessions() as session:
            return _view(await _get(session, scope, kb_id, upload_id))

    async def append(
        self, scope: Scope, kb_id: str, upload_id: str, offset: int, data: bytes
    ) -> UploadView:
        if len(data) > MAX_CHUNK_BYTES:
            raise InvalidArgument.field("data", f"is longer than {MAX_CHUNK_BYTES} bytes")
        async with self._sessions() as session, session.begin():
            row = await _get(session, scope, kb_id, upload_id)
            if offset < row.received_bytes:
                await _acknowledge_again(session, row, offset, data)
                return _view(row)
            _check_fits(row, offset, data)
            # Compare-and-set on the received count: of two appends racing for one offset,
            # exactly one moves it; the other sees the part and is answered as a retry.
            moved = await session.execute(
                update(Upload)
                .where(Upload.id == row.id, Upload.received_bytes == offset)
                .values(received_bytes=offset + len(data))
            )
            if moved.rowcount != 1:
                await session.refresh(row)
                await _acknowledge_again(session, row, offset, data)
                return _view(row)
            session.add(UploadPart(upload_id=row.id, offset=offset, data=data))
            await session.flush()
            await session.refresh(row)
            return _view(row)

    async def finish(self, scope: Scope, kb_id: str, upload_id: str) -> DocumentView:
        """The document the upload became (made now, or by an earlier finish)."""
        async with self._sessions() as session:
            row = await _get(session, scope, kb_id, upload_id)
            if row.document_id is None:
                if row.received_bytes != row.size_bytes:
                    raise FailedPrecondition(
                        "UPLOAD_INCOMPLETE",
                        f"{row.received_bytes} of {row.size_bytes} bytes were received",
                        {"received_bytes": str(row.received_bytes)},
                    )
                parts = await session.scalars(
                    select(UploadPart.data)
                    .where(UploadPart.upload_id == row.id)
                    .order_by(UploadPart.offset)
                )
                content = b"".join(parts)
        if row.document_id is not None:
            return await self._documents.get(scope, kb_id, row.document_id)
        document = await self._documents.create(
            scope,
            kb_id,
            row.display_name,
            row.content_type,
            row.labels,
            content,
            # A second finish, racing this one, makes no second document.
            f"upload:{row.id}",
        )
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Upload).where(Upload.id == row.id).values(document_id=document.id)
            )
            await session.execute(delete(UploadPart).where(UploadPart.upload_id == row.id))
        return document

    async def delete(self, scope: Scope, kb_id: str, upload_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.delete(await _get(session, scope, kb_id, upload_id))

    async def expire(self, now: datetime) -> int:
        """Discard uploads past their lifetime (finished ones too: their record was only for
        retried finishes); the number discarded."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(Upload).where(Upload.expires_at <= now))
        return result.rowcount or 0


async def _acknowledge_again(session, row: Upload, offset: int, data: bytes) -> None:
    """A chunk at an offset already filled: fine when it is the same chunk again."""
    stored = await session.get(UploadPart, (row.id, offset))
    if stored is None or stored.data != data:
        raise FailedPrecondition(
            "UPLOAD_OFFSET_MISMATCH",
            f"bytes up to {row.received_bytes} were received, and a different chunk"
            f" starts at {offset}; append at offset {row.received_bytes}",
            {"received_bytes": str(row.received_bytes)},
        )


def _check_fits(row: Upload, offset: int, data: bytes) -> None:
    if row.document_id is not None:
        raise FailedPrecondition("UPLOAD_FINISHED", "the upload is finished")
    if offset > row.received_bytes:
        raise FailedPrecondition(
            "UPLOAD_OFFSET_MISMATCH",
            f"bytes up to {row.received_bytes} were received; append at that offset, not at"
            f" {offset}",
            {"received_bytes": str(row.received_bytes)},
        )
    if offset + len(data) > row.size_bytes:
        raise InvalidArgument.field(
            "data",
            f"ends at byte {offset + len(data)}, past the declared size {row.size_bytes}",
            "UPLOAD_SIZE_MISMATCH",
        )
