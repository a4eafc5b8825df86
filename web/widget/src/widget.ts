// The embeddable chat widget. One script tag adds a launcher and a chat panel to any page,
// inside a Shadow DOM:
//
//   <script src="https://edge.example/widget/widget.js" async
//     data-chatbot="organizations/…/workspaces/…/chatbots/…" data-key="pxbpk_…"></script>
//
// It talks to the platform through the SDK over gRPC-Web (the script's own origin, or
// data-api) with the chatbot's publishable key: GetChatbotWidget for the greeting, look
// and lead capture; Chat for streamed replies; SubmitFeedback for thumbs. Nothing it does
// may throw into the host page: every failure becomes a sentence in the panel.
import { chat } from "../../../clients/typescript/src/streams.js";
import { Code, PrivexBotError } from "../../../clients/typescript/src/errors.js";
import { createClient, createTransport, type Client } from "../../../clients/typescript/src/index.js";
import { AttestationVerdict_State } from "../../../clients/typescript/src/gen/privexbot/v1/common_pb.js";
import {
  BotService,
  Feedback_Rating,
  LeadCapture_Mode,
  type ChatbotWidget,
} from "../../../clients/typescript/src/gen/privexbot/v1/bot_pb.js";
import type { ScoredCitation } from "../../../clients/typescript/src/gen/privexbot/v1/knowledge_pb.js";
import { describe } from "./messages.js";
import { Store, type Entry } from "./store.js";
import { CSS } from "./styles.js";

const CHATBOT = /^organizations\/[a-z0-9-]+\/workspaces\/[a-z0-9-]+\/chatbots\/[a-z0-9-]+$/;
const COLOR = /^#[0-9a-fA-F]{3,8}$/;

type Attrs = Record<string, string | boolean>;

// Icons as SVG paths (no emoji font needed): a speech bubble, a thumb up.
const BUBBLE = "M4 3h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H9l-5 4v-4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z";
const THUMB =
  "M2 10h4v11H2zM8 21h9.2a2 2 0 0 0 1.9-1.5l1.8-7A2 2 0 0 0 19 10h-5l.8-4a1.8 1.8 0 0 0-.5-1.6L13 3 7.6 8.6A2 2 0 0 0 7 10v9a2 2 0 0 0 1 2z";

function icon(path: string, flip = false): SVGSVGElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  if (flip) svg.setAttribute("transform", "rotate(180)");
  const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "currentColor");
  svg.append(shape);
  return svg;
}

/** An element with attributes and children (strings become text, never HTML). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) element.setAttribute(name, "");
    else if (value !== false) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

function verdictWords(state: AttestationVerdict_State): string {
  if (state === AttestationVerdict_State.ATTESTED) return "Attested: answered inside a verified Secret VM";
  if (state === AttestationVerdict_State.UNATTESTED_DEVELOPMENT) return "Not attested — development";
  return "Not attested: verification failed";
}

function citationWords({ citation }: ScoredCitation): string {
  if (!citation) return "";
  const heading = citation.headingPath.length ? ` › ${citation.headingPath.join(" › ")}` : "";
  const page = citation.page ? ` · p. ${citation.page}` : "";
  return `${citation.documentDisplayName}${heading}${page}`;
}

class Widget {
  private readonly bot: Client<typeof BotService>;
  private readonly store: Store;
  private readonly root: ShadowRoot;
  private readonly frame = h("div", { class: "auto" });
  private readonly panel = h("section", { class: "panel", role: "dialog", "aria-label": "Chat", hidden: true });
  private readonly title = h("h2", {}, "Chat");
  private readonly launcher = h("button", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false" }, icon(BUBBLE));
  private readonly log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions text" });
  private readonly error = h("p", { class: "error", role: "alert" });
  private readonly input = h("textarea", { rows: "1", placeholder: "Ask a question…", "aria-label": "Your message", maxlength: "4000" });
  private readonly send = h("button", { class: "send", type: "submit" }, "Send");
  private readonly form = h("form", { class: "ask" }, this.input, this.send);
  private readonly leadForm = h("form", { class: "lead", hidden: true, "aria-label": "Your contact details" });
  private config: ChatbotWidget | undefined;
  private lead: { email: string; displayName: string; consent: boolean; fields: Record<string, string> } | undefined;
  private running: AbortController | undefined;

  constructor(
    private readonly chatbot: string,
    publishableKey: string,
    baseUrl: string,
    host: HTMLElement,
  ) {
    const transport = createTransport(baseUrl, { publishableKey });
    this.bot = createClient(BotService, transport);
    this.store = new Store(chatbot);
    this.root = host.attachShadow({ mode: "open" });
    const close = h("button", { type: "button", "aria-label": "Close chat" }, "×");
    this.panel.append(h("header", {}, this.title, close), this.log, this.error, this.leadForm, this.form);
    this.frame.append(this.panel, this.launcher);
    this.root.append(h("style", {}, CSS), this.frame);
    this.launcher.addEventListener("click", () => this.toggle(this.panel.hidden));
    close.addEventListener("click", () => this.toggle(false));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      // While a reply streams, the button stops it; Enter does nothing.
      if (this.running) {
        if (event.submitter === this.send) this.running.abort();
        return;
      }
      void this.ask();
    });
    for (const entry of this.store.state.entries) this.render(entry);
  }

  /** Reads the chatbot's published look; shows why when it cannot. */
  async load(): Promise<void> {
    let config: ChatbotWidget;
    try {
      config = await this.bot.getChatbotWidget({ name: `${this.chatbot}/widget` });
    } catch (error) {
      this.refuse(describe(error));
      return;
    }
    this.config = config;
    const { appearance, displayName, greeting } = config;
    const theme = appearance.theme;
    this.frame.className = theme === "dark" || theme === "light" ? theme : "auto";
    const accent = COLOR.test(appearance.primary_color ?? "") ? appearance.primary_color : "#1f6feb";
    this.frame.style.setProperty("--accent", accent);
    this.frame.style.setProperty("--on-accent", appearance.text_color && COLOR.test(appearance.text_color) ? appearance.text_color : "#ffffff");
    if (appearance.position === "bottom-left") (this.root.host as HTMLElement).dataset.position = "bottom-left";
    this.title.textContent = displayName || "Chat";
    this.panel.setAttribute("aria-label", displayName || "Chat");
    if (greeting && !this.store.state.entries.length) {
      this.log.prepend(h("div", { class: "msg assistant greeting" }, greeting));
    }
    if (config.leadCapture?.mode === LeadCapture_Mode.BEFORE_CHAT && !this.store.state.leadGiven) this.askForLead();
  }

  private toggle(open: boolean, focus = true): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    if (!focus) return;
    const field = this.leadForm.hidden ? this.input : (this.leadForm.querySelector("input") ?? this.input);
    (open ? field : this.launcher).focus();
  }

  private fail(error: unknown): void {
    this.error.textContent = describe(error);
  }

  /** The chat cannot work here: say why, with the panel open (focus stays with the page). */
  refuse(sentence: string): void {
    this.error.textContent = sentence;
    this.form.hidden = true;
    this.toggle(true, false);
  }

  /** The lead capture form: email (unless optional), name, the chatbot's own fields and
   * (when asked) consent. */
  private askForLead(): void {
    const capture = this.config?.leadCapture;
    if (!this.leadForm.hidden || !capture) return;
    const emailHint = capture.emailOptional ? "Email (optional)" : "Email";
    const email = h("input", { type: "email", required: !capture.emailOptional, "aria-label": "Email", placeholder: emailHint, autocomplete: "email" });
    const name = h("input", { type: "text", "aria-label": "Name", placeholder: "Name (optional)", autocomplete: "name" });
    const fields = capture.fields.map((field) => {
      const label = field.label || field.key;
      const hint = field.required ? label : `${label} (optional)`;
      return [field.key, h("input", { type: "text", required: field.required, maxlength: "500", "aria-label": label, placeholder: hint })] as const;
    });
    const consent = h("input", { type: "checkbox", required: capture.requireConsent });
    const before = capture.mode === LeadCapture_Mode.BEFORE_CHAT;
    this.leadForm.replaceChildren(
      h("label", {}, before ? "Leave your contact details to start the chat." : "Want a follow-up? Leave your contact details."),
      email,
      name,
      ...fields.map(([, input]) => input),
      ...(capture.requireConsent ? [h("label", {}, consent, " ", capture.consentText || "I agree to be contacted.")] : []),
      h("button", { class: "send", type: "submit" }, "Continue"),
    );
    this.leadForm.hidden = false;
    this.form.hidden = before;
    this.leadForm.onsubmit = (event) => {
      event.preventDefault();
      const values = Object.fromEntries(fields.map(([key, input]) => [key, input.value.trim()]).filter(([, value]) => value));
      this.lead = { email: email.value.trim(), displayName: name.value.trim(), consent: consent.checked, fields: values };
      this.leadForm.hidden = true;
      this.form.hidden = false;
      this.input.focus();
    };
  }

  /** One bubble per entry; an assistant's citations, verdict and thumbs under it. */
  private render(entry: Entry): { text: HTMLElement; bubble: HTMLElement } {
    const text = h("span", { class: "text" }, entry.text);
    const bubble = h("div", { class: `msg ${entry.role}` }, text);
    this.log.append(bubble);
    if (entry.role === "assistant") this.decorate(bubble, entry);
    return { text, bubble };
  }

  private decorate(bubble: HTMLElement, entry: Entry): void {
    bubble.querySelector(".meta")?.remove();
    const meta = h("div", { class: "meta" });
    if (entry.citations?.length) {
      meta.append(h("div", {}, "Sources:"), h("ul", { class: "citations" }, ...entry.citations.map((c) => h("li", {}, c))));
    }
    if (entry.verdict) meta.append(h("span", { class: "verdict" }, entry.verdict));
    if (entry.message) {
      const rate = h("div", { class: "rate", role: "group", "aria-label": "Rate this answer" });
      for (const [rating, label, flip] of [
        [Feedback_Rating.THUMBS_UP, "Helpful", false],
        [Feedback_Rating.THUMBS_DOWN, "Not helpful", true],
      ] as const) {
        const button = h("button", { type: "button", "aria-label": label, "aria-pressed": String(entry.rating === rating) }, icon(THUMB, flip));
        button.addEventListener("click", () => void this.rate(entry, rating, bubble));
        rate.append(button);
      }
      meta.append(rate);
    }
    if (meta.childNodes.length) bubble.append(meta);
  }

  private async rate(entry: Entry, rating: Feedback_Rating, bubble: HTMLElement): Promise<void> {
    try {
      await this.bot.submitFeedback({ name: entry.message, rating, visitorId: this.store.state.visitor });
      entry.rating = rating;
      this.store.save();
      this.decorate(bubble, entry);
      this.error.textContent = "";
    } catch (error) {
      this.fail(error);
    }
  }

  /** Sends the question and streams the reply into the log as it arrives. */
  private async ask(): Promise<void> {
    const question = this.input.value.trim();
    if (!question || !this.config) {
      if (!this.config) this.error.textContent ||= "The chat is still loading.";
      return;
    }
    const state = this.store.state;
    this.error.textContent = "";
    this.input.value = "";
    const asked: Entry = { role: "user", text: question };
    const answer: Entry = { role: "assistant", text: "" };
    this.render(asked);
    const { text, bubble } = this.render(answer);
    bubble.setAttribute("aria-busy", "true");
    this.running = new AbortController();
    this.send.textContent = "Stop";
    let cited: ScoredCitation[] = [];
    try {
      for await (const event of chat(
        { bot: this.bot },
        { name: this.chatbot, session: state.session, message: question, visitorId: state.visitor, lead: this.lead },
        { signal: this.running.signal },
      )) {
        switch (event.type) {
          case "sessionStarted":
            state.session = event.value.session;
            break;
          case "delta":
            answer.text += event.value.text;
            text.textContent = answer.text;
            break;
          case "citations":
            cited = event.value.citations;
            break;
          case "attestation":
            answer.verdict = verdictWords(event.value.state);
            break;
          case "done":
            answer.message = event.value.message;
            break;
        }
      }
      answer.citations = [...new Set(cited.map(citationWords).filter(Boolean))];
      if (this.lead) state.leadGiven = true;
      this.lead = undefined;
      state.entries.push(asked, answer);
      this.store.save();
      this.decorate(bubble, answer);
      if (this.config.leadCapture?.mode === LeadCapture_Mode.DURING_CHAT && !state.leadGiven) this.askForLead();
    } catch (error) {
      if (!answer.text) bubble.remove();
      const failed = PrivexBotError.from(error);
      this.fail(failed);
      const badLead = failed.fieldViolations.some((violation) => violation.field.startsWith("lead."));
      if (badLead || failed.reason === "LEAD_REQUIRED" || failed.reason === "CONSENT_REQUIRED") {
        this.lead = undefined;
        this.input.value = question;
        this.askForLead();
      } else if (failed.code === Code.NotFound && state.session) {
        // The kept session is gone (deleted with its chatbot's history): start afresh.
        state.session = "";
        state.entries = [];
        this.store.save();
        this.log.replaceChildren();
        this.input.value = question;
        this.error.textContent = "That conversation has ended. Please send your question again.";
      }
    } finally {
      bubble.removeAttribute("aria-busy");
      this.running = undefined;
      this.send.textContent = "Send";
    }
  }
}

/** Mounts the widget for `script`; a wrong attribute is shown in words, not thrown. */
function mount(script: HTMLScriptElement): void {
  const host = h("div", { id: "privexbot-widget" });
  document.body.append(host);
  const chatbot = script.dataset.chatbot ?? "";
  const key = script.dataset.key ?? "";
  const baseUrl = script.dataset.api || new URL(script.src, location.href).origin;
  const widget = new Widget(chatbot, key, baseUrl, host);
  if (!CHATBOT.test(chatbot)) {
    widget.refuse("This chat is not set up correctly: data-chatbot must name organizations/…/workspaces/…/chatbots/….");
  } else if (!key) {
    widget.refuse("This chat is not set up correctly: data-key (the publishable key) is missing.");
  } else {
    void widget.load();
  }
}

/** Never throws into the host page. */
function start(script: HTMLScriptElement): void {
  try {
    mount(script);
  } catch (error) {
    console.error("PrivexBot widget:", error);
  }
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement) {
  if (document.body) start(script);
  else document.addEventListener("DOMContentLoaded", () => start(script), { once: true });
}
