"""The OpenAPI document (envoy/openapi.json, generated from the protos) as Envoy serves it,
and live REST exchanges through the real Envoy validated against it by openapi-core: the
request a client sends (path, query, body, credentials) and the answer it gets, errors
included."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from helpers import PASSWORD, unique_email
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from privexbot.v1 import auth_pb2, bot_pb2, flow_pb2, inference_pb2, knowledge_pb2, tenant_pb2

pytestmark = pytest.mark.envoy

DOCUMENT = Path(__file__).resolve().parents[2] / "envoy" / "openapi.json"


class Request:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: httpx.Request) -> None:
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.method = request.method.lower()
        self.body = request.content
        self.content_type = request.headers.get("content-type", "application/octet-stream")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.url.params.multi_items()),
            header=Headers(list(request.headers.items())),
        )


class Response:
    """An httpx response as openapi-core reads one."""

    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))


@pytest.fixture(scope="module")
async def served(edge) -> tuple[OpenAPI, dict]:
    """The document GET /openapi.json answers, checked as OpenAPI 3.1 by openapi-core."""
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        reply = await client.get("/openapi.json")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    document = reply.json()
    return OpenAPI.from_dict(document), document


def test_envoy_serves_the_generated_document(served):
    _, document = served
    assert document == json.loads(DOCUMENT.read_text())
    assert document["openapi"] == "3.1.0"


def test_every_rpc_is_an_operation(served):
    _, document = served
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    rpcs = {
        f"{service.name}_{method.name}"
        for module in (auth_pb2, bot_pb2, flow_pb2, inference_pb2, knowledge_pb2, tenant_pb2)
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    }
    assert rpcs <= operations
    assert "InferenceService_ListModels_1" in operations  # the additional GET /v1/models


async def test_live_rest_exchanges_match_the_document(served, edge):
    """Sign-up, a create, a list with a query, a patch with an update mask, a stream-free
    search of the document's shapes, and errors: each request and response validated."""
    openapi, _ = served

    async def call(client: httpx.AsyncClient, method: str, url: str, **kw) -> httpx.Response:
        reply = await client.request(method, url, **kw)
        request = Request(reply.request)
        openapi.validate_request(request)
        openapi.validate_response(request, Response(reply))
        return reply

    async with httpx.AsyncClient(base_url=edge, timeout=30) as client:
        email, password = unique_email("openapi"), PASSWORD
        reply = await call(
            client, "POST", "/v1/auth/email:signUp", json={"email": email, "password": password}
        )
        assert reply.status_code == 200, reply.text
        session = reply.json()
        client.headers["authorization"] = f"Bearer {session['accessToken']}"

        workspace = session["workspace"]
        reply = await call(
            client, "POST", f"/v1/{workspace}/knowledgeBases", json={"displayName": "Docs"}
        )
        assert reply.status_code == 200, reply.text
        kb = reply.json()["name"]

        reply = await call(client, "GET", f"/v1/{workspace}/knowledgeBases?pageSize=10")
        assert [item["name"] for item in reply.json()["knowledgeBases"]] == [kb]

        reply = await call(
            client,
            "PATCH",
            f"/v1/{kb}?updateMask=displayName",
            json={"displayName": "Handbook"},
        )
        assert reply.json()["displayName"] == "Handbook"

        reply = await call(client, "GET", "/v1/auth/me")
        assert reply.json()["user"]["email"] == email

        # Errors: a google.rpc.Status with ErrorInfo, and BadRequest field violations.
        reply = await call(client, "GET", f"/v1/{kb}x")
        assert reply.status_code == 404
        assert reply.json()["details"][0]["reason"] == "RESOURCE_NOT_FOUND"
        reply = await call(
            client, "POST", f"/v1/{workspace}/knowledgeBases", json={"displayName": ""}
        )
        assert reply.status_code == 400
        violations = [d for d in reply.json()["details"] if "fieldViolations" in d]
        assert violations, reply.text


async def test_the_validator_rejects_what_the_document_does_not_allow(served, edge):
    """The check has teeth: a field the contract does not have, in a response, fails."""
    from openapi_core.validation.response.exceptions import InvalidData

    openapi, _ = served
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        reply = await client.get("/v1/attestation")
    assert reply.status_code == 200, reply.text
    request = Request(reply.request)
    openapi.validate_response(request, Response(reply))
    tampered = httpx.Response(
        200,
        json={**reply.json(), "surprise": True},
        request=reply.request,
        headers={"content-type": "application/json"},
    )
    with pytest.raises(InvalidData):
        openapi.validate_response(request, Response(tampered))
