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

STATES = {
    events.RUNNING: flow_pb2.ChatflowRun.STATE_RUNNING,
    events.SUCCEEDED: flow_pb2.ChatflowRun.STATE_SUCCEEDED,
    events.FAILED: flow_pb2.ChatflowRun.STATE_FAILED,
    events.CANCELLED: flow_pb2.ChatflowRun.STATE_CANCELLED,
}
SEVERITIES = {
    "error": flow_pb2.ValidationIssue.SEVERITY_ERROR,
    "warning": flow_pb2.ValidationIssue.SEVERITY_WARNING,
}
Event = flow_pb2.ChatflowEvent


def graph_record(message: flow_pb2.ChatflowGraph) -> dict:
    return {
        "nodes": [
            {
                "id": n.id,
                "type": n.type,
                "display_name": n.display_name,
                "config": json_format.MessageToDict(n.config),
                "position": [n.position.x, n.position.y],
                "parent_id": n.parent_id,
            }
            for n in message.nodes
        ],
        "edges": [
            {
                "id": e.id,
                "source": e.source,
                "source_handle": e.source_handle,
                "target": e.target,
                "target_handle": e.target_handle,
            }
            for e in message.edges
        ],
    }


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
    return flow_pb2.ChatflowVersion(
        name=version.name,
        number=version.number,
        graph=graph_message(version.content),
        publisher=resources.USER.name(version.publisher_id) if version.publisher_id else "",
        create_time=timestamp(version.created_at),
    )


def issue_message(issue: Issue) -> flow_pb2.ValidationIssue:
    return flow_pb2.ValidationIssue(
        severity=SEVERITIES[issue.severity],
        node_id=issue.node_id,
        edge_id=issue.edge_id,
        field=issue.field,
        message=issue.message,
        code=issue.code,
    )


def _value(value) -> struct_pb2.Value:
    message = struct_pb2.Value()
    json_format.ParseDict(value, message)
    return message


def _duration(ms: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(ms * 1e6))
    return duration


def event_message(event: events.Event) -> flow_pb2.ChatflowEvent:
    match event:
        case events.Delta(text=text):
            return Event(delta=Event.Delta(text=text))
        case events.NodeStarted():
            return Event(
                node_started=Event.NodeStarted(
                    node_id=event.node_id, node_type=event.node_type, path=event.path
                )
            )
        case events.NodeFinished():
            return Event(
                node_finished=Event.NodeFinished(
                    node_id=event.node_id,
                    node_type=event.node_type,
                    state=STATES[event.state],
                    output=_value(event.output),
                    error=event.error,
                    duration=_duration(event.duration_ms),
                    handle=event.handle,
                    path=event.path,
                    attempts=event.attempts,
                )
            )
        case events.NodeRetry():
            return Event(
                node_retry=Event.NodeRetry(
                    node_id=event.node_id,
                    node_type=event.node_type,
                    attempt=event.attempt,
                    error=event.error,
                    delay=_duration(event.delay_ms),
                    path=event.path,
                )
            )
        case events.LoopRoundStarted():
            return Event(
                loop_round_started=Event.LoopRoundStarted(
                    node_id=event.node_id, round=event.round, path=event.path
                )
            )
        case events.LoopRoundFinished():
            variables = struct_pb2.Struct()
            json_format.ParseDict(event.variables, variables)
            return Event(
                loop_round_finished=Event.LoopRoundFinished(
                    node_id=event.node_id, round=event.round, variables=variables, path=event.path
                )
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
            return Event(
                run_started=Event.RunStarted(
                    run=event.run, session=event.session, version=event.version
                )
            )
        case events.RunFinished():
            return Event(
                run_finished=Event.RunFinished(
                    state=STATES[event.state], error=event.error, output=event.output
                )
            )
    raise TypeError(event)


def run_message(run: RunView) -> flow_pb2.ChatflowRun:
    return flow_pb2.ChatflowRun(
        name=run.name,
        state=STATES[run.state],
        message=run.message,
        inputs=_struct(run.inputs),
        output=run.output,
        error=run.error,
        node_runs=[
            flow_pb2.ChatflowRun.NodeRun(
                node_id=n.node_id,
                node_type=n.node_type,
                state=STATES.get(n.state, 0),
                output=_value(n.output),
                error=n.error,
                start_time=timestamp(n.started_at),
                duration=_duration(n.duration_ms),
                attempts=n.attempts,
                handle=n.handle,
                path=n.path,
            )
            for n in run.node_runs
        ],
        usage=usage_message(run.prompt_tokens, run.completion_tokens),
        attestation=None if run.verdict is None else verdict_message(run.verdict),
        start_time=timestamp(run.started_at),
        end_time=timestamp(run.ended_at),
        session=run.session,
        version=run.version,
    )


def _struct(value: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(value if isinstance(value, dict) else {}, message)
    return message


def session_message(view) -> bot_pb2.ChatSession:
    return pack(bot_pb2.ChatSession, view)


__all__ = ["chat_message", "session_message"]
