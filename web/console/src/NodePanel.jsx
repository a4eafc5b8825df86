// The side panel of the flow editor: the selected node's name and config, a control per
// field generated from its type's schema (catalog.json, the server's own): text, template,
// number, switch, choice, a list one per line, the workspace's knowledge bases as boxes,
// and JSON for structured fields. The server checks it all (ValidateChatflow).
import { useState } from "react";

import catalog from "./catalog.json";

const STRUCTURED = new Set(["obj", "any"]);

/** A field's value with `value` set, or removed when empty. */
function setField(config, key, value) {
  const next = { ...config };
  if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
}

export function NodePanel({ node, bases, issues, readOnly, onChange, onDelete }) {
  const type = catalog.node_types[node.data.type];
  const config = node.data.config ?? {};
  const fields = { ...type?.fields, ...catalog.common_node_fields };
  const update = (key, value) => onChange({ ...node.data, config: setField(config, key, value) });
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

function Field({ name, spec, value, bases, onChange }) {
  const label = `${name.replaceAll("_", " ")}${spec.required ? " *" : ""}`;
  if (name === "knowledge_bases")
    return (
      <fieldset>
        <legend>{label}</legend>
        {bases.map((kb) => (
          <label key={kb.name} className="row">
            <input
              type="checkbox"
              checked={(value ?? []).includes(kb.name)}
              onChange={(event) =>
                onChange(event.target.checked ? [...(value ?? []), kb.name] : (value ?? []).filter((each) => each !== kb.name))
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
        <select value={value ?? ""} onChange={(event) => onChange(event.target.value || undefined)}>
          <option value="">default</option>
          {spec.values.map((each) => (
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
          value={value ?? ""}
          onChange={(event) => onChange(event.target.value === "" ? undefined : Number(event.target.value))}
        />
      </label>
    );
  if (spec.kind === "list" && !STRUCTURED.has(spec.item.kind))
    return (
      <label>
        {label} (one per line)
        <textarea
          rows={2}
          value={(value ?? []).join("\n")}
          onChange={(event) => onChange(event.target.value.split("\n").filter((line) => line.trim()))}
        />
      </label>
    );
  if (spec.kind === "list" || STRUCTURED.has(spec.kind)) return <JsonField label={label} value={value} onChange={onChange} />;
  const Input = spec.kind === "template" ? "textarea" : "input";
  return (
    <label>
      {label}
      <Input
        rows={spec.kind === "template" ? 3 : undefined}
        maxLength={spec.max_len}
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value)}
      />
    </label>
  );
}

/** A structured field as JSON text: applied when it parses, said so when it does not. */
function JsonField({ label, value, onChange }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 1));
  const [bad, setBad] = useState(false);
  const edit = (event) => {
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
