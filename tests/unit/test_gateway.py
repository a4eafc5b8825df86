"""The gateway's reading of an upstream's server-sent events (OpenAI chat completion chunks).

The input is an httpx response over literal bytes, as the upstream would send them; the
integration tests relay real streams from the real enclave.
"""

from __future__ import annotations

import json

import httpx
import pytest

from privexbot.inference.gateway import Usage, _events, _payloads
from privexbot.kernel.errors import Unavailable


def chunk(text: str | None = None, finish: str | None = None, usage=None) -> dict:
    delta = {} if text is None else {"content": text}
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": usage}


async def payloads(body: str) -> list[dict]:
    response = httpx.Response(200, content=body.encode())
    return [p async for p in _payloads(response)]


async def test_events_in_order_up_to_done():
    body = "".join(
        f"data: {json.dumps(c)}\n\n" for c in (chunk("Hel"), chunk("lo"), chunk(finish="stop"))
    )
    body += "data: [DONE]\n\ndata: " + json.dumps(chunk("after done")) + "\n\n"
    got = await payloads(body)
    assert [_events(p)[0] for p in got] == [["Hel"], ["lo"], []]
    assert _events(got[-1])[1] == "stop"


async def test_other_fields_comments_crlf_and_multiline_data():
    body = (
        ": keep-alive comment\r\n\r\n"
        "event: message\r\nid: 7\r\n"
        'data:{"choices": [{"delta": {"content": "a"},\r\n'
        'data: "finish_reason": null}]}\r\n\r\n'
        "data: [DONE]\r\n\r\n"
    )
    got = await payloads(body)
    assert got == [{"choices": [{"delta": {"content": "a"}, "finish_reason": None}]}]


async def test_a_stream_cut_short_still_yields_its_last_event():
    got = await payloads("data: " + json.dumps(chunk("x")) + "\n\ndata: " + json.dumps(chunk("y")))
    assert [_events(p)[0] for p in got] == [["x"], ["y"]]
    assert await payloads("") == []


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"'])
async def test_a_malformed_event_is_a_bad_stream(data: str):
    with pytest.raises(Unavailable) as raised:
        await payloads(f"data: {json.dumps(chunk('ok'))}\n\ndata: {data}\n\n")
    assert raised.value.reason == "INFERENCE_BAD_STREAM"


async def test_an_error_event_ends_the_stream_as_an_upstream_failure():
    error = {"error": {"message": "model crashed: /srv/secret/path", "type": "server_error"}}
    with pytest.raises(Unavailable) as raised:
        await payloads(f"data: {json.dumps(error)}\n\n")
    assert raised.value.reason == "INFERENCE_UNAVAILABLE"
    assert "secret" not in raised.value.message  # upstream text never reaches callers


def test_events_read_deltas_finish_and_usage():
    usage = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    assert _events(chunk("hi")) == (["hi"], None, None)
    assert _events(chunk("", "length", usage)) == ([], "length", Usage(12, 3))
    assert _events({"choices": [], "usage": None}) == ([], None, None)


@pytest.mark.parametrize(
    "payload",
    [
        {"choices": "not a list of choices"},
        {"choices": [{"delta": "not an object"}]},
        {"choices": [], "usage": {"prompt_tokens": 1}},
        {"choices": [], "usage": {"prompt_tokens": "many", "completion_tokens": 1}},
    ],
)
def test_events_refuse_malformed_payloads(payload: dict):
    with pytest.raises(Unavailable) as raised:
        _events(payload)
    assert raised.value.reason == "INFERENCE_BAD_STREAM"
