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

from privexbot.kernel import resources
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument, not_found
from privexbot.kernel.resources import Scope
from privexbot.knowledge import parsing
from privexbot.store import idempotency
from privexbot.store.models import KnowledgeBase, Upload, UploadPart

MAX_CHUNK_BYTES = 1024 * 1024


def upload_name(row: Upload) -> str:
    return (
        f"{resources.WORKSPACE.name(row.organization_id, row.workspace_id)}/knowledgeBases/"
        f"{row.knowledge_base_id}/uploads/{row.id}"
    )


@dataclass(frozen=True)
class Declared:
    display_name: str
    content_type: str
    labels: dict[str, str]
    size_bytes: int


class Uploads:
    def __init__(self, sessions, knowledge, lifetime_seconds: float) -> None:
        """``knowledge``: creates the finished document (``Knowledge.create_document``)."""
        self._sessions, self._knowledge = sessions, knowledge
        self.lifetime = timedelta(seconds=lifetime_seconds)

    async def _upload(self, session, scope: Scope, kb_id: str, upload_id: str) -> Upload:
        """The upload, if it is in ``scope``'s knowledge base and not expired."""
        row = await session.get(Upload, upload_id)
        if (
            row is None
            or (row.organization_id, row.workspace_id, row.knowledge_base_id)
            != (scope.organization_id, scope.workspace_id, kb_id)
            or (row.document_id is None and row.expires_at <= datetime.now(UTC))
        ):
            raise not_found(
                f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/knowledgeBases/"
                f"{kb_id}/uploads/{upload_id}"
            )
        return row

    async def start(self, scope: Scope, kb_id: str, file: Declared, request_id: str) -> Upload:
        parsing.check_declared(file.content_type, file.size_bytes, "upload.")
        parent = f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/knowledgeBases/{kb_id}"
        request = idempotency.fingerprint(parent, asdict(file))
        async with self._sessions() as session, session.begin():
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:
                return await self._upload(session, scope, kb_id, earlier.rsplit("/", 1)[1])
            kb = await session.get(KnowledgeBase, kb_id)
            if kb is None or (kb.organization_id, kb.workspace_id) != (
                scope.organization_id,
                scope.workspace_id,
            ):
                raise not_found(parent)
            row = Upload(
                knowledge_base_id=kb_id,
                organization_id=scope.organization_id,
                workspace_id=scope.workspace_id,
                display_name=file.display_name,
                content_type=file.content_type,
                labels=dict(file.labels),
                size_bytes=file.size_bytes,
                received_bytes=0,
                expires_at=datetime.now(UTC) + self.lifetime,
            )
            session.add(row)
            await session.flush()
            idempotency.remember(session, request_id, request, upload_name(row))
        return row

    async def get(self, scope: Scope, kb_id: str, upload_id: str) -> Upload:
        async with self._sessions() as session:
            return await self._upload(session, scope, kb_id, upload_id)

    async def append(
        self, scope: Scope, kb_id: str, upload_id: str, offset: int, data: bytes
    ) -> Upload:
        if len(data) > MAX_CHUNK_BYTES:
            raise InvalidArgument.field("data", f"is longer than {MAX_CHUNK_BYTES} bytes")
        async with self._sessions() as session, session.begin():
            row = await self._upload(session, scope, kb_id, upload_id)
            if offset < row.received_bytes:
                return await self._acknowledge_again(session, row, offset, data)
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
                return await self._acknowledge_again(session, row, offset, data)
            session.add(UploadPart(upload_id=row.id, offset=offset, data=data))
            await session.flush()
            await session.refresh(row)
        return row

    @staticmethod
    async def _acknowledge_again(session, row: Upload, offset: int, data: bytes) -> Upload:
        """A chunk at an offset already filled: fine when it is the same chunk again."""
        stored = await session.get(UploadPart, (row.id, offset))
        if stored is None or stored.data != data:
            raise FailedPrecondition(
                "UPLOAD_OFFSET_MISMATCH",
                f"bytes up to {row.received_bytes} were received, and a different chunk"
                f" starts at {offset}; append at offset {row.received_bytes}",
                {"received_bytes": str(row.received_bytes)},
            )
        return row

    async def finish(self, scope: Scope, kb_id: str, upload_id: str):
        """The document the upload became (made now, or by an earlier finish)."""
        async with self._sessions() as session:
            row = await self._upload(session, scope, kb_id, upload_id)
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
            return await self._knowledge.get_document(scope, kb_id, row.document_id)
        document = await self._knowledge.create_document(
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
            row = await self._upload(session, scope, kb_id, upload_id)
            await session.delete(row)

    async def expire(self, now: datetime) -> int:
        """Discard uploads past their lifetime (finished ones too: their record was only for
        retried finishes); the number discarded."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(Upload).where(Upload.expires_at <= now))
        return result.rowcount or 0


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
