"""Every RPC of the contract, fuzzed over gRPC against the real server and over REST through
the real Envoy, as the owner of a real tenant, with requests drawn from the RPC's
descriptor (messages.py, values.py, names.py, wellknown.py; wire.py for bytes no library
writes, rest.py for the HTTP bindings). No input may end INTERNAL, UNKNOWN or DATA_LOSS,
every error carries the server's ErrorInfo (REST: a JSON status, never a 500, never an
Envoy reply for a server that did not answer), and the server keeps serving. Hypothesis
shrinks a failure to its smallest request and prints it with the server's traceback.

Server streams are read for three messages, then cancelled (no full reply is generated per
example); the client stream (UploadDocument) gets zero to three drawn messages. REST runs
on the last backend only (PRIVEXBOT_TEST_BACKENDS): what it adds, Envoy's transcoding,
does not depend on the database (conftest deselects the others). Destructive RPCs run
last (calls.ordered)."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privexbot.kernel import contract

from . import wire
from .calls import SETTINGS, TIMEOUT, grpc_problem_of, ordered, rest_problem_of
from .messages import Requests
from .rest import bindings, rest_calls
from .values import weighted

SPECS = ordered(contract.methods().values())
CASES = [
    pytest.param(spec, transport, id=f"{spec.name}-{transport}")
    for spec in SPECS
    for transport in ("grpc", "rest")
]
_strategies: dict = {}


def strategy(spec: contract.MethodSpec, transport: str, pools) -> st.SearchStrategy:
    """gRPC: lists of (request, wire mutation or None), one for most RPCs, zero to three
    for a client stream. REST: one RestCall. Built once per RPC and world."""
    key = (spec.path, transport, id(pools))
    if key not in _strategies:
        if transport == "rest":
            _strategies[key] = rest_calls(spec, pools)
        else:
            mutation = weighted((5, st.none()), (1, wire.mutations(spec.input)))
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


def test_every_rpc_has_a_rest_binding():
    assert [s for s in SPECS if not bindings(s)] == []


@pytest.mark.envoy
@pytest.mark.timeout(TIMEOUT)
@pytest.mark.parametrize("spec,transport", CASES)
@SETTINGS
@given(data=st.data())
async def test_rpc(spec, transport, data, channel, edge, world, server_errors):
    drawn = data.draw(strategy(spec, transport, world.pools), label=transport)
    if transport == "rest":
        problem, request_id = await rest_problem_of(edge, spec, drawn, world.access_token)
    else:
        problem, request_id = await grpc_problem_of(channel, spec, drawn, world.access_token)
    assert problem is None, f"{spec.path}: {problem}\n{server_errors.about(request_id)}"
