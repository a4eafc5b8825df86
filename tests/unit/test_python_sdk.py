"""The Python SDK's own decisions, without a server: the retry policy, how arguments become
a request, which channels may carry call credentials, and the generated services."""

from __future__ import annotations

import grpc
import pytest

from privexbot.client import InvalidArgument, PrivexBot, ResourceExhausted, Retry, Unavailable
from privexbot.client._rpc import Kind, Service
from privexbot.client._services import AuthService, KnowledgeService
from privexbot.client.credentials import loopback
from privexbot.v1 import (
    auth_pb2,
    bot_pb2,
    flow_pb2,
    inference_pb2,
    knowledge_pb2,
    tenant_pb2,
)


def test_backoff_is_jittered_exponential_and_capped():
    retry = Retry(initial=0.1, multiplier=2, maximum=1.0, attempts=10)
    waits = {n: [retry.delay(n, Unavailable(), 60) for _ in range(200)] for n in (1, 3, 8)}
    assert all(0 <= w <= 0.1 for w in waits[1]) and max(waits[1]) > 0.05
    assert all(0 <= w <= 0.4 for w in waits[3]) and max(waits[3]) > 0.3
    assert all(0 <= w <= 1.0 for w in waits[8]) and max(waits[8]) > 0.9  # capped
    assert len(set(waits[3])) > 150  # jittered, not one fixed wait


def test_retry_info_is_a_floor_and_the_deadline_a_ceiling():
    exhausted = ResourceExhausted(retry_delay_seconds=2.0)
    assert 2.0 <= Retry().delay(1, exhausted, remaining=30) <= 2.1
    assert Retry().delay(1, exhausted, remaining=1.5) is None  # would outlast the deadline


def test_only_unavailable_and_resource_exhausted_are_retried_while_tries_remain():
    assert Retry().delay(1, InvalidArgument(), 30) is None
    assert Retry(attempts=3).delay(2, Unavailable(), 30) is not None
    assert Retry(attempts=3).delay(3, Unavailable(), 30) is None


def test_a_request_is_made_from_a_resource_name_and_fields_with_an_idempotency_key():
    rpc = KnowledgeService.rpcs["CreateKnowledgeBase"]
    request = rpc.build("organizations/o/workspaces/w", {"knowledge_base": {"display_name": "D"}})
    assert request.parent == "organizations/o/workspaces/w"
    assert request.knowledge_base.display_name == "D"
    assert len(request.request_id) == 36  # a UUID: a retry of this call makes one resource

    given = knowledge_pb2.CreateKnowledgeBaseRequest(parent="p")
    built = rpc.build(given, {})
    assert built.request_id and not given.request_id  # the caller's message is left alone
    kept = rpc.build(knowledge_pb2.CreateKnowledgeBaseRequest(request_id="mine"), {})
    assert kept.request_id == "mine"
    with pytest.raises(TypeError):
        rpc.build(given, {"parent": "q"})
    with pytest.raises(TypeError):
        AuthService.rpcs["LogInWithEmail"].build("me@example.com", {})  # no resource field


def test_call_credentials_travel_only_on_protected_channels():
    assert loopback("127.0.0.1:50051") and loopback("localhost:8080") and loopback("[::1]:1")
    assert not loopback("api.privexbot.io:443") and not loopback("10.0.0.5:50051")


def test_every_rpc_is_a_documented_method_of_its_service():
    with PrivexBot("127.0.0.1:1") as client:
        for module in (auth_pb2, bot_pb2, flow_pb2, inference_pb2, knowledge_pb2, tenant_pb2):
            for descriptor in module.DESCRIPTOR.services_by_name.values():
                service = next(
                    s
                    for s in vars(client).values()
                    if isinstance(s, Service) and type(s).__name__ == descriptor.name
                )
                assert set(service.rpcs) == {m.name for m in descriptor.methods}
                for method in descriptor.methods:
                    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in method.name)
                    function = getattr(service, snake.lstrip("_"))
                    assert function.__doc__ and "Returns:" in function.__doc__


def test_docstrings_come_from_the_proto_comments():
    doc = KnowledgeService.list_knowledge_bases.__doc__
    assert doc.startswith("Lists a workspace's knowledge bases.")
    assert "page_size (int): At most 1000; 50 when unset." in doc
    assert "yields every KnowledgeBase" in doc
    assert KnowledgeService.rpcs["ListKnowledgeBases"].kind is Kind.PAGED
    assert KnowledgeService.rpcs["WatchIngestion"].kind is Kind.SERVER_STREAM
    assert KnowledgeService.rpcs["UploadDocument"].kind is Kind.CLIENT_STREAM


def test_a_status_code_has_its_error_class():
    assert Unavailable.code is grpc.StatusCode.UNAVAILABLE
    assert str(InvalidArgument("bad", reason="X")) == "INVALID_ARGUMENT X: bad"
