"""Knowledge bases: a workspace's collections of documents, with their chunking and retrieval
settings. Changing how documents are chunked or embedded sends every document back through
ingestion; deleting one owes its vectors to Milvus through the outbox in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, update

from privexbot.kernel import resources, standard
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge.ingestion import chunking_config
from privexbot.store.models import Chunk, Document, KnowledgeBase, VectorOutbox
from privexbot.tenancy import plans

KNOWLEDGE_BASES = standard.Methods(
    KnowledgeBase,
    resources.KNOWLEDGE_BASE,
    "knowledge",
    {"display_name", "description", "chunking", "retrieval", "embedding_model"},
)
DEFAULT_RETRIEVAL = {"top_k": 5, "score_threshold": 0.0, "mode": "vector"}


@dataclass(frozen=True)
class KnowledgeBaseView(InWorkspace, pattern=resources.KNOWLEDGE_BASE):
    display_name: str
    description: str
    chunking: dict  # strategy, chunk_size, chunk_overlap
    retrieval: dict  # top_k, score_threshold, mode
    embedding_model: str
    embedding_dimensions: int
    document_count: int
    chunk_count: int
    size_bytes: int
    created_at: datetime
    updated_at: datetime
    etag: str


async def get_row(session, scope: Scope, kb_id: str) -> KnowledgeBase:
    return await KNOWLEDGE_BASES.get(session, scope, kb_id)


async def placed_in(session, scope: Scope, kb_id: str) -> dict[str, str | None]:
    """The columns that place a new row in knowledge base ``kb_id``, once it is found in
    ``scope`` (NOT_FOUND otherwise)."""
    await get_row(session, scope, kb_id)
    return {"knowledge_base_id": kb_id, **scope.columns}


async def page_within(sessions, scope: Scope, kb_id: str, model, size: int, token: str):
    """One page of a knowledge base's ``model`` rows (documents, website sources) by id, and
    the next token; NOT_FOUND when the knowledge base is not in scope."""
    query = select(model).where(model.knowledge_base_id == kb_id)
    async with sessions() as session:
        await get_row(session, scope, kb_id)
        return await standard.page(
            session, query, model.id, size, token, (model.__tablename__, kb_id)
        )


def validated_chunking(settings: dict, field: str) -> dict:
    """The chunking settings, checked (InvalidArgument names ``field.…``)."""
    try:
        config = chunking_config(settings)
    except InvalidArgument as exc:
        raise InvalidArgument(
            exc.reason,
            exc.message,
            violations=[
                replace(v, field=f"{field}.{v.field.split('.')[-1]}") for v in exc.violations
            ],
        ) from None
    return {
        "strategy": str(config.strategy),
        "chunk_size": config.chunk_size,
        "chunk_overlap": config.chunk_overlap,
    }


async def _view(session, kb: KnowledgeBase, counted: bool = True) -> KnowledgeBaseView:
    """The view of ``kb``, with its document, chunk and byte counts (zero when not
    ``counted``: a knowledge base just made)."""
    documents = chunks = size = 0
    if counted:
        documents, size = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Document.size_bytes), 0)).where(
                    Document.knowledge_base_id == kb.id
                )
            )
        ).one()
        chunks = await session.scalar(select(func.count()).where(Chunk.knowledge_base_id == kb.id))
    return from_row(
        KnowledgeBaseView,
        kb,
        chunking=dict(kb.chunking),
        retrieval=dict(kb.retrieval),
        document_count=documents,
        chunk_count=chunks,
        size_bytes=size,
        etag=standard.etag(kb),
    )


class KnowledgeBases:
    def __init__(self, sessions, embedding_model: str, dimension: int, ingestion) -> None:
        """``embedding_model``: the enclave's, the only one; ``ingestion``: told when documents
        need (re)processing or their vectors deleting."""
        self._sessions, self._ingestion = sessions, ingestion
        self._model, self._dimension = embedding_model, dimension

    def _check_model(self, model: str) -> str:
        model = model or self._model
        if model != self._model:
            raise InvalidArgument.field(
                "knowledge_base.embedding_model",
                f"must be {self._model} (the enclave's embedding model)",
            )
        return model

    async def create(
        self,
        scope: Scope,
        display_name: str,
        description: str,
        chunking_settings: dict,
        retrieval: dict,
        embedding_model: str,
        request_id: str,
    ) -> KnowledgeBaseView:
        chunk_settings = validated_chunking(chunking_settings, "knowledge_base.chunking")
        model = self._check_model(embedding_model)
        async with self._sessions() as session, session.begin():

            async def make() -> KnowledgeBase:
                await plans.ensure_room(
                    session, scope.organization_id, "knowledge_bases", KnowledgeBase
                )
                return KnowledgeBase(
                    **scope.columns,
                    display_name=display_name,
                    description=description,
                    chunking=chunk_settings,
                    retrieval={**DEFAULT_RETRIEVAL, **retrieval},
                    embedding_model=model,
                    embedding_dimensions=self._dimension,
                )

            kb = await KNOWLEDGE_BASES.create(
                session,
                request_id,
                (
                    resources.workspace_of(scope),
                    display_name,
                    description,
                    chunk_settings,
                    retrieval,
                    model,
                ),
                make,
            )
            return await _view(session, kb)

    async def get(self, scope: Scope, kb_id: str) -> KnowledgeBaseView:
        async with self._sessions() as session:
            return await _view(session, await get_row(session, scope, kb_id))

    async def list(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[KnowledgeBaseView], str]:
        async with self._sessions() as session:
            rows, next_token = await standard.workspace_page(
                session, KnowledgeBase, scope, size, token
            )
            return [await _view(session, kb) for kb in rows], next_token

    async def update(
        self, scope: Scope, kb_id: str, values: dict, paths: list[str], given_etag: str
    ) -> KnowledgeBaseView:
        standard.check_mask(paths, KNOWLEDGE_BASES.updatable)
        if "chunking" in paths:
            values["chunking"] = validated_chunking(values["chunking"], "knowledge_base.chunking")
        if "embedding_model" in paths:
            values["embedding_model"] = self._check_model(values["embedding_model"])
        if "retrieval" in paths:
            values["retrieval"] = {**DEFAULT_RETRIEVAL, **values["retrieval"]}
        async with self._sessions() as session, session.begin():
            kb = await get_row(session, scope, kb_id)
            reindex = any(
                getattr(kb, p) != values[p] for p in paths if p in ("chunking", "embedding_model")
            )
            details = {"reindex": str(reindex).lower()}
            KNOWLEDGE_BASES.update(session, kb, values, paths, given_etag, details=details)
            if reindex:  # every document goes back through the pipeline with the new settings
                await session.execute(
                    update(Document)
                    .where(
                        Document.knowledge_base_id == kb.id,
                        Document.state.in_(("ready", "failed", "processing", "pending")),
                    )
                    .values(
                        state="pending",
                        stage="queued",
                        lease_until=None,
                        attempts=0,
                        failure_reason="",
                    )
                )
            view = await _view(session, kb)
        if reindex:
            self._ingestion.notify()
        return view

    async def delete(self, scope: Scope, kb_id: str, given_etag: str) -> None:
        async with self._sessions() as session, session.begin():
            kb = await get_row(session, scope, kb_id)
            session.add(
                VectorOutbox(
                    organization_id=kb.organization_id,
                    workspace_id=kb.workspace_id,
                    knowledge_base_id=kb.id,
                )
            )
            await KNOWLEDGE_BASES.delete(session, kb, given_etag)
        self._ingestion.notify()
