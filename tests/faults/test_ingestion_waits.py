"""Ingestion waits out an unavailable enclave instead of failing the document in minutes.

The real server with its inference endpoint unreachable (a closed port): a new document
stays PROCESSING, its next try scheduled by the backoff; it is FAILED only once the tries
that fit in INGESTION_RETRY_HOURS are spent, and ReindexDocument starts it again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from helpers import free_port, sign_up
from integration.test_knowledge import CORPUS, FORMATS, new_kb
from sqlalchemy import select, update
from stacks import start_stack, stop_stack

from privexbot.client import Client
from privexbot.knowledge.ingestion import attempts_within, retry_delay
from privexbot.store.models import Document
from privexbot.v1 import knowledge_pb2

PROCESSING = knowledge_pb2.Document.STATE_PROCESSING
FAILED = knowledge_pb2.Document.STATE_FAILED
PENDING = knowledge_pb2.Document.STATE_PENDING
READY = knowledge_pb2.Document.STATE_READY


def test_retries_back_off_to_hourly_and_fit_the_limit():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 50)] == [
        60, 120, 240, 3600, 3600, 3600,
    ]  # fmt: skip
    assert attempts_within(timedelta(minutes=1)) == 1
    assert attempts_within(timedelta(hours=72)) == 77  # 63 min of doubling, then hourly


@pytest.fixture
async def no_enclave(tmp_path):
    stack = await start_stack(
        "sqlite", tmp_path, inference_base_url=f"http://127.0.0.1:{free_port()}/v1"
    )
    client = Client(stack.target)
    yield stack, client
    await client.close()
    await stop_stack(stack)


async def _document(client, name: str) -> knowledge_pb2.Document:
    return await client.knowledge.GetDocument(knowledge_pb2.GetDocumentRequest(name=name))


async def _until(fetch, check):
    """``await fetch()`` again until ``check`` accepts it (polling: no event tells)."""
    async with asyncio.timeout(60):
        while not check(found := await fetch()):  # noqa: ASYNC110 (rows tell no event)
            await asyncio.sleep(0.1)
    return found


async def test_an_unreachable_enclave_is_waited_for_not_failed(no_enclave):
    stack, client = no_enclave
    platform = stack.running.platform
    me = await sign_up(client, "patient")
    kb = await new_kb(client, me.session.workspace)
    doc = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name,
            document=knowledge_pb2.Document(
                display_name="handbook.md", content_type=FORMATS["handbook.md"]
            ),
            content=(CORPUS / "handbook.md").read_bytes(),
        )
    )
    doc_id = doc.name.rsplit("/", 1)[1]

    async def row() -> Document:
        async with platform.sessions() as session:
            return await session.get(Document, doc_id)

    # The first try meets the closed port; the document says why it waits.
    first = await _until(row, lambda r: r.failure_reason.startswith("retrying in 0:01:00"))
    waits = first.lease_until - datetime.now(UTC)
    assert first.state == "processing" and first.attempts == 1
    assert timedelta(seconds=50) < waits <= timedelta(seconds=60)
    shown = await _document(client, doc.name)
    assert shown.state == PROCESSING and "unreachable" in shown.failure_reason

    # Its last allowed try, due now: it fails with the reason.
    most = attempts_within(timedelta(hours=stack.settings.ingestion_retry_hours))
    async with platform.sessions() as session, session.begin():
        await session.execute(
            update(Document)
            .where(Document.id == doc_id)
            .values(attempts=most - 1, lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    platform.ingestion.notify()
    failed = await _until(lambda: _document(client, doc.name), lambda d: d.state == FAILED)
    assert f"gave up after {most} attempts" in failed.failure_reason

    again = await client.knowledge.ReindexDocument(
        knowledge_pb2.ReindexDocumentRequest(name=doc.name)
    )
    assert again.state in (PENDING, PROCESSING)
    assert (await row()).attempts <= 1


DOCUMENTS = 4


async def test_an_enclave_killed_mid_ingestion_is_waited_for_and_jobs_finish(tmp_path):
    """The enclave SIGKILLed while documents are being embedded, then started again on its
    port: the unfinished documents wait (PROCESSING, a try scheduled), and once their try
    is due every one reaches READY with its vectors, none orphaned."""
    from conftest import require_enclave_installed

    from privexbot.dev.local_enclave import LocalEnclave

    require_enclave_installed()
    local = LocalEnclave(f"http://127.0.0.1:{free_port()}/v1", "sk-killed-" + "x" * 24)
    await local.start()
    stack = await start_stack(
        "sqlite", tmp_path, inference_base_url=local.base_url, inference_api_key=local.api_key
    )
    client = Client(stack.target)
    try:
        platform = stack.running.platform
        me = await sign_up(client, "enclave-killed")
        kb = await new_kb(client, me.session.workspace)
        text = (CORPUS / "handbook.md").read_bytes()
        for index in range(DOCUMENTS):
            await client.knowledge.CreateDocument(
                knowledge_pb2.CreateDocumentRequest(
                    parent=kb.name,
                    document=knowledge_pb2.Document(
                        display_name=f"h{index}.md", content_type=FORMATS["handbook.md"]
                    ),
                    content=text + f"\n\nCopy {index}.\n".encode(),
                )
            )

        async def states() -> list[int]:
            listed = await client.knowledge.ListDocuments(
                knowledge_pb2.ListDocumentsRequest(parent=kb.name)
            )
            return [d.state for d in listed.documents]

        await _until(states, lambda found: PROCESSING in found)  # mid-ingestion
        local.process.kill()
        await asyncio.to_thread(local.process.wait)
        assert (await states()).count(READY) < DOCUMENTS, "ingestion ended before the kill"

        async def reasons() -> list[str]:
            async with platform.sessions() as session:
                rows = await session.execute(
                    select(Document.failure_reason).where(Document.state == "processing")
                )
                return [reason for (reason,) in rows]

        # The outage is noticed: a document waits for its next try instead of failing.
        await _until(reasons, lambda found: any(r.startswith("retrying in") for r in found))
        assert FAILED not in await states()
        await local.start()  # the same port
        async with platform.sessions() as session, session.begin():  # their tries are due now
            await session.execute(
                update(Document)
                .where(Document.state == "processing")
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        platform.ingestion.notify()
        await _until(states, lambda found: found == [READY] * DOCUMENTS)
        organization_id = me.organization.split("/")[1]
        in_milvus = await platform.vectors.document_ids(organization_id=organization_id)
        assert len(in_milvus) == DOCUMENTS
        assert await platform.ingestion.reconcile(organization_id) == 0
    finally:
        await client.close()
        await stop_stack(stack)
        await local.stop()
