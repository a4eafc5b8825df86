// The chatflow editor: a canvas (@xyflow/react) of a draft's or chatflow's graph. Nodes come
// from a palette (click, or drag onto the canvas), are connected by their handles, deleted
// (button or the Delete key), configured in the side panel (NodePanel.tsx). Validate shows
// the server's issues on the nodes they name; Run streams a test run (ExecuteChatflow on a
// draft) and lights each node up as its events arrive; then finalize, publish, roll back.
import {
  addEdge,
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeProps,
} from "@xyflow/react";
import xyflowStyle from "@xyflow/react/dist/style.css?inline";
import {
  ChatflowRun_State,
  ValidationIssue_Severity,
  type Chatflow,
  type ChatflowDraft,
  type ChatflowGraph,
  type KnowledgeBase,
  type ValidateChatflowResponse,
} from "@privexbot/client";
import { useCallback, useMemo, useRef, useState, type DragEvent, type FormEvent } from "react";

import { useAction } from "./action";
import catalog from "./catalog.json";
import { FlowRuns } from "./FlowRuns";
import { names, text } from "./format";
import { NodePanel } from "./NodePanel";
import type { Can } from "./permissions";
import { call, client, message } from "./session";
import type { Step, StepData } from "./steps";

// The canvas library's stylesheet, in this one script (Envoy serves the page and one file).
document.head.append(Object.assign(document.createElement("style"), { textContent: xyflowStyle }));

const RUN_STATE = names(ChatflowRun_State);

/** A test run as the editor shows it: its state, the answer so far, its error and events. */
interface TestRun {
  state: string;
  output: string;
  error: string;
  events: string[];
}
const NODE_DOCS: Record<string, { doc: string }> = catalog.node_types;
const TYPES = Object.keys(NODE_DOCS);

/** The output handles a node's edges may leave by ("" when it has one output). */
function handlesOf(data: StepData): string[] {
  const ids = (list: unknown) =>
    (Array.isArray(list) ? (list as { id?: unknown }[]) : [])
      .filter((each) => each && typeof each.id === "string" && each.id)
      .map((each) => each.id as string);
  if (data.type === "condition") return [...ids(data.config.cases), "else"];
  if (data.type === "classifier") return ids(data.config.categories);
  return [""];
}

function StepView({ id, data, selected }: NodeProps<Step>) {
  const errors = data.issues ?? [];
  return (
    <div
      className={`step ${data.state ?? ""} ${errors.length ? "invalid" : ""} ${selected ? "selected" : ""}`}
      data-state={data.state ?? "idle"}
    >
      {data.type !== "start" && <Handle type="target" position={Position.Top} />}
      <strong>{data.displayName || data.type}</strong> <code>{id}</code>
      {data.state && <span className="badge">{data.state}</span>}
      {errors.map((issue, i) => (
        <p key={i} className="issue">
          {issue.field && `${issue.field}: `}
          {issue.message}
        </p>
      ))}
      {handlesOf(data).map((handle, i, all) => (
        <Handle
          key={handle || "out"}
          id={handle || undefined}
          type="source"
          position={Position.Bottom}
          style={{ left: `${((i + 1) * 100) / (all.length + 1)}%` }}
          title={handle}
        />
      ))}
    </div>
  );
}
const NODE_TYPES = { step: StepView };

export const fromGraph = (graph?: ChatflowGraph): { nodes: Step[]; edges: Edge[] } => ({
  nodes: (graph?.nodes ?? []).map((node, i) => ({
    id: node.id,
    type: "step",
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? i * 120 },
    data: { type: node.type, displayName: node.displayName, config: node.config ?? {} },
  })),
  edges: (graph?.edges ?? []).map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle || null,
  })),
});

const toGraph = (nodes: Step[], edges: Edge[]) => ({
  nodes: nodes.map((node) => ({
    id: node.id,
    type: node.data.type,
    displayName: node.data.displayName ?? "",
    config: node.data.config ?? {},
    position: { x: node.position.x, y: node.position.y },
  })),
  edges: edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? "",
  })),
});

interface EditorProps {
  subject: Chatflow | ChatflowDraft;
  workspace: string;
  bases: KnowledgeBase[];
  can: Can;
  onSubject: (subject: Chatflow | ChatflowDraft) => void;
}

export function FlowEditor(props: EditorProps) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}

/** `subject`: the draft or chatflow being edited; `onSubject` hears of its next state. */
function Editor({ subject, workspace, bases, can, onSubject }: EditorProps) {
  const isDraft = subject.name.includes("/chatflowDrafts/");
  const initial = useMemo(() => fromGraph(subject.graph), [subject.name]);
  const [nodes, setNodes, onNodesChange] = useNodesState(initial.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState(initial.edges);
  const [selected, setSelected] = useState("");
  const [problems, setProblems] = useState<ValidateChatflowResponse | null>(null); // the last validation
  const [run, setRun] = useState<TestRun | null>(null);
  const testDraft = useRef("");
  const counter = useRef(nodes.length);
  const { screenToFlowPosition } = useReactFlow();
  const [error, act] = useAction();
  const readOnly = !can("chatflow.update");

  const issuesOf = (id: string) => (problems?.issues ?? []).filter((issue) => issue.nodeId === id);
  const view = nodes.map((node) => ({ ...node, data: { ...node.data, issues: issuesOf(node.id) } }));
  const viewEdges = edges.map((edge) =>
    (problems?.issues ?? []).some((issue) => issue.edgeId === edge.id) ? { ...edge, className: "invalid" } : edge,
  );

  const add = (type: string, position?: { x: number; y: number }) => {
    let id: string;
    do id = `${type}${++counter.current}`;
    while (nodes.some((node) => node.id === id));
    const at = position ?? { x: 40 + (nodes.length % 3) * 30, y: nodes.length * 110 };
    setNodes((all) => [...all, { id, type: "step", position: at, data: { type, config: {} } }]);
    setSelected(id);
  };
  const onConnect = useCallback(
    (connection: Connection) =>
      setEdges((all) =>
        addEdge({ ...connection, id: `e-${connection.source}-${connection.sourceHandle || "out"}-${connection.target}` }, all),
      ),
    [setEdges],
  );
  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    const type = event.dataTransfer.getData("application/x-privexbot-node");
    if (TYPES.includes(type)) add(type, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  const graph = () => toGraph(nodes, edges);
  const save = async () => {
    const next = isDraft
      ? await call(() =>
          client.flow.updateChatflowDraft({ chatflowDraft: { name: subject.name, graph: graph() }, updateMask: { paths: ["graph"] } }),
        )
      : await call(() =>
          client.flow.updateChatflow({
            chatflow: { name: subject.name, graph: graph(), etag: subject.etag },
            updateMask: { paths: ["graph"] },
          }),
        );
    onSubject(next);
    return next;
  };
  const validate = () =>
    act(async () => setProblems(await call(() => client.flow.validateChatflow({ parent: workspace, subject: { case: "graph", value: graph() } }))));

  /** A draft to test-run: this draft, saved; or, for a chatflow, a scratch draft of the canvas. */
  const runnable = async () => {
    if (isDraft) return (await save()).name;
    if (!testDraft.current) {
      const made = await call(() =>
        client.flow.createChatflowDraft({ parent: workspace, chatflowDraft: { displayName: `${subject.displayName} (test)`, graph: graph() } }),
      );
      testDraft.current = made.name;
    } else
      await call(() =>
        client.flow.updateChatflowDraft({ chatflowDraft: { name: testDraft.current, graph: graph() }, updateMask: { paths: ["graph"] } }),
      );
    return testDraft.current;
  };

  const mark = (id: string, state: string) =>
    setNodes((all) => all.map((node) => (node.id === id ? { ...node, data: { ...node.data, state } } : node)));
  const start = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const question = text(new FormData(event.currentTarget), "message");
    act(async () => {
      setNodes((all) => all.map((node) => ({ ...node, data: { ...node.data, state: undefined } })));
      setRun({ state: "running", output: "", error: "", events: [] });
      const log = (line: string) => setRun((so) => so && { ...so, events: [...so.events, line] });
      try {
        const name = await runnable();
        for await (const item of client.flow.executeChatflow({ name, message: question })) {
          const { case: kind, value } = item.event;
          if (kind === "nodeStarted") {
            mark(value.nodeId, "running");
            log(`${value.nodeId} started`);
          } else if (kind === "nodeFinished") {
            mark(value.nodeId, RUN_STATE[value.state]);
            log(`${value.nodeId} ${RUN_STATE[value.state]}${value.error ? `: ${value.error}` : ""}`);
          } else if (kind === "delta") setRun((so) => so && { ...so, output: so.output + value.text });
          else if (kind === "runFinished")
            setRun((so) => so && { ...so, state: RUN_STATE[value.state], error: value.error, output: value.output || so.output });
        }
      } catch (caught) {
        setRun((so) => so && { ...so, state: "failed", error: message(caught) });
      }
    });
  };

  const current = nodes.find((node) => node.id === selected);
  const errors = (problems?.issues ?? []).filter((issue) => issue.severity === ValidationIssue_Severity.ERROR);
  return (
    <div className="editor">
      {error && <p role="alert">{error}</p>}
      {!readOnly && (
        <div className="row palette" aria-label="Node palette" role="toolbar">
          {TYPES.map((type) => (
            <button
              key={type}
              draggable
              className="secondary"
              onDragStart={(event) => event.dataTransfer.setData("application/x-privexbot-node", type)}
              onClick={() => add(type)}
              title={NODE_DOCS[type].doc}
            >
              Add {type}
            </button>
          ))}
        </div>
      )}
      <div className="row">
        {!readOnly && <button onClick={() => act(save)}>Save</button>}
        <button onClick={validate}>Validate</button>
        {problems && (
          <span data-testid="validation" role="status">
            {problems.valid && errors.length === 0 ? "No problems found" : `${errors.length} problem(s)`}
          </span>
        )}
      </div>
      {(problems?.issues ?? [])
        .filter((issue) => !issue.nodeId && !issue.edgeId)
        .map((issue, i) => (
          <p key={i} role="alert">
            {issue.message}
          </p>
        ))}
      <div className="flow-area">
        <div className="canvas" onDragOver={(event) => event.preventDefault()} onDrop={drop} data-testid="canvas">
          <ReactFlow
            nodes={view}
            edges={viewEdges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onNodeClick={(_, node) => setSelected(node.id)}
            onPaneClick={() => setSelected("")}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
            fitView
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        {current && (
          <NodePanel
            key={current.id}
            node={current}
            bases={bases}
            issues={issuesOf(current.id)}
            readOnly={readOnly}
            onChange={(data: StepData) => setNodes((all) => all.map((node) => (node.id === current.id ? { ...node, data } : node)))}
            onDelete={() => {
              setNodes((all) => all.filter((node) => node.id !== current.id));
              setEdges((all) => all.filter((edge) => edge.source !== current.id && edge.target !== current.id));
              setSelected("");
            }}
          />
        )}
      </div>
      {can("chatflow.create") && (
        <form onSubmit={start} className="row" aria-label="Test run">
          <label>
            Run with message
            <input name="message" maxLength={4000} required />
          </label>
          <button type="submit" disabled={run?.state === "running"}>
            Run
          </button>
        </form>
      )}
      {run && (
        <section aria-labelledby="run-title">
          <h3 id="run-title">
            Test run: <span data-testid="run-state">{run.state}</span>
          </h3>
          <p data-testid="run-output" aria-live="polite">
            {run.output}
          </p>
          {run.error && <p role="alert">{run.error}</p>}
          <ol aria-label="Run events">
            {run.events.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ol>
        </section>
      )}
      {subject.$typeName === "privexbot.v1.Chatflow" && <FlowRuns chatflow={subject} can={can} onSubject={onSubject} />}
    </div>
  );
}
