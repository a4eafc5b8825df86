"""UpdateDocument over the real stack: new content replaces the old (old chunks gone at
once, old vectors deleted through the outbox before the document is ingested again), names
and labels change alone, and bad input, stale etags, a document being ingested, no
credentials, a viewer and another tenant are refused."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2
from helpers import join, raises, sign_up
from sqlalchemy import select, update
from test_knowledge import CORPUS, READY, ask, ids, ingest, new_kb, until_done

from privexbot.store.models import Document, VectorOutbox
from privexbot.v1 import common_pb2, knowledge_pb2

NEW_TEXT = "Backups now run every night at 05:30 and are kept for 90 days."


def request(doc, paths, **source) -> knowledge_pb2.UpdateDocumentRequest:
    return knowledge_pb2.UpdateDocumentRequest(
        document=doc, update_mask=field_mask_pb2.FieldMask(paths=paths), **source
    )


async def test_new_content_replaces_the_old_through_the_outbox(client, stack):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    doc = await ingest(client, kb.name, "handbook.md")
    assert doc.chunk_count > 1
    platform = stack.running.platform
    where = ids(doc.name)
    org, doc_id = where["organizations"], where["documents"]
    await platform.ingestion.stop()  # hold the re-ingestion: look at what is owed
    try:
        changed = await client.knowledge.UpdateDocument(
            request(
                knowledge_pb2.Document(name=doc.name, display_name="backups.txt", etag=doc.etag),
                ["content", "display_name"],
                text=NEW_TEXT,
            )
        )
        assert changed.state == knowledge_pb2.Document.STATE_PENDING
        assert changed.display_name == "backups.txt" and changed.etag != doc.etag
        assert changed.content_sha256 != doc.content_sha256
        assert changed.content_type == "text/plain"
        chunks = await client.knowledge.ListChunks(knowledge_pb2.ListChunksRequest(parent=doc.name))
        assert list(chunks.chunks) == []  # the old chunks went with the old content
        assert await ask(client, kb.name, "office wifi password") == []
        async with platform.sessions() as session:
            owed = (
                await session.scalars(
                    select(VectorOutbox.document_id).where(VectorOutbox.document_id == doc_id)
                )
            ).all()
        assert owed == [doc_id]
        assert await platform.vectors.count(organization_id=org, document_id=doc_id) > 0
        assert await platform.ingestion.apply_outbox() == 1
        assert await platform.vectors.count(organization_id=org, document_id=doc_id) == 0
    finally:
        platform.ingestion.start()
    assert (await until_done(client, doc.name))[-1].state == READY
    again = await client.knowledge.GetDocument(knowledge_pb2.GetDocumentRequest(name=doc.name))
    assert again.chunk_count == 1
    assert await platform.vectors.count(organization_id=org, document_id=doc_id) == 1
    found = await ask(client, kb.name, "When do backups run?")
    assert "05:30" in found[0].text and found[0].citation.document == doc.name
    assert await platform.ingestion.reconcile(org) == 0

    labelled = await client.knowledge.UpdateDocument(
        request(
            knowledge_pb2.Document(name=doc.name, labels={"team": "ops"}, etag=again.etag),
            ["labels"],
        )
    )
    assert labelled.labels == {"team": "ops"} and labelled.state == READY  # not re-ingested
    assert await ask(client, kb.name, "When do backups run?", labels={"team": "ops"})


async def test_bad_updates_change_nothing(client_factory, stack):
    owner, viewer, stranger, anonymous = (client_factory() for _ in range(4))
    user = await sign_up(owner)
    await sign_up(stranger)
    await join(
        owner,
        viewer,
        user.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(user.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    kb = await new_kb(owner, user.workspace)
    doc = await ingest(owner, kb.name, "handbook.txt")
    named = knowledge_pb2.Document(name=doc.name)
    corrupt = (CORPUS / "corrupt.pdf").read_bytes()
    pdf = knowledge_pb2.Document(name=doc.name, content_type="application/pdf")
    for bad, fields, reason in (
        (request(named, ["state"]), {"update_mask"}, None),
        (request(named, ["content"]), {"text"}, None),
        (request(pdf, ["content"], content=corrupt), None, "CORRUPT_DOCUMENT"),
        (request(named, ["display_name"]), {"document.display_name"}, None),
        (request(knowledge_pb2.Document(name=kb.name), ["labels"]), {"document.name"}, None),
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, reason, fields):
            await owner.knowledge.UpdateDocument(bad)
    stale = knowledge_pb2.Document(name=doc.name, display_name="x", etag="stale")
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await owner.knowledge.UpdateDocument(request(stale, ["display_name"]))
    unchanged = await owner.knowledge.GetDocument(knowledge_pb2.GetDocumentRequest(name=doc.name))
    assert unchanged.etag == doc.etag and unchanged.content_sha256 == doc.content_sha256

    async with stack.running.platform.sessions() as session, session.begin():
        await session.execute(
            update(Document)
            .where(Document.id == ids(doc.name)["documents"])
            .values(state="processing")
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_INGESTING"):
        await owner.knowledge.UpdateDocument(request(named, ["content"], text=NEW_TEXT))

    rename = request(knowledge_pb2.Document(name=doc.name, display_name="y"), ["display_name"])
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
        await anonymous.knowledge.UpdateDocument(rename)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await viewer.knowledge.UpdateDocument(rename)
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await stranger.knowledge.UpdateDocument(rename)
