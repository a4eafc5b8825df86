"""The server killed with SIGKILL mid-ingestion and mid-delete: nothing is left half done.

``privexbot serve`` as a real process (SQLite, milvus-lite, the real enclave), killed with
its whole process group while documents are being ingested, then again right after a
delete was acknowledged (its vector deletions still owed). A new process on the same files
takes the jobs up again: every document READY, the deleted one's vectors gone, and the
reconcile pass finds 0 orphan vectors.
"""

from __future__ import annotations

import asyncio

import pytest
from helpers import sign_up
from integration.test_knowledge import CORPUS, FORMATS
from servers import Server, enclave_settings

from privexbot import config
from privexbot.platform import Platform
from privexbot.v1 import knowledge_pb2

pytestmark = pytest.mark.enclave

READY = knowledge_pb2.Document.STATE_READY
DOCUMENTS = 6
LEASE_SECONDS = 6


async def _documents(client, parent: str) -> list[knowledge_pb2.Document]:
    reply = await client.knowledge.ListDocuments(
        knowledge_pb2.ListDocumentsRequest(parent=parent, page_size=50)
    )
    return list(reply.documents)


async def _until_ready(client, parent: str, count: int, within: float) -> None:
    async with asyncio.timeout(within):
        while True:
            documents = await _documents(client, parent)
            if len(documents) == count and all(d.state == READY for d in documents):
                return
            await asyncio.sleep(0.5)


async def test_sigkill_mid_ingestion_and_mid_delete_leaves_no_orphans(tmp_path, enclave):
    server = Server(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/killed.db",
            "MILVUS_URI": str(tmp_path / "milvus.db"),
            "INGESTION_LEASE_SECONDS": str(LEASE_SECONDS),
            **enclave_settings(enclave),
        }
    )
    try:
        client = await server.start()
        user = await sign_up(client, "killed")
        kb = await client.knowledge.CreateKnowledgeBase(
            knowledge_pb2.CreateKnowledgeBaseRequest(
                parent=user.workspace,
                knowledge_base=knowledge_pb2.KnowledgeBase(display_name="survivors"),
            )
        )
        text = (CORPUS / "handbook.md").read_bytes()
        for index in range(DOCUMENTS):
            await client.knowledge.CreateDocument(
                knowledge_pb2.CreateDocumentRequest(
                    parent=kb.name,
                    document=knowledge_pb2.Document(
                        display_name=f"handbook-{index}.md", content_type=FORMATS["handbook.md"]
                    ),
                    content=text + f"\n\nCopy number {index}.\n".encode(),
                )
            )
        async with asyncio.timeout(60):  # mid-ingestion: some done, some not
            while True:
                states = [d.state for d in await _documents(client, kb.name)]
                if READY in states:
                    break
                await asyncio.sleep(0.05)
        assert states.count(READY) < DOCUMENTS, "ingestion ended before the kill"
        await client.close()
        await server.kill()

        client = await server.start()
        client.access_token = user.session.access_token
        await _until_ready(client, kb.name, DOCUMENTS, within=LEASE_SECONDS * 4 + 120)

        doomed = (await _documents(client, kb.name))[0]
        await client.knowledge.DeleteDocument(knowledge_pb2.DeleteDocumentRequest(name=doomed.name))
        await client.close()
        await server.kill()  # the delete is committed; its vector deletions were owed

        client = await server.start()
        client.access_token = user.session.access_token
        await _until_ready(client, kb.name, DOCUMENTS - 1, within=60)
        await client.close()
        await server.stop()

        # The stores, read directly: every vector belongs to a live document.
        settings = config.load(
            environ={},
            database_url=server.env["DATABASE_URL"],
            milvus_uri=server.env["MILVUS_URI"],
        )
        platform = await Platform.create(settings)
        try:
            organization_id = user.organization.split("/")[1]
            vectors = platform.vectors
            await vectors.open()
            in_milvus = await vectors.document_ids(organization_id=organization_id)
            assert doomed.name.rsplit("/", 1)[1] not in in_milvus
            assert len(in_milvus) == DOCUMENTS - 1
            assert await platform.ingestion.reconcile(organization_id) == 0
        finally:
            await platform.close()
    finally:
        await server.stop()
