// The widget's CSS, inside its shadow root: the host page's rules cannot reach it and these
// cannot leak out. Colours come from custom properties set per theme (light, dark, auto).
export const CSS = `
/* The page's !important rules lose to these (inner context wins for important ones). */
:host { all: initial !important; position: fixed !important; bottom: 20px !important; right: 20px !important;
  left: auto !important; top: auto !important; z-index: 2147483000 !important; display: block !important; }
:host([data-position="bottom-left"]) { right: auto !important; left: 20px !important; }
.light, .dark, .auto { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
.light, .auto { --bg: #ffffff; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --bubble: #f0f3f6; }
.dark { --bg: #161b22; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bubble: #262c36; }
@media (prefers-color-scheme: dark) { .auto { --bg: #161b22; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bubble: #262c36; } }
* { box-sizing: border-box; }
button { font: inherit; cursor: pointer; }
button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--accent);
  color: var(--on-accent); box-shadow: 0 4px 14px rgba(0,0,0,.25); float: right; display: grid; place-items: center; }
.launcher svg { width: 28px; height: 28px; }
.rate svg { width: 16px; height: 16px; display: block; }
:host([data-position="bottom-left"]) .launcher { float: left; }
.panel { display: flex; flex-direction: column; width: 370px; height: min(560px, calc(100vh - 110px));
  margin-bottom: 12px; background: var(--bg); color: var(--fg); border: 1px solid var(--line);
  border-radius: 14px; overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.25); }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--accent); color: var(--on-accent); }
header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
header button { background: transparent; border: 0; color: inherit; font-size: 20px; line-height: 1; padding: 4px; }
.log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
.msg { max-width: 88%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.user { align-self: flex-end; background: var(--accent); color: var(--on-accent); }
.assistant { align-self: flex-start; background: var(--bubble); }
.meta { margin-top: 6px; font-size: 12.5px; color: var(--muted); }
.meta ul { margin: 2px 0 0; padding-left: 18px; }
.verdict { display: inline-block; margin-top: 6px; font-size: 12px; color: var(--muted); }
.rate { display: flex; gap: 6px; margin-top: 6px; }
.rate button { border: 1px solid var(--line); background: var(--bg); color: var(--fg); border-radius: 8px; padding: 2px 9px; }
.rate button[aria-pressed="true"] { border-color: var(--accent); background: var(--accent); color: var(--on-accent); }
.error { margin: 0 14px 8px; padding: 8px 10px; border-radius: 8px; background: #ffebe9; color: #82071e; font-size: 14px; }
.error:empty { display: none; }
form { display: flex; gap: 8px; padding: 10px 14px; border-top: 1px solid var(--line); }
form.lead { flex-direction: column; }
form[hidden] { display: none; }
textarea, input[type="email"], input[type="text"] { flex: 1; font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 10px; padding: 8px 10px; resize: none; }
label { font-size: 13.5px; color: var(--fg); }
.send { border: 0; border-radius: 10px; padding: 0 14px; background: var(--accent); color: var(--on-accent); }
.send:disabled { opacity: .5; cursor: default; }
@media (max-width: 480px) {
  :host { right: 0 !important; bottom: 0 !important; }
  :host([data-position="bottom-left"]) { left: 0 !important; }
  .launcher { margin: 0 12px 12px; }
  .panel { position: fixed; inset: 0; width: 100vw; height: 100dvh; margin: 0; border-radius: 0; border: 0; }
}
`;
