// The side panel of the flow editor: the selected node's name and config, a control per
// field generated from its type's schema (catalog.json, the server's own): text, template,
// number, switch, choice, a list one per line, the workspace's knowledge bases as boxes,
// and JSON for structured fields. The server checks it all (ValidateChatflow).
import type { JsonObject, JsonValue, KnowledgeBase, ValidationIssue } from "@privexbot/client";
import { useState, type ChangeEvent } from "react";

import catalog from "./catalog.json";
import type { Step, StepData } from "./steps";

const STRUCTURED = new Set(["obj", "any"]);

/** A config field's schema, as the server's catalog states it. */
interface FieldSpec {
  kind: string;
  required?: boolean;
  values?: string[];
  min?: number;
  max?: number;
  max_len?: number;
  item?: FieldSpec;
}
const NODE_TYPES: Record<string, { doc: string; fields: Record<string, FieldSpec> }> = catalog.node_types;
const COMMON_FIELDS: Record<string, FieldSpec> = catalog.common_node_fields;

/** A field's value as a list of strings (absent or malformed: none). */
const strings = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.map(String) : []);

/** A field's value with `value` set, or removed when empty. */
function setField(config: JsonObject, key: string, value: JsonValue | undefined): JsonObject {
  const next = { ...config };
  if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
}

interface NodePanelProps {
  node: Step;
  bases: KnowledgeBase[];
  issues: ValidationIssue[];
  readOnly: boolean;
  onChange: (data: StepData) => void;
  onDelete: () => void;
}

export function NodePanel({ node, bases, issues, readOnly, onChange, onDelete }: NodePanelProps) {
  const type = NODE_TYPES[node.data.type];
  const config = node.data.config ?? {};
  const fields = { ...type?.fields, ...COMMON_FIELDS };
  const update = (key: string, value: JsonValue | undefined) => onChange({ ...node.data, config: setField(config, key, value) });
  return (
    <aside className="panel" aria-labelledby="panel-title">
      <h3 id="panel-title">
        {node.data.type} <code>{node.id}</code>
      </h3>
      <p className="doc">{type?.doc}</p>
      {issues.map((issue, i) => (
        <p key={i} role="alert">
          {issue.field && <code>{issue.field}</code>} {issue.message}
        </p>
      ))}
      <fieldset disabled={readOnly} className="plain">
        <label>
          Display name
          <input
            value={node.data.displayName ?? ""}
            maxLength={100}
            onChange={(event) => onChange({ ...node.data, displayName: event.target.value })}
          />
        </label>
        {Object.entries(fields).map(([key, spec]) => (
          <Field key={key} name={key} spec={spec} value={config[key]} bases={bases} onChange={(value) => update(key, value)} />
        ))}
        {!readOnly && node.data.type !== "start" && (
          <button type="button" onClick={onDelete}>
            Delete node
          </button>
        )}
      </fieldset>
    </aside>
  );
}

interface FieldProps {
  name: string;
  spec: FieldSpec;
  value: JsonValue | undefined;
  bases: KnowledgeBase[];
  onChange: (value: JsonValue | undefined) => void;
}

function Field({ name, spec, value, bases, onChange }: FieldProps) {
  const label = `${name.replaceAll("_", " ")}${spec.required ? " *" : ""}`;
  if (name === "knowledge_bases")
    return (
      <fieldset>
        <legend>{label}</legend>
        {bases.map((kb) => (
          <label key={kb.name} className="row">
            <input
              type="checkbox"
              checked={strings(value).includes(kb.name)}
              onChange={(event) =>
                onChange(event.target.checked ? [...strings(value), kb.name] : strings(value).filter((each) => each !== kb.name))
              }
            />{" "}
            {kb.displayName}
          </label>
        ))}
      </fieldset>
    );
  if (spec.kind === "bool")
    return (
      <label className="row">
        <input type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked || undefined)} />{" "}
        {label}
      </label>
    );
  if (spec.kind === "enum")
    return (
      <label>
        {label}
        <select value={String(value ?? "")} onChange={(event) => onChange(event.target.value || undefined)}>
          <option value="">default</option>
          {(spec.values ?? []).map((each) => (
            <option key={each}>{each}</option>
          ))}
        </select>
      </label>
    );
  if (spec.kind === "int" || spec.kind === "num")
    return (
      <label>
        {label}
        <input
          type="number"
          min={spec.min}
          max={spec.max}
          step={spec.kind === "int" ? 1 : "any"}
          value={typeof value === "number" ? value : ""}
          onChange={(event) => onChange(event.target.value === "" ? undefined : Number(event.target.value))}
        />
      </label>
    );
  if (spec.kind === "list" && !STRUCTURED.has(spec.item?.kind ?? ""))
    return (
      <label>
        {label} (one per line)
        <textarea
          rows={2}
          value={strings(value).join("\n")}
          onChange={(event) => onChange(event.target.value.split("\n").filter((line) => line.trim()))}
        />
      </label>
    );
  if (spec.kind === "list" || STRUCTURED.has(spec.kind)) return <JsonField label={label} value={value} onChange={onChange} />;
  const shown = typeof value === "string" ? value : "";
  return (
    <label>
      {label}
      {spec.kind === "template" ? (
        <textarea rows={3} maxLength={spec.max_len} value={shown} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input maxLength={spec.max_len} value={shown} onChange={(event) => onChange(event.target.value)} />
      )}
    </label>
  );
}

/** A structured field as JSON text: applied when it parses, said so when it does not. */
interface JsonFieldProps {
  label: string;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
}

function JsonField({ label, value, onChange }: JsonFieldProps) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 1));
  const [bad, setBad] = useState(false);
  const edit = (event: ChangeEvent<HTMLTextAreaElement>) => {
    setText(event.target.value);
    try {
      onChange(event.target.value.trim() ? JSON.parse(event.target.value) : undefined);
      setBad(false);
    } catch {
      setBad(true);
    }
  };
  return (
    <label>
      {label} (JSON)
      <textarea rows={3} value={text} onChange={edit} aria-invalid={bad} />
      {bad && <span role="alert">Not valid JSON yet: the last valid value is kept.</span>}
    </label>
  );
}
