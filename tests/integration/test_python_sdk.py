"""The Python SDK (``PrivexBot``, ``AsyncPrivexBot``) against the real server: methods per
RPC, pagers, typed errors, call credentials (API keys, access tokens that refresh),
per-method deadlines, and retries (a server not up yet, RetryInfo, streams).

The blocking client runs in a thread: the in-process server shares the test's loop."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from helpers import PASSWORD, caller_address, free_port, unique_email
from stacks import start_stack, stop_stack

from privexbot.client import (
    AccessToken,
    ApiKey,
    AsyncPrivexBot,
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PrivexBot,
    ResourceExhausted,
    Retry,
    Unauthenticated,
    Unavailable,
)
from privexbot.v1 import auth_pb2, inference_pb2, knowledge_pb2

QUESTION = inference_pb2.ChatCompletionMessage(
    role=inference_pb2.ChatCompletionMessage.ROLE_USER, content="Count from one to fifty."
)


@pytest.fixture
async def sdk(stack):
    """AsyncPrivexBot clients on the stack, each a distinct caller (X-Forwarded-For)."""
    made = []

    def make(**options) -> AsyncPrivexBot:
        options.setdefault("metadata", (("x-forwarded-for", caller_address()),))
        client = AsyncPrivexBot(stack.target, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def signed_up(px: AsyncPrivexBot, **credentials) -> auth_pb2.AuthSession:
    session = await px.auth.sign_up_with_email(email=unique_email("sdk"), password=PASSWORD)
    px.credentials = AccessToken.from_session(session, **credentials)
    return session


async def test_methods_pagers_streams_and_typed_errors(sdk):
    px = sdk()
    session = await signed_up(px)
    names = [
        (
            await px.knowledge.create_knowledge_base(
                session.workspace, knowledge_base={"display_name": f"kb {i}"}
            )
        ).name
        for i in range(3)
    ]
    listed = px.knowledge.list_knowledge_bases(session.workspace, page_size=2)
    assert sorted([kb.name async for kb in listed]) == sorted(names)
    assert [len(page.knowledge_bases) async for page in listed.pages()] == [2, 1]

    async def upload():  # a client stream: metadata, then the bytes
        metadata = knowledge_pb2.UploadDocumentRequest.Metadata(
            parent=names[0], display_name="returns.md", content_type="text/markdown"
        )
        yield knowledge_pb2.UploadDocumentRequest(metadata=metadata)
        yield knowledge_pb2.UploadDocumentRequest(chunk=b"# Returns\n\nWithin 14 days.")

    document = await px.knowledge.upload_document(upload())
    assert document.name.startswith(names[0] + "/documents/")

    with pytest.raises(NotFound) as info:
        await px.knowledge.get_knowledge_base(names[0] + "x")
    assert (info.value.reason, info.value.domain) == ("RESOURCE_NOT_FOUND", "privexbot.io")
    with pytest.raises(InvalidArgument) as info:
        await px.knowledge.create_knowledge_base(
            session.workspace, knowledge_base={"display_name": ""}
        )
    assert info.value.reason and list(info.value.field_violations) == [
        "knowledge_base.display_name"
    ]


async def test_the_blocking_client_calls_pages_and_streams(stack):
    def scenario() -> list[inference_pb2.ChatCompletionEvent]:
        metadata = (("x-forwarded-for", caller_address()),)
        with PrivexBot(stack.target, metadata=metadata) as px:
            session = px.auth.sign_up_with_email(email=unique_email("sdk"), password=PASSWORD)
            px.credentials = AccessToken.from_session(session)
            for i in range(3):
                px.knowledge.create_knowledge_base(
                    session.workspace, knowledge_base={"display_name": f"kb {i}"}
                )
            listed = px.knowledge.list_knowledge_bases(session.workspace, page_size=2)
            assert len(list(listed)) == 3
            with pytest.raises(NotFound):
                px.knowledge.get_knowledge_base(session.workspace + "/knowledgeBases/none")
            return list(
                px.inference.stream_chat_completion(
                    session.workspace, messages=[QUESTION], max_tokens=8
                )
            )

    events = await asyncio.to_thread(scenario)
    assert events[0].WhichOneof("event") == "attestation"
    assert events[-1].WhichOneof("event") == "finish"
    assert any(event.WhichOneof("event") == "delta" for event in events)


async def test_an_api_key_is_call_credentials_of_its_workspace(sdk):
    owner = sdk()
    session = await signed_up(owner)
    key = await owner.auth.create_api_key(
        session.workspace, api_key={"display_name": "backend", "permissions": ["knowledge.read"]}
    )
    backend = sdk(credentials=ApiKey(key.key))
    assert [kb async for kb in backend.knowledge.list_knowledge_bases(session.workspace)] == []
    with pytest.raises(PermissionDenied):  # user-only
        await backend.auth.create_api_key(session.workspace, api_key={"display_name": "x"})


async def test_an_access_token_due_to_expire_is_refreshed_before_the_call(sdk):
    px = sdk()
    sessions = []
    first = await signed_up(px, on_refresh=sessions.append)
    px.credentials.expire_time = time.time() + 30  # within a minute of expiring
    me = await px.auth.get_current_user()
    assert me.user.name == first.user.name
    assert len(sessions) == 1 and px.credentials.token == sessions[0].access_token
    assert px.credentials.refresh_token == sessions[0].refresh_token != first.refresh_token
    # The first refresh token was rotated: it is spent.
    with pytest.raises(Unauthenticated):
        await px.auth.refresh_token(refresh_token=first.refresh_token)


async def test_a_token_the_server_calls_expired_is_refreshed_once_and_the_call_retried(sdk, stack):
    px = sdk()
    sessions = []
    first = await signed_up(px, on_refresh=sessions.append)
    # The same session's token, signed by the server's key but expired a minute ago, as a
    # client whose clock runs behind would still send it.
    claims = jwt.decode(first.access_token, options={"verify_signature": False})
    kid, secret = stack.settings.jwt_key_ring[0]
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 60},
        secret,
        algorithm="HS256",
        headers={"kid": kid, "typ": "at+jwt"},
    )
    px.credentials = AccessToken(
        expired,
        refresh_token=first.refresh_token,
        expire_time=time.time() + 600,
        on_refresh=sessions.append,
    )
    assert (await px.auth.get_current_user()).user.name == first.user.name
    assert len(sessions) == 1

    px.credentials = AccessToken(expired)  # nothing to refresh with
    with pytest.raises(Unauthenticated) as info:
        await px.auth.get_current_user()
    assert info.value.reason == "TOKEN_EXPIRED"


async def test_a_method_deadline_ends_a_stream(sdk):
    px = sdk(timeouts={"StreamChatCompletion": 0.3})
    session = await signed_up(px)
    # A reply far longer than 0.3 s of generation, even with its prompt already cached.
    story = inference_pb2.ChatCompletionMessage(
        role=inference_pb2.ChatCompletionMessage.ROLE_USER,
        content="Write a very long story about a dragon, with many chapters.",
    )
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        async for _ in px.inference.stream_chat_completion(
            session.workspace, messages=[story], max_tokens=2000
        ):
            pass
    assert time.monotonic() - started < 5


async def test_resource_exhausted_is_retried_no_sooner_than_retry_info_says(sdk, stack):
    address = caller_address()
    px = sdk(metadata=(("x-forwarded-for", address),), retry=Retry(attempts=2))
    # This address has used up its sign-ups for a window that ends in 2 s.
    await stack.running.platform.store.set(f"rate:login-ip:{address}", "60", 2)
    started = time.monotonic()
    session = await px.auth.sign_up_with_email(email=unique_email("sdk"), password=PASSWORD)
    assert session.access_token
    assert time.monotonic() - started >= 1.9  # one retry, after the RetryInfo delay

    # A window longer than the call's deadline: no waiting, the error and its delay.
    await stack.running.platform.store.set(f"rate:login-ip:{address}", "60", 60)
    started = time.monotonic()
    with pytest.raises(ResourceExhausted) as info:
        await px.auth.sign_up_with_email(email=unique_email("sdk"), password=PASSWORD, timeout=5)
    assert time.monotonic() - started < 2
    assert 55 < info.value.retry_delay_seconds <= 60


@pytest.fixture
async def later(enclave, tmp_path):
    """Start (and stop) a server of its own on a fixed port, when a test says so."""
    port = free_port()
    running = []

    async def start():
        stack = await start_stack(
            "sqlite",
            tmp_path,
            grpc_address=f"127.0.0.1:{port}",
            inference_base_url=enclave.base_url,
            inference_api_key=enclave.api_key,
        )
        running.append(stack)
        return stack

    yield f"127.0.0.1:{port}", start
    for stack in running:
        await stop_stack(stack)


async def test_a_call_is_retried_until_the_server_is_up(later):
    target, start = later
    async with AsyncPrivexBot(target, retry=Retry(attempts=100, maximum=0.5)) as px:
        sign_up = asyncio.create_task(
            px.auth.sign_up_with_email(email=unique_email("sdk"), password=PASSWORD, timeout=30)
        )
        await asyncio.sleep(1)
        assert not sign_up.done()  # UNAVAILABLE so far, retried
        await start()
        assert (await sign_up).access_token


async def test_a_stream_is_retried_before_its_first_event_never_after(later):
    target, start = later
    stack = await start()
    async with AsyncPrivexBot(target, retry=Retry(attempts=100, maximum=0.5)) as px:
        session = await signed_up(px)
        await stack.running.stop(0)
        events = px.inference.stream_chat_completion(
            session.workspace, messages=[QUESTION], max_tokens=2000, timeout=60
        )
        first = asyncio.create_task(anext(events))
        await asyncio.sleep(1)
        assert not first.done()  # the server is down: retried
        stack.running = await restart(stack)
        assert (await first).WhichOneof("event") == "attestation"
        await stack.running.stop(0)
        started = time.monotonic()
        with pytest.raises(Unavailable) as cut:
            async for _ in events:
                pass
        assert time.monotonic() - started < 5  # raised, not retried until the deadline
        assert cut.value.reason == "SERVER_SHUTTING_DOWN"  # even with no grace, cut with why


async def restart(stack):
    from privexbot.app import create_server

    return await create_server(stack.settings)
