/**
 * GET /ui/app.css: the status page's styles. System fonts only (nothing fetched); light by
 * default and dark under `prefers-color-scheme: dark`; colours chosen for at least 4.5:1
 * contrast of text on its background in both; a focus ring on everything focusable; one
 * column on a phone, where only the request table scrolls sideways (inside its own box).
 */
export const PAGE_STYLE = String.raw`
:root {
  --bg: #f5f6f8; --fg: #1b1d22; --muted: #545a66; --card: #ffffff; --line: #d3d7de;
  --accent: #0b57d0; --accent-fg: #ffffff; --focus: #0b57d0;
  --ok: #116329; --ok-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff3c4;
  --bad: #a40e26; --bad-bg: #ffebe9; --idle: #4b5260; --idle-bg: #eceef2;
  --chart: #0b57d0; --chart-fill: rgba(11, 87, 208, 0.12);
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #101216; --fg: #e7e9ee; --muted: #a6adba; --card: #1a1d23; --line: #343944;
    --accent: #8ab4f8; --accent-fg: #0b1a33; --focus: #8ab4f8;
    --ok: #6fdd8b; --ok-bg: #12331d; --warn: #f2c14e; --warn-bg: #3a2c0a;
    --bad: #ff9b92; --bad-bg: #42161a; --idle: #c2c8d3; --idle-bg: #2a2e36;
    --chart: #8ab4f8; --chart-fill: rgba(138, 180, 248, 0.16);
  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
h1, h2, h3, h4 { line-height: 1.2; margin: 0; }
h1 { font-size: 1.25rem; white-space: nowrap; }
h1 .sub { color: var(--muted); font-weight: 400; }
h2 { font-size: 1.1rem; margin: 0 0 0.75rem; }
h3 { font-size: 1.05rem; overflow-wrap: anywhere; }
h4 { font-size: 0.85rem; margin: 0.9rem 0 0.35rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 3px; }
h2:focus { outline: none; }

.bar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem;
  padding: 0.75rem 1rem; border-bottom: 1px solid var(--line); background: var(--card);
}
.conn { margin: 0 auto 0 0; font-size: 0.9rem; color: var(--muted); }
.conn::before { content: ""; display: inline-block; width: 0.6rem; height: 0.6rem; border-radius: 50%; margin-right: 0.4rem; background: var(--idle); vertical-align: 0.05em; }
.conn:empty::before { display: none; }
.conn-live::before { background: var(--ok); }
.conn-down::before { background: var(--bad); }

main, .login, #closed { max-width: 1280px; margin: 0 auto; padding: 1rem; }
.login { max-width: 28rem; }
.block { margin-bottom: 1.75rem; }
.panel, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.hint { color: var(--muted); font-size: 0.88rem; margin: 0; }
.error { color: var(--bad); font-weight: 600; min-height: 1.4em; margin: 0.5rem 0; }

button, select, input {
  font: inherit; color: inherit; border-radius: 6px; border: 1px solid var(--line);
  background: var(--card); min-height: 2.25rem; padding: 0.3rem 0.8rem;
}
button { cursor: pointer; font-weight: 600; background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
button.quiet, button.act { background: var(--card); color: var(--fg); border-color: var(--line); }
button:hover { filter: brightness(1.08); }
input[type="password"] { width: 100%; margin: 0.35rem 0 0.75rem; }
label { font-weight: 600; }

.cards { display: grid; gap: 1rem; align-items: start; grid-template-columns: repeat(auto-fill, minmax(min(100%, 23rem), 1fr)); }
.card { min-width: 0; }
.card-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.4rem 0.6rem; margin-bottom: 0.6rem; }
.badge {
  display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600;
  border: 1px solid currentColor; color: var(--idle); background: var(--idle-bg); white-space: nowrap;
}
.state-ready, .health-up, .breaker-closed { color: var(--ok); background: var(--ok-bg); }
.state-starting, .state-draining, .state-stopping, .breaker-half_open { color: var(--warn); background: var(--warn-bg); }
.state-failed, .health-down, .breaker-open { color: var(--bad); background: var(--bad-bg); }

.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: 0.4rem 1rem; margin: 0; }
.fact { min-width: 0; }
#config { grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
.fact dt { font-size: 0.78rem; color: var(--muted); }
.fact dd { margin: 0; overflow-wrap: anywhere; }

.stats { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1.25rem; margin: 0.9rem 0 0.4rem; }
.stat { display: flex; flex-direction: column; }
.stat-value { font-size: 1.3rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat-label { font-size: 0.78rem; color: var(--muted); }
.stats-note { margin-left: auto; }
.charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.6rem; }
.chart-box { margin: 0; min-width: 0; }
.chart-box figcaption { display: flex; flex-direction: column; font-size: 0.74rem; line-height: 1.3; color: var(--muted); }
.chart-box figcaption span:first-child { color: var(--fg); font-weight: 600; }
.chart { display: block; width: 100%; height: 2.75rem; border-bottom: 1px solid var(--line); }
.chart .line { fill: none; stroke: var(--chart); stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.chart .area { fill: var(--chart-fill); stroke: none; }

.targets { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.35rem; }
.targets li { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.5rem; }
.target-label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; overflow-wrap: anywhere; min-width: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 0.9rem; }
.result { margin: 0.5rem 0 0; font-size: 0.9rem; min-height: 1.3em; overflow-wrap: anywhere; }
.result.error { color: var(--bad); }

.error-box { margin-top: 0.9rem; padding: 0.75rem; border-radius: 6px; background: var(--bad-bg); color: var(--fg); border: 1px solid var(--bad); }
.error-box p { margin: 0 0 0.4rem; }
.issues { margin: 0; padding-left: 1.2rem; }
.issues li { overflow-wrap: anywhere; }

.log-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.75rem; margin-bottom: 0.6rem; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; max-height: 32rem; }
.log { border-collapse: collapse; width: 100%; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
.log th, .log td { text-align: left; padding: 0.35rem 0.7rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
.log th { position: sticky; top: 0; background: var(--card); font-size: 0.78rem; color: var(--muted); }
.log td.num { text-align: right; }
.log tr.failed td { color: var(--bad); }

@media (max-width: 40rem) {
  body { font-size: 14px; }
  main, .login, #closed { padding: 0.75rem; }
  .stats-note { margin-left: 0; }
}
`;
