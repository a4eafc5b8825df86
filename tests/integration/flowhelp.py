"""Helpers for FlowService tests: graphs as protos, drafts to published chatflows, runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from google.protobuf import json_format, struct_pb2

from privexbot.v1 import flow_pb2

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "chatflows"


def graph(nodes: list[dict], edges: list[dict]) -> flow_pb2.ChatflowGraph:
    message = flow_pb2.ChatflowGraph()
    for node in nodes:
        config = struct_pb2.Struct()
        config.update(node.get("config") or {})
        message.nodes.add(
            id=node["id"],
            type=node["type"],
            config=config,
            parent_id=node.get("parent_id", ""),
            display_name=node.get("display_name", ""),
        )
    for edge in edges:
        message.edges.add(
            id=edge.get("id")
            or f"{edge['source']}-{edge.get('source_handle') or 'out'}-{edge['target']}",
            source=edge["source"],
            target=edge["target"],
            source_handle=edge.get("source_handle", ""),
        )
    return message


def example(name: str, **replace: str) -> flow_pb2.ChatflowGraph:
    """An example chatflow from examples/chatflows, with placeholders (``${KB}``) filled."""
    text = (EXAMPLES / f"{name}.json").read_text()
    for key, value in replace.items():
        text = text.replace("${" + key + "}", value)
    record = json.loads(text)
    message = flow_pb2.ChatflowGraph()
    json_format.ParseDict(record["graph"], message)
    return message


def simple_graph(text: str = "Hello {{ sys.message }}") -> flow_pb2.ChatflowGraph:
    return graph(
        [
            {"id": "start", "type": "start"},
            {"id": "greet", "type": "template", "config": {"template": text}},
            {"id": "ans", "type": "answer", "config": {"text": "{{ greet.text }}"}},
        ],
        [{"source": "start", "target": "greet"}, {"source": "greet", "target": "ans"}],
    )


async def new_flow_draft(client, workspace: str, g=None, name: str = "Flow"):
    return await client.flow.CreateChatflowDraft(
        flow_pb2.CreateChatflowDraftRequest(
            parent=workspace,
            chatflow_draft=flow_pb2.ChatflowDraft(display_name=name, graph=g or simple_graph()),
        )
    )


async def new_flow(client, workspace: str, g=None, name: str = "Flow") -> flow_pb2.Chatflow:
    draft = await new_flow_draft(client, workspace, g, name)
    return await client.flow.FinalizeChatflowDraft(
        flow_pb2.FinalizeChatflowDraftRequest(name=draft.name)
    )


async def execute(client, name: str, message: str = "hi", seconds: float = 120, **fields):
    async with asyncio.timeout(seconds):
        return [
            e
            async for e in client.flow.ExecuteChatflow(
                flow_pb2.ExecuteChatflowRequest(name=name, message=message, **fields)
            )
        ]


def kinds(events) -> list[str]:
    return [e.WhichOneof("event") for e in events]


def text(events) -> str:
    return "".join(e.delta.text for e in events if e.HasField("delta"))


def finished_nodes(events) -> dict:
    return {
        e.node_finished.path + e.node_finished.node_id: e.node_finished
        for e in events
        if e.HasField("node_finished")
    }
