// A chatbot's configuration as a form (the draft's and, later, the chatbot's working one):
// name, description, instructions, model, temperature, reply length, grounding, memory,
// greeting, knowledge bases, allowed origins, lead capture, colour. Disabled read-only.
import {
  GroundingMode,
  LeadCapture_Mode,
  type ChatbotConfig,
  type ChatbotConfigSchema,
  type KnowledgeBase,
  type MessageInitShape,
  type Model,
} from "@privexbot/client";
import type { FormEvent } from "react";

import { names, text } from "./format";

const GROUNDING = names(GroundingMode);
const LEAD = names(LeadCapture_Mode);
const optionalNumber = (value: string) => (value === "" ? undefined : Number(value));

export type ConfigInit = MessageInitShape<typeof ChatbotConfigSchema>;

/** The ChatbotConfig a submitted form describes, over `base` (fields the form does not show). */
export function configFrom(form: FormData, base?: ChatbotConfig): ConfigInit {
  const { $typeName: _, ...kept } = base ?? ({} as Partial<ChatbotConfig>);
  return {
    ...kept,
    displayName: text(form, "displayName"),
    description: text(form, "description"),
    systemPrompt: text(form, "systemPrompt"),
    model: text(form, "model"),
    temperature: optionalNumber(text(form, "temperature")),
    maxTokens: optionalNumber(text(form, "maxTokens")),
    groundingMode: Number(text(form, "groundingMode")),
    memoryWindow: optionalNumber(text(form, "memoryWindow")),
    greeting: text(form, "greeting"),
    knowledgeBases: form.getAll("knowledgeBases").map(String),
    allowedOrigins: text(form, "allowedOrigins")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean),
    leadCapture: {
      mode: Number(text(form, "leadCapture")),
      requireConsent: base?.leadCapture?.requireConsent,
      consentText: base?.leadCapture?.consentText,
      fields: leadFields(text(form, "leadFields")),
      emailOptional: form.get("emailOptional") === "on",
    },
    appearance: withColour(base?.appearance ?? {}, text(form, "primaryColor").trim()),
  };
}

/** Lead fields written one per line as `key | label | required`. */
function leadFields(lines: string): { key: string; label: string; required: boolean }[] {
  return lines
    .split("\n")
    .map((line) => line.split("|").map((part) => part.trim()))
    .filter(([key]) => key)
    .map(([key, label = "", required = ""]) => ({ key, label, required: required === "required" }));
}

function leadFieldLines(config?: ChatbotConfig): string {
  return (config?.leadCapture?.fields ?? [])
    .map((field) => [field.key, field.label, field.required ? "required" : ""].join(" | ").replace(/ \| $/, ""))
    .join("\n");
}

function withColour(appearance: Record<string, string>, colour: string) {
  const { primary_color: _, ...rest } = appearance;
  return colour ? { ...rest, primary_color: colour } : rest;
}

interface ConfigFormProps {
  config?: ChatbotConfig;
  bases: KnowledgeBase[];
  models: Model[];
  disabled?: boolean;
  submitLabel: string;
  onSubmit: (config: ConfigInit) => void;
}

export function ConfigForm({ config, bases, models, disabled, submitLabel, onSubmit }: ConfigFormProps) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSubmit(configFrom(new FormData(event.currentTarget), config));
  };
  return (
    <form onSubmit={submit} aria-label="Configuration">
      <fieldset disabled={disabled} className="plain">
        <label>
          Name
          <input name="displayName" required maxLength={100} defaultValue={config?.displayName} />
        </label>
        <label>
          Description
          <input name="description" maxLength={1000} defaultValue={config?.description} />
        </label>
        <label>
          Instructions
          <textarea name="systemPrompt" rows={3} maxLength={8000} defaultValue={config?.systemPrompt} />
        </label>
        <div className="row">
          <label>
            Model
            <select name="model" defaultValue={config?.model ?? ""}>
              <option value="">Default</option>
              {models.map((model) => (
                <option key={model.id} value={model.id}>
                  {model.displayName || model.id}
                </option>
              ))}
            </select>
          </label>
          <label>
            Temperature
            <input name="temperature" type="number" min={0} max={2} step={0.1} defaultValue={config?.temperature ?? ""} />
          </label>
          <label>
            Max reply tokens
            <input name="maxTokens" type="number" min={1} max={8192} defaultValue={config?.maxTokens ?? 64} />
          </label>
          <label>
            Grounding
            <select name="groundingMode" defaultValue={config?.groundingMode ?? 0}>
              {Object.entries(GROUNDING).map(([value, name]) => (
                <option key={value} value={value}>
                  {Number(value) ? name : "default (guided)"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Memory (messages)
            <input name="memoryWindow" type="number" min={0} max={100} defaultValue={config?.memoryWindow ?? ""} />
          </label>
        </div>
        <label>
          Greeting
          <input name="greeting" maxLength={1000} defaultValue={config?.greeting} />
        </label>
        <fieldset>
          <legend>Knowledge bases</legend>
          {bases.map((kb) => (
            <label key={kb.name} className="row">
              <input
                type="checkbox"
                name="knowledgeBases"
                value={kb.name}
                defaultChecked={config?.knowledgeBases.includes(kb.name)}
              />{" "}
              {kb.displayName}
            </label>
          ))}
          {bases.length === 0 && <p>No knowledge base in this workspace.</p>}
        </fieldset>
        <label>
          Allowed origins (one per line, e.g. https://shop.example.com)
          <textarea name="allowedOrigins" rows={2} defaultValue={(config?.allowedOrigins ?? []).join("\n")} />
        </label>
        <div className="row">
          <label>
            Lead capture
            <select name="leadCapture" defaultValue={config?.leadCapture?.mode ?? 0}>
              {Object.entries(LEAD).map(([value, name]) => (
                <option key={value} value={value}>
                  {Number(value) ? name.replaceAll("_", " ") : "default (off)"}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" name="emailOptional" defaultChecked={config?.leadCapture?.emailOptional ?? false} /> Email optional
          </label>
          <label>
            Widget colour
            <input name="primaryColor" maxLength={32} placeholder="#1f5fbf" defaultValue={config?.appearance?.primary_color ?? ""} />
          </label>
        </div>
        <label>
          Lead fields (one per line: key | label | required, e.g. phone | Phone number | required)
          <textarea name="leadFields" rows={2} defaultValue={leadFieldLines(config)} />
        </label>
        {!disabled && <button type="submit">{submitLabel}</button>}
      </fieldset>
    </form>
  );
}
