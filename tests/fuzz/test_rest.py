"""Every RPC of the contract over REST through the real Envoy, requests built from its
``google.api.http`` bindings (rest.py) with the same drawn fields as over gRPC, then made
hostile (wrong JSON types, invalid UTF-8, lone surrogates, bodies that are no object, bad
query strings). No reply may be a 500 or a gRPC INTERNAL/UNKNOWN, every error is a JSON
status, and a 502-504 must come from the server, not from Envoy failing to reach it."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privexbot.kernel import contract

from .calls import SETTINGS, call_rest, fresh_address, ordered, rest_problem
from .rest import bindings, rest_calls

pytestmark = pytest.mark.envoy
SPECS = ordered(s for s in contract.methods().values() if bindings(s))
_strategies: dict = {}


def calls(spec: contract.MethodSpec, pools) -> st.SearchStrategy:
    key = (spec.path, id(pools))
    if key not in _strategies:
        _strategies[key] = rest_calls(spec, pools)
    return _strategies[key]


def test_every_rpc_has_a_rest_binding():
    assert len(SPECS) == len(contract.methods())


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@SETTINGS
@given(data=st.data())
async def test_rpc_over_rest(spec, data, edge, world, server_errors):
    call = data.draw(calls(spec, world.pools), label="call")
    request_id = f"fuzz-{fresh_address().replace('.', '-')}"
    outcome = await call_rest(edge, call, world.access_token, request_id, spec.server_streaming)
    problem = rest_problem(outcome)
    if problem is None and outcome.status == 503:
        async with httpx.AsyncClient(base_url=edge, timeout=5) as client:
            if (await client.get("/v1/attestation")).status_code != 200:
                problem = "the server behind Envoy stopped answering"
    assert problem is None, f"{spec.path}: {problem}\n{server_errors.about(request_id)}"
