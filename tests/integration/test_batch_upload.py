"""UploadDocuments over the real stack: many files in one client stream, one result per
file in order; a refused file (corrupt, wrong size, unsupported type, another knowledge
base, over the file cap) leaves nothing behind while the others are kept and ingested."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from helpers import join, raises, sign_up
from test_knowledge import CORPUS, FORMATS, READY, ask, new_kb, until_done

from privexbot.api import knowledge as knowledge_api
from privexbot.v1 import common_pb2, knowledge_pb2

Metadata = knowledge_pb2.UploadDocumentRequest.Metadata


def file(parent: str, name: str, content: bytes, content_type: str = "", size: int = 0):
    """The messages of one file: its metadata, then its bytes in 1000-byte chunks."""
    kind = content_type or FORMATS.get(name, "text/plain")
    yield knowledge_pb2.UploadDocumentsRequest(
        metadata=Metadata(
            parent=parent, display_name=name, content_type=kind, size_bytes=size or len(content)
        )
    )
    for start in range(0, len(content), 1000):
        yield knowledge_pb2.UploadDocumentsRequest(chunk=content[start : start + 1000])


async def stream(*files):
    for messages in files:
        for message in messages:
            yield message


def reason(status) -> str:
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    return info.reason


async def test_many_files_in_one_stream_each_taken_or_refused(client):
    user = await sign_up(client)
    kb, other = await new_kb(client, user.workspace), await new_kb(client, user.workspace)
    corpus = {name: (CORPUS / name).read_bytes() for name in ("handbook.md", "handbook.pdf")}
    reply = await client.knowledge.UploadDocuments(
        stream(
            file(kb.name, "handbook.md", corpus["handbook.md"]),
            file(kb.name, "corrupt.pdf", (CORPUS / "corrupt.pdf").read_bytes(), "application/pdf"),
            file(kb.name, "short.txt", b"Twelve bytes", size=99),
            file(kb.name, "image.png", b"not an image", content_type="image/png"),
            file(other.name, "elsewhere.txt", b"Another knowledge base."),
            file(kb.name, "handbook.pdf", corpus["handbook.pdf"]),
            file(kb.name, "notes.txt", b"Backups run every night at 02:00."),
        )
    )
    results = list(reply.results)
    assert [r.display_name for r in results] == [
        "handbook.md",
        "corrupt.pdf",
        "short.txt",
        "image.png",
        "elsewhere.txt",
        "handbook.pdf",
        "notes.txt",
    ]
    taken = [r for r in results if r.HasField("document")]
    assert [r.display_name for r in taken] == ["handbook.md", "handbook.pdf", "notes.txt"]
    assert all(not r.HasField("error") for r in taken)
    refused = {r.display_name: r.error for r in results if r.HasField("error")}
    assert all(e.code == grpc.StatusCode.INVALID_ARGUMENT.value[0] for e in refused.values())
    assert reason(refused["corrupt.pdf"]) == "CORRUPT_DOCUMENT"
    assert reason(refused["short.txt"]) == "UPLOAD_SIZE_MISMATCH"
    assert reason(refused["image.png"]) == "UNSUPPORTED_CONTENT_TYPE"
    assert "metadata.parent" in refused["elsewhere.txt"].message
    assert taken[1].document.size_bytes == len(corpus["handbook.pdf"])

    listed = await client.knowledge.ListDocuments(
        knowledge_pb2.ListDocumentsRequest(parent=kb.name)
    )
    assert sorted(d.name for d in listed.documents) == sorted(r.document.name for r in taken)
    empty = await client.knowledge.ListDocuments(
        knowledge_pb2.ListDocumentsRequest(parent=other.name)
    )
    assert list(empty.documents) == []
    await until_done(client, kb.name)
    for r in taken:
        doc = await client.knowledge.GetDocument(
            knowledge_pb2.GetDocumentRequest(name=r.document.name)
        )
        assert doc.state == READY, r.display_name
    assert "02:00" in (await ask(client, kb.name, "When do backups run?"))[0].text


async def test_the_file_cap_and_refused_streams(client_factory, monkeypatch):
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
    monkeypatch.setattr(knowledge_api, "MAX_BATCH_FILES", 2)
    reply = await owner.knowledge.UploadDocuments(
        stream(*(file(kb.name, f"{i}.txt", f"Note {i}.".encode()) for i in range(4)))
    )
    assert [r.HasField("document") for r in reply.results] == [True, True, False]
    assert reason(reply.results[2].error) == "TOO_MANY_FILES"
    listed = await owner.knowledge.ListDocuments(knowledge_pb2.ListDocumentsRequest(parent=kb.name))
    assert len(listed.documents) == 2

    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"metadata.parent"}):
        await owner.knowledge.UploadDocuments(
            stream([knowledge_pb2.UploadDocumentsRequest(chunk=b"bytes first")])
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, None, {"metadata.display_name"}):
        await owner.knowledge.UploadDocuments(stream(file(kb.name, "", b"No name.")))
    for caller, code in (
        (anonymous, grpc.StatusCode.UNAUTHENTICATED),
        (viewer, grpc.StatusCode.PERMISSION_DENIED),
        (stranger, grpc.StatusCode.NOT_FOUND),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await caller.knowledge.UploadDocuments(stream(file(kb.name, "x.txt", b"x")))
        assert err.value.code() == code
