"""The low-level asyncio client: the generated stubs (``privexbot.v1``) on one
channel, and whatever metadata the caller sets, as is.

    async with Client("localhost:50051") as px:
        session = await px.auth.LogInWithEmail(auth_pb2.LogInWithEmailRequest(...))
        px.access_token = session.access_token
        me = await px.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())

Calls raise ``grpc.aio.AioRpcError`` (``error_details`` types them); nothing is retried or
refreshed. Tools and tests use it to send exactly what they mean, credentials and headers
included; applications want ``PrivexBot`` or ``AsyncPrivexBot``.
"""

from __future__ import annotations

import grpc

from privexbot.v1 import (
    auth_pb2_grpc,
    bot_pb2_grpc,
    flow_pb2_grpc,
    inference_pb2_grpc,
    knowledge_pb2_grpc,
    tenant_pb2_grpc,
)


class _Credentials:
    """Attaches the client's credentials to every call. grpc.aio registers a channel
    interceptor under one kind only, so there is one subclass per kind of call."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def _details(self, details):
        extra = self._client.metadata()
        if not extra:
            return details
        return details._replace(metadata=(*(details.metadata or ()), *extra))


class _UnaryUnary(_Credentials, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, details, request):
        return await continuation(self._details(details), request)


class _UnaryStream(_Credentials, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, details, request):
        return await continuation(self._details(details), request)


class _StreamUnary(_Credentials, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, details, request_iterator):
        return await continuation(self._details(details), request_iterator)


class _StreamStream(_Credentials, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, details, request_iterator):
        return await continuation(self._details(details), request_iterator)


class Client:
    """One channel, six service stubs, and the caller's credentials."""

    def __init__(
        self,
        target: str,
        *,
        access_token: str = "",
        api_key: str = "",
        publishable_key: str = "",
        credentials: grpc.ChannelCredentials | None = None,
        extra_metadata: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.access_token, self.api_key, self.extra_metadata = access_token, api_key, extra_metadata
        # A chatbot's publishable key (website widget): Chat and SubmitFeedback of that bot.
        self.publishable_key = publishable_key
        interceptors = [
            kind(self) for kind in (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)
        ]
        self.channel = (
            grpc.aio.secure_channel(target, credentials, interceptors=interceptors)
            if credentials
            else grpc.aio.insecure_channel(target, interceptors=interceptors)
        )
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.tenant = tenant_pb2_grpc.TenantServiceStub(self.channel)
        self.bot = bot_pb2_grpc.BotServiceStub(self.channel)
        self.flow = flow_pb2_grpc.FlowServiceStub(self.channel)
        self.knowledge = knowledge_pb2_grpc.KnowledgeServiceStub(self.channel)
        self.inference = inference_pb2_grpc.InferenceServiceStub(self.channel)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        creds: tuple[tuple[str, str], ...] = ()
        if self.access_token:
            creds = (("authorization", f"Bearer {self.access_token}"),)
        elif self.api_key:
            creds = (("x-api-key", self.api_key),)
        elif self.publishable_key:
            creds = (("x-publishable-key", self.publishable_key),)
        return creds + self.extra_metadata

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()
