/**
 * The status page script, part 1: building elements and formatting numbers. Every value from
 * the gateway reaches the page through `textContent` or an attribute, never as markup, so a
 * model name or an error message cannot inject anything.
 *
 * The script parts are plain browser JavaScript kept as strings (String.raw, so backslashes
 * stay as written): no build step, and every runtime serves them without reading a file. They
 * share one function scope (see page-script.ts), so each part uses what the others declare.
 */
export const SCRIPT_DOM = String.raw`
const $ = (id) => document.getElementById(id);

/** An element: attrs with 'text', 'class', 'on<event>' handled; null children skipped. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** Sets text only when it changed, so screen readers and selection are not disturbed. */
function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

// escapes, not the characters: one non-ASCII character makes V8 hold the whole bundle's source as two-byte (1.8 MB more heap)
const DASH = '\u2014';

function fmtBytes(n) {
  if (n === null || n === undefined) return DASH;
  if (n >= 2 ** 30) return (n / 2 ** 30).toFixed(1) + ' GiB';
  return Math.round(n / 2 ** 20) + ' MiB';
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return DASH;
  if (ms >= 10000) return Math.round(ms / 1000) + ' s';
  if (ms >= 1000) return (ms / 1000).toFixed(1) + ' s';
  return Math.round(ms) + ' ms';
}

function fmtRate(x) {
  if (x === null || x === undefined) return DASH;
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function fmtClock(epochMs) {
  if (epochMs === null || epochMs === undefined || Number.isNaN(epochMs)) return DASH;
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

function fmtWhen(iso) {
  if (!iso) return DASH;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return DASH;
  const d = new Date(t);
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString([], { hour12: false });
}

/** A class-safe token of a state word from the gateway (state, health, breaker). */
function token(word) {
  return String(word || 'unknown').replace(/[^a-z_]/g, '');
}
`;
