"""Between FlowService messages and the flows domain: graphs, chatflows, issues, run events
and runs."""

from __future__ import annotations

from google.protobuf import duration_pb2, json_format, struct_pb2

from privexbot.api.bot import chat_message
from privexbot.api.convert import pack, timestamp
from privexbot.api.inference import usage_message, verdict_message
from privexbot.api.knowledge import scored_citation_message
from privexbot.bots.published import VersionView
from privexbot.flows import events
from privexbot.flows.chatflows import ChatflowView
from privexbot.flows.compiler import Issue
from privexbot.flows.drafts import FlowDraft
from privexbot.flows.runs import RunView
from privexbot.kernel import resources
from privexbot.v1 import bot_pb2, flow_pb2

Event = flow_pb2.ChatflowEvent


def graph_record(message: flow_pb2.ChatflowGraph) -> dict:
    """The graph in the domain's stored form (flows/graph.py), every field present."""
    record = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    for node in record["nodes"]:
        position = node.get("position", {})
        node["position"] = [position.get("x", 0.0), position.get("y", 0.0)]
        node.setdefault("config", {})
    return record


def graph_message(record: dict | None) -> flow_pb2.ChatflowGraph | None:
    if record is None:
        return None
    graph = flow_pb2.ChatflowGraph()
    for node in record.get("nodes", ()):
        config = struct_pb2.Struct()
        config.update(node.get("config") or {})
        x, y = (node.get("position") or (0, 0))[:2]
        graph.nodes.add(
            id=node["id"],
            type=node["type"],
            display_name=node.get("display_name", ""),
            config=config,
            position=flow_pb2.ChatflowNode.Position(x=x, y=y),
            parent_id=node.get("parent_id", ""),
        )
    for edge in record.get("edges", ()):
        graph.edges.add(**edge)
    return graph


def draft_message(draft: FlowDraft) -> flow_pb2.ChatflowDraft:
    return pack(flow_pb2.ChatflowDraft, draft, graph=graph_message(draft.graph))


def chatflow_message(flow: ChatflowView) -> flow_pb2.Chatflow:
    return pack(
        flow_pb2.Chatflow,
        flow,
        graph=graph_message(flow.graph),
        published_graph=graph_message(flow.published_graph),
        creator=resources.USER.name(flow.creator_id) if flow.creator_id else "",
    )


def version_message(version: VersionView) -> flow_pb2.ChatflowVersion:
    return pack(flow_pb2.ChatflowVersion, version, graph=graph_message(version.content))


def issue_message(issue: Issue) -> flow_pb2.ValidationIssue:
    return pack(flow_pb2.ValidationIssue, issue)


def _value(value) -> struct_pb2.Value:
    message = struct_pb2.Value()
    json_format.ParseDict(value, message)
    return message


def _duration(ms: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(ms * 1e6))
    return duration


def event_message(event: events.Event) -> flow_pb2.ChatflowEvent:
    """A run event as its message; states travel by name (``succeeded`` is
    STATE_SUCCEEDED)."""
    match event:
        case events.Delta(text=text):
            return Event(delta=Event.Delta(text=text))
        case events.NodeStarted():
            return Event(node_started=pack(Event.NodeStarted, event))
        case events.NodeFinished():
            output, duration = _value(event.output), _duration(event.duration_ms)
            return Event(
                node_finished=pack(Event.NodeFinished, event, output=output, duration=duration)
            )
        case events.NodeRetry():
            delay = _duration(event.delay_ms)
            return Event(node_retry=pack(Event.NodeRetry, event, delay=delay))
        case events.LoopRoundStarted():
            return Event(loop_round_started=pack(Event.LoopRoundStarted, event))
        case events.LoopRoundFinished():
            variables = _struct(event.variables)
            return Event(
                loop_round_finished=pack(Event.LoopRoundFinished, event, variables=variables)
            )
        case events.Cited(citations=citations):
            return Event(
                citations=Event.Citations(citations=[scored_citation_message(c) for c in citations])
            )
        case events.Usage(prompt_tokens=p, completion_tokens=c):
            return Event(usage=usage_message(p, c))
        case events.Attested(verdict=verdict):
            return Event(attestation=verdict_message(verdict))
        case events.RunStarted():
            return Event(run_started=pack(Event.RunStarted, event))
        case events.RunFinished():
            return Event(run_finished=pack(Event.RunFinished, event))
    raise TypeError(event)


def run_message(run: RunView) -> flow_pb2.ChatflowRun:
    return pack(
        flow_pb2.ChatflowRun,
        run,
        inputs=_struct(run.inputs),
        node_runs=[
            pack(
                flow_pb2.ChatflowRun.NodeRun,
                n,
                output=_value(n.output),
                start_time=timestamp(n.started_at),
                duration=_duration(n.duration_ms),
            )
            for n in run.node_runs
        ],
        usage=usage_message(run.prompt_tokens, run.completion_tokens),
        attestation=None if run.verdict is None else verdict_message(run.verdict),
        start_time=timestamp(run.started_at),
        end_time=timestamp(run.ended_at),
    )


def _struct(value: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(value if isinstance(value, dict) else {}, message)
    return message


def session_message(view) -> bot_pb2.ChatSession:
    return pack(bot_pb2.ChatSession, view)


__all__ = ["chat_message", "session_message"]
