/**
 * The status page script, part 7: the finished requests of the last 15 minutes (from the
 * events stream) and the request log drawn from them, filterable by model. An event carries
 * ids, numbers and a model name only: no prompt text, no key, no header.
 */
export const SCRIPT_REQUESTS = String.raw`
let requests = [];
const MAX_REQUESTS = 2000;
const LOG_ROWS = 200;
/** The browser's clock minus the gateway's, so windows are measured on the gateway's clock. */
let skewMs = null;

function serverNow(now) {
  return now - (skewMs || 0);
}

/** An event is sent as it happens: the smallest gap seen is the closest to the clocks' offset. */
function noteServerTime(at) {
  if (!Number.isFinite(at)) return;
  const gap = Date.now() - at;
  skewMs = skewMs === null ? gap : Math.min(skewMs, gap);
}

function setRequests(list) {
  requests = list.slice(-MAX_REQUESTS);
}

function addRequest(e) {
  requests.push(e);
  if (requests.length > MAX_REQUESTS) requests.splice(0, requests.length - MAX_REQUESTS);
  noteServerTime(e.at);
}

function pruneRequests(now) {
  const cutoff = serverNow(now) - WINDOW_MS;
  let i = 0;
  while (i < requests.length && requests[i].at < cutoff) i++;
  if (i > 0) requests.splice(0, i);
}

function requestsByModel() {
  const byModel = new Map();
  for (const e of requests) {
    if (!e.model) continue;
    let list = byModel.get(e.model);
    if (!list) byModel.set(e.model, (list = []));
    list.push(e);
  }
  return byModel;
}

/** The filter offers every model the page knows and every model in the log; the choice stays. */
function syncFilter(select) {
  const names = new Set(models.keys());
  for (const e of requests) if (e.model) names.add(e.model);
  if (select.value) names.add(select.value);
  const want = [...names].sort();
  const have = [...select.options].slice(1).map((o) => o.value);
  if (want.join('\n') === have.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(h('option', { value: '', text: 'All models' }), ...want.map((n) => h('option', { value: n, text: n })));
  select.value = chosen;
}

function renderLog() {
  const select = $('log-filter');
  syncFilter(select);
  const want = select.value;
  const rows = [];
  let total = 0;
  for (let i = requests.length - 1; i >= 0; i--) {
    const e = requests[i];
    if (want && e.model !== want) continue;
    total++;
    if (rows.length < LOG_ROWS) rows.push(logRow(e));
  }
  $('log').replaceChildren(...rows);
  const scope = ' in the last 15 minutes' + (want ? ' for ' + want : '');
  const shown = total > rows.length ? 'The newest ' + rows.length + ' of ' : '';
  setText($('log-count'), total === 0 ? 'No requests' + scope + '.' : shown + total + (total === 1 ? ' request' : ' requests') + scope + '.');
}

function logRow(e) {
  const tokens = e.prompt_tokens === null && e.completion_tokens === null ? DASH : (e.prompt_tokens ?? DASH) + ' \u2192 ' + (e.completion_tokens ?? DASH);
  return h('tr', { class: e.status >= 400 || e.status === 0 ? 'failed' : null, 'data-request-id': e.request_id },
    h('td', { text: fmtClock(e.at + (skewMs || 0)) }),
    h('td', {}, h('code', { text: e.request_id, title: e.method + ' ' + e.path + (e.stream ? ' (stream)' : '') })),
    h('td', { text: e.model || DASH }),
    h('td', { text: String(e.status) + (e.error_code ? ' ' + e.error_code : '') }),
    h('td', { class: 'num', text: fmtMs(e.ttft_ms) }),
    h('td', { class: 'num', text: fmtMs(e.duration_ms) }),
    h('td', { class: 'num', text: tokens }));
}
`;
