// What the widget keeps in the visitor's browser (localStorage, per chatbot): the visitor
// id, the session to continue and its transcript, so a reload picks the conversation up.
// Storage may be unavailable (privacy modes, sandboxed frames): then it lasts the page.

export interface Entry {
  role: "user" | "assistant";
  text: string;
  /** Assistant: "document › heading · p. N" of each citation. */
  citations?: string[];
  /** Assistant: the attestation verdict, in words. */
  verdict?: string;
  /** Assistant: the stored message's name (for feedback). */
  message?: string;
  /** Assistant: 1 thumbs up, 2 thumbs down. */
  rating?: number;
}

export interface Saved {
  visitor: string;
  session: string;
  leadGiven: boolean;
  entries: Entry[];
}

const MAX_ENTRIES = 100;

function newVisitorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "v-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Store {
  private readonly key: string;
  readonly state: Saved;

  constructor(chatbot: string) {
    this.key = `privexbot:${chatbot}`;
    this.state = { visitor: "", session: "", leadGiven: false, entries: [], ...this.read() };
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(this.state.visitor)) this.state.visitor = newVisitorId();
    this.save();
  }

  private read(): Partial<Saved> {
    try {
      const raw = localStorage.getItem(this.key);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? (parsed as Partial<Saved>) : {};
    } catch {
      return {};
    }
  }

  save(): void {
    this.state.entries = this.state.entries.slice(-MAX_ENTRIES);
    try {
      localStorage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // Storage refused (quota, privacy mode): the conversation lasts this page only.
    }
  }
}
