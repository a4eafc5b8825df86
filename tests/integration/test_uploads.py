"""Resumable uploads (StartUpload, AppendUpload, FinishUpload, GetUpload, DeleteUpload) and
UploadDocument's checks of what its first message declares, over the real server."""

from __future__ import annotations

import asyncio
import hashlib
import time

import grpc
import pytest
from helpers import join, raises, sign_up
from sqlalchemy import func, select
from stacks import start_stack, stop_stack
from test_knowledge import CORPUS, until_done

from privexbot.store.models import Upload, UploadPart
from privexbot.v1 import common_pb2, knowledge_pb2

MIB = 1024 * 1024


async def new_kb(client, workspace: str) -> str:
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="Uploads")
        )
    )
    return kb.name


def start_request(kb: str, size: int, **fields) -> knowledge_pb2.StartUploadRequest:
    upload = knowledge_pb2.Upload(
        display_name=fields.pop("display_name", "returns.html"),
        content_type=fields.pop("content_type", "text/html"),
        size_bytes=size,
    )
    return knowledge_pb2.StartUploadRequest(parent=kb, upload=upload, **fields)


def append(name: str, offset: int, data: bytes) -> knowledge_pb2.AppendUploadRequest:
    return knowledge_pb2.AppendUploadRequest(name=name, offset=offset, data=data)


def html(size: int) -> bytes:
    """An HTML page of exactly ``size`` bytes whose text is one short paragraph (the rest is
    a comment), so a large upload is quick to ingest."""
    head = b"<html><body><h1>Returns</h1><p>Refunds are paid within fourteen days.</p><!--"
    tail = b"--></body></html>"
    return head + b"x" * (size - len(head) - len(tail)) + tail


async def test_a_file_sent_in_chunks_becomes_a_document(client):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    content = html(2 * MIB + 12345)
    upload = await client.knowledge.StartUpload(start_request(kb, len(content)))
    assert (upload.state, upload.received_bytes) == (knowledge_pb2.Upload.STATE_ACTIVE, 0)
    assert upload.name.startswith(kb + "/uploads/")
    for offset in range(0, len(content), MIB):
        upload = await client.knowledge.AppendUpload(
            append(upload.name, offset, content[offset : offset + MIB])
        )
    assert upload.received_bytes == len(content)
    doc = await client.knowledge.FinishUpload(knowledge_pb2.FinishUploadRequest(name=upload.name))
    assert doc.content_sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size_bytes == len(content)
    events = await until_done(client, doc.name)
    assert events[-1].state == knowledge_pb2.Document.STATE_READY
    # A retried finish returns the same document; the upload says which one it became.
    again = await client.knowledge.FinishUpload(knowledge_pb2.FinishUploadRequest(name=upload.name))
    assert again.name == doc.name
    upload = await client.knowledge.GetUpload(knowledge_pb2.GetUploadRequest(name=upload.name))
    assert (upload.state, upload.document) == (knowledge_pb2.Upload.STATE_FINISHED, doc.name)


async def test_a_retried_chunk_is_acknowledged_and_a_gap_or_a_different_chunk_refused(client):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    content = html(3000)
    upload = await client.knowledge.StartUpload(start_request(kb, len(content)))
    first = await client.knowledge.AppendUpload(append(upload.name, 0, content[:1000]))
    retried = await client.knowledge.AppendUpload(append(upload.name, 0, content[:1000]))
    assert first.received_bytes == retried.received_bytes == 1000
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "UPLOAD_OFFSET_MISMATCH") as gap:
        await client.knowledge.AppendUpload(append(upload.name, 2000, content[2000:]))
    assert gap.details.metadata == {"received_bytes": "1000"}
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "UPLOAD_OFFSET_MISMATCH"):
        await client.knowledge.AppendUpload(append(upload.name, 0, b"x" * 1000))
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "UPLOAD_INCOMPLETE"):
        await client.knowledge.FinishUpload(knowledge_pb2.FinishUploadRequest(name=upload.name))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_SIZE_MISMATCH", {"data"}):
        await client.knowledge.AppendUpload(append(upload.name, 1000, content[1000:] + b"more"))
    await client.knowledge.AppendUpload(append(upload.name, 1000, content[1000:]))
    doc = await client.knowledge.FinishUpload(knowledge_pb2.FinishUploadRequest(name=upload.name))
    assert doc.size_bytes == 3000


async def test_two_appends_racing_for_one_offset_store_it_once(client, stack):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    content = html(4000)
    upload = await client.knowledge.StartUpload(start_request(kb, len(content)))
    replies = await asyncio.gather(
        *(client.knowledge.AppendUpload(append(upload.name, 0, content[:2000])) for _ in range(5))
    )
    assert {r.received_bytes for r in replies} == {2000}
    async with stack.running.platform.sessions() as session:
        parts = await session.scalar(
            select(func.count()).where(UploadPart.upload_id == upload.name.rsplit("/", 1)[1])
        )
    assert parts == 1


@pytest.mark.parametrize(
    ("fields", "size", "reason", "field"),
    [
        ({"content_type": "image/png"}, 1000, "UNSUPPORTED_CONTENT_TYPE", "upload.content_type"),
        ({}, 25 * MIB, "DOCUMENT_TOO_LARGE", "upload.size_bytes"),
        ({}, 0, "INVALID_ARGUMENT", "upload.size_bytes"),
    ],
)
async def test_start_refuses_what_cannot_become_a_document(client, fields, size, reason, field):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, reason, {field}):
        await client.knowledge.StartUpload(start_request(kb, size, **fields))


async def test_a_corrupt_file_is_refused_at_finish_and_leaves_no_document(client):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    broken = (CORPUS / "corrupt.pdf").read_bytes()
    upload = await client.knowledge.StartUpload(
        start_request(kb, len(broken), display_name="x.pdf", content_type="application/pdf")
    )
    await client.knowledge.AppendUpload(append(upload.name, 0, broken))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "CORRUPT_DOCUMENT"):
        await client.knowledge.FinishUpload(knowledge_pb2.FinishUploadRequest(name=upload.name))
    docs = await client.knowledge.ListDocuments(knowledge_pb2.ListDocumentsRequest(parent=kb))
    assert list(docs.documents) == []


async def test_uploads_are_tenant_scoped_and_need_knowledge_update(client_factory):
    owner, viewer, stranger = client_factory(), client_factory(), client_factory()
    user = await sign_up(owner)
    await sign_up(stranger)
    kb = await new_kb(owner, user.workspace)
    upload = await owner.knowledge.StartUpload(start_request(kb, 10))
    await join(
        owner,
        viewer,
        user.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(user.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await viewer.knowledge.AppendUpload(append(upload.name, 0, b"0123456789"))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await stranger.knowledge.GetUpload(knowledge_pb2.GetUploadRequest(name=upload.name))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await stranger.knowledge.StartUpload(start_request(kb, 10))
    anonymous = client_factory()
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
        await anonymous.knowledge.GetUpload(knowledge_pb2.GetUploadRequest(name=upload.name))
    await owner.knowledge.DeleteUpload(knowledge_pb2.DeleteUploadRequest(name=upload.name))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.knowledge.GetUpload(knowledge_pb2.GetUploadRequest(name=upload.name))


async def test_bad_input_names_the_fields(client):
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    upload = await client.knowledge.StartUpload(start_request(kb, 10))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"data", "offset"}):
        await client.knowledge.AppendUpload(append(upload.name, -1, b""))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"data"}):
        await client.knowledge.AppendUpload(append(upload.name, 0, b"x" * (MIB + 1)))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"name"}):
        await client.knowledge.GetUpload(knowledge_pb2.GetUploadRequest(name=kb))


async def test_an_abandoned_upload_expires_with_its_bytes(tmp_path, enclave):
    from privexbot.client import Client

    stack = await start_stack(
        "sqlite",
        tmp_path,
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
        upload_lifetime_seconds=1,
        housekeeping_interval_seconds=0.2,
    )
    try:
        async with Client(stack.target) as client:
            user = await sign_up(client)
            kb = await new_kb(client, user.workspace)
            upload = await client.knowledge.StartUpload(start_request(kb, 100))
            await client.knowledge.AppendUpload(append(upload.name, 0, b"a" * 50))
            deadline = time.monotonic() + 10
            while True:
                async with stack.running.platform.sessions() as session:
                    left = await session.scalar(select(func.count()).select_from(Upload))
                    parts = await session.scalar(select(func.count()).select_from(UploadPart))
                if left == parts == 0 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert (left, parts) == (0, 0)
            async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
                await client.knowledge.AppendUpload(append(upload.name, 50, b"a" * 50))
    finally:
        await stop_stack(stack)


async def test_upload_document_refuses_on_its_first_message(client):
    """The declared type and size are checked before the bytes are read, and the declared
    size is held to as they arrive."""
    user = await sign_up(client)
    kb = await new_kb(client, user.workspace)
    sent = []

    async def stream(content_type: str, size: int, chunks: int):
        metadata = knowledge_pb2.UploadDocumentRequest.Metadata(
            parent=kb, display_name="f", content_type=content_type, size_bytes=size
        )
        # Paced like a slow link: grpc-python's client, when a write races the server's
        # answer, replaces that answer with "INTERNAL: Internal error from Core".
        yield knowledge_pb2.UploadDocumentRequest(metadata=metadata)
        for _ in range(chunks):
            await asyncio.sleep(0.3)
            sent.append(1)
            yield knowledge_pb2.UploadDocumentRequest(chunk=b"a" * MIB)
        await asyncio.sleep(60)

    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_CONTENT_TYPE"):
        await client.knowledge.UploadDocument(stream("image/png", 8 * MIB, 8))
    assert len(sent) < 8, "the whole image was sent before it was refused"
    sent.clear()
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "DOCUMENT_TOO_LARGE") as big:
        await client.knowledge.UploadDocument(stream("text/plain", 25 * MIB, 25))
    assert big.details.metadata == {"limit_bytes": str(20 * MIB)}
    assert len(sent) < 20, "the server read up to its limit a file it could refuse at once"
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_SIZE_MISMATCH", {"chunk"}):
        await client.knowledge.UploadDocument(stream("text/plain", 2 * MIB, 3))
