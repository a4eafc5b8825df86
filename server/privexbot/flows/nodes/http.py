"""The http node: one request through the SSRF guard (ssrf.py), credentials by reference
to a stored chatflow secret, the response's status, headers and body (and JSON when it
parses) as outputs."""

from __future__ import annotations

import base64
import json

import httpx

from privexbot.flows import ssrf
from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S

MAX_BYTES = 1024 * 1024
AUTH = S(
    "obj",
    fields={
        "type": S("enum", required=True, values=("bearer", "basic", "header")),
        "secret": S("str", required=True, max_len=63),
        "username": S("str", max_len=256),
        "header": S("str", max_len=64),
    },
)


class Http(NodeType):
    name = "http"
    doc = (
        "Sends an HTTP request (templates for URL, headers, body) to a public address only "
        "(resolved once and pinned; at most 3 redirects, each checked; size and time caps); "
        "credentials come from a stored secret, never from the graph."
    )
    fields = {
        "method": S("enum", values=("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")),
        "url": S("template", required=True, max_len=2048),
        "headers": S("obj", item=S("template", max_len=4096), max=30),
        "body": S("template", max_len=100_000),
        "auth": AUTH,
        "max_bytes": S("int", min=1, max=MAX_BYTES),
        # A status of 400 or more fails the node (type "http"), unless false.
        "fail_on_status": S("bool"),
    }
    default_timeout_ms = 10_000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"status": "number", "body": "string", "json": "any", "headers": "object"}

    def check(self, config: dict):
        yield from super().check(config)
        for name in config.get("headers") or {}:
            if name.lower() in ("authorization", "cookie", "proxy-authorization"):
                yield f"headers.{name}", "credentials go in auth, by reference to a secret"

    async def run(self, ctx) -> Result:
        config = ctx.config
        headers = {k: ctx.render(v) for k, v in (config.get("headers") or {}).items()}
        if config.get("auth"):
            headers.update(await _auth_headers(ctx, config["auth"]))
        body = ctx.render(config["body"]).encode() if config.get("body") else None
        timeout = (config.get("timeout_ms") or self.default_timeout_ms) / 1000
        try:
            response = await ctx.services.http.fetch(
                config.get("method", "GET"),
                ctx.render(config["url"]).strip(),
                headers,
                body,
                max_bytes=config.get("max_bytes", MAX_BYTES),
                seconds=timeout,
            )
        except ssrf.Refused as exc:
            raise NodeError("refused", str(exc)) from None
        except TimeoutError:
            raise
        except (httpx.HTTPError, OSError) as exc:
            raise NodeError("http", f"the request failed: {type(exc).__name__}") from None
        text = response.body.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        if response.status >= 400 and config.get("fail_on_status", True):
            raise NodeError("http", f"the server answered {response.status}")
        return Result(
            {"status": response.status, "body": text, "json": parsed, "headers": response.headers}
        )


async def _auth_headers(ctx, auth: dict) -> dict[str, str]:
    value = await ctx.services.secrets(ctx.services.scope, auth["secret"])
    if value is None:
        raise NodeError("secret", f"the secret {auth['secret']} does not exist")
    ctx.run.redactor.add(value)
    if auth["type"] == "bearer":
        return {"authorization": f"Bearer {value}"}
    if auth["type"] == "basic":
        token = base64.b64encode(f"{auth.get('username', '')}:{value}".encode()).decode()
        ctx.run.redactor.add(token)
        return {"authorization": f"Basic {token}"}
    return {auth.get("header") or "x-api-key": value}
