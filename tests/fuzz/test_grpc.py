"""Every RPC of the contract over gRPC, with requests drawn from its descriptor (fuzz
strategies: messages.py, values.py, names.py, wire.py), as the owner of a real tenant
against the real server: no input may end INTERNAL or UNKNOWN, every error carries the
server's ErrorInfo, and the server keeps serving. Hypothesis shrinks a failure to its
smallest request and prints it with the server's traceback.

Server streams are read for three messages and cancelled; the client stream
(UploadDocument) gets one to three drawn messages, or none."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import event, given
from hypothesis import strategies as st

from privexbot.kernel import contract

from . import wire
from .calls import SETTINGS, call_grpc, fresh_address, grpc_problem, ordered
from .messages import Requests

SPECS = ordered(contract.methods().values())
_strategies: dict = {}


def requests(spec: contract.MethodSpec, pools) -> st.SearchStrategy[list]:
    """Lists of (request, wire mutation or None): one for most RPCs, 0-3 for a client
    stream."""
    key = (spec.path, id(pools))
    if key not in _strategies:
        mutation = st.one_of(st.none(), st.none(), st.none(), wire.mutations(spec.input))
        one = st.tuples(Requests(spec, pools).strategy(), mutation)
        sizes = (0, 3) if spec.client_streaming else (1, 1)
        _strategies[key] = st.lists(one, min_size=sizes[0], max_size=sizes[1])
    return _strategies[key]


@pytest.fixture(scope="module")
async def channel(stack):
    async with grpc.aio.insecure_channel(
        stack.target, options=[("grpc.max_send_message_length", 64 * 1024 * 1024)]
    ) as opened:
        yield opened


async def serving(channel) -> bool:
    health = health_pb2_grpc.HealthStub(channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@SETTINGS
@given(data=st.data())
async def test_rpc_over_grpc(spec, data, channel, world, server_errors):
    drawn = data.draw(requests(spec, world.pools), label="requests")
    sent = [
        mutate(m.SerializeToString()) if mutate else m.SerializeToString() for m, mutate in drawn
    ]
    request_id = f"fuzz-{fresh_address().replace('.', '-')}"
    metadata = (
        ("authorization", f"Bearer {world.access_token}"),
        ("x-forwarded-for", fresh_address()),
        ("x-request-id", request_id),
    )
    outcome = await call_grpc(channel, spec, sent, metadata)
    event(f"{outcome.code.name} {outcome.reason}")
    problem = grpc_problem(outcome)
    if problem is None and outcome.code == grpc.StatusCode.UNAVAILABLE:
        if not await serving(channel):
            problem = "the server stopped serving"
    assert problem is None, f"{spec.path}: {problem}\n{server_errors.about(request_id)}"
