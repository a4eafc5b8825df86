// A saved chatflow's publishing and history: publish the working graph as a new version,
// roll back to an older one, and its runs (each one's node inputs and outputs on demand).
import { ChatflowRun_State, type Chatflow, type ChatflowRun, type ChatflowVersion } from "@privexbot/client";
import { useCallback, useEffect, useState } from "react";

import { useAction } from "./action";
import { names, when } from "./format";
import type { Can } from "./permissions";
import { call, client } from "./session";
import { TableHead } from "./Table";

const RUN_STATE = names(ChatflowRun_State);

interface FlowRunsProps {
  chatflow: Chatflow;
  can: Can;
  onSubject: (chatflow: Chatflow) => void;
}

export function FlowRuns({ chatflow, can, onSubject }: FlowRunsProps) {
  const [versions, setVersions] = useState<ChatflowVersion[]>([]);
  const [runs, setRuns] = useState<ChatflowRun[]>([]);
  const [detail, setDetail] = useState<ChatflowRun | null>(null);
  const [error, act] = useAction();

  const load = useCallback(
    () =>
      act(async () => {
        setVersions((await call(() => client.flow.listChatflowVersions({ parent: chatflow.name }))).chatflowVersions);
        setRuns((await call(() => client.flow.listChatflowRuns({ parent: chatflow.name, pageSize: 20 }))).chatflowRuns);
      }),
    [act, chatflow.name],
  );
  useEffect(() => {
    load();
  }, [load]);

  const publishing = (fn: () => Promise<Chatflow>) =>
    act(async () => {
      onSubject(await call(fn));
      await load();
    });
  const mayPublish = can("chatflow.update");
  return (
    <section aria-labelledby="versions-title">
      {error && <p role="alert">{error}</p>}
      <h3 id="versions-title">Versions</h3>
      <p data-testid="flow-published">
        {chatflow.publishedVersion ? `Published version ${chatflow.publishedVersion}` : "Not published"}
      </p>
      {mayPublish && (
        <button onClick={() => publishing(() => client.flow.publishChatflow({ name: chatflow.name, etag: chatflow.etag }))}>
          Publish
        </button>
      )}
      <ul aria-label="Versions">
        {versions.map((version) => (
          <li key={version.name}>
            Version {version.number}, {when(version.createTime)}{" "}
            {mayPublish && version.number !== chatflow.publishedVersion && (
              <button
                className="secondary"
                onClick={() =>
                  publishing(() =>
                    client.flow.rollbackChatflow({ name: chatflow.name, version: version.number, etag: chatflow.etag }),
                  )
                }
              >
                Roll back to {version.number}
              </button>
            )}
          </li>
        ))}
      </ul>
      <h3>Runs</h3>
      <ul aria-label="Runs">
        {runs.map((run) => (
          <li key={run.name}>
            <button
              className="link"
              onClick={() => act(async () => setDetail(await call(() => client.flow.getChatflowRun({ name: run.name }))))}
            >
              {when(run.startTime)}: {RUN_STATE[run.state]}, “{run.message}”
            </button>
          </li>
        ))}
        {runs.length === 0 && <li>No run of a published version yet.</li>}
      </ul>
      {detail && (
        <table>
          <TableHead
            caption={`Run of ${when(detail.startTime)}: the nodes in the order they ran`}
            columns={["Node", "State", "Output"]}
          />
          <tbody>
            {detail.nodeRuns.map((node, i) => (
              <tr key={i}>
                <td>
                  {node.path}
                  {node.nodeId} ({node.nodeType})
                </td>
                <td>{RUN_STATE[node.state]}</td>
                <td>
                  <code>{node.error || JSON.stringify(node.output)?.slice(0, 300)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
