/**
 * The status page script, part 9: keeping the page live. GET /admin/events is read with fetch
 * and a stream reader (EventSource cannot send an Authorization header) and parsed here; when it
 * ends or fails the page reconnects with back-off (1 s doubling to 30 s, jittered), and each
 * connection starts again from the gateway's snapshot and its last 15 minutes of requests.
 * The admin routes the stream does not cover are polled: queue and servers every 5 s and shortly
 * after model events (at most once a second), the config every 15 s and after a reload.
 */
export const SCRIPT_LIVE = String.raw`
let live = null;
const POLL_MS = 5000;
const CONFIG_EVERY = 3;
const TICK_MS = 2000;
/** Under load a model event comes with every request: refreshes stay at least this far apart. */
const REFRESH_GAP_MS = 1000;

function startLive(config) {
  stopLive();
  session.running = true;
  live = { ctrl: new AbortController(), refreshTimer: null, lastRefresh: 0, polls: 0, frame: 0 };
  live.poll = setInterval(() => {
    if (document.hidden) return;
    void refresh();
    if (++live.polls % CONFIG_EVERY === 0) void refreshConfig();
  }, POLL_MS);
  // rates and charts move with time even when nothing happens
  live.tick = setInterval(renderSoon, TICK_MS);
  applyConfig(config);
  void refresh();
  void streamEvents(live.ctrl.signal);
  $('models-title').focus();
}

function stopLive() {
  session.running = false;
  if (live) {
    live.ctrl.abort();
    clearInterval(live.poll);
    clearInterval(live.tick);
    clearTimeout(live.refreshTimer);
    cancelAnimationFrame(live.frame);
  }
  live = null;
  models.clear();
  requests = [];
  configShown = '';
  for (const card of cards.values()) card.el.remove();
  cards.clear();
  $('log').replaceChildren();
  for (const id of ['reload-result', 'log-count']) setText($(id), '');
}

/** GET /admin/queue and /admin/models: what the events stream does not carry. */
async function refresh() {
  if (!live) return;
  const signal = live.ctrl.signal;
  const sent = eventSeq;
  live.lastRefresh = Date.now();
  try {
    const [q, s] = await Promise.all([api('GET', 'admin/queue', signal), api('GET', 'admin/models', signal)]);
    if (!live || signal.aborted) return;
    if (q.ok) applyQueue(q.body, sent);
    if (s.ok) applyServers(s.body, sent);
    renderSoon();
  } catch { /* aborted: signed out */ }
}

async function refreshConfig() {
  if (!live) return;
  try {
    const c = await api('GET', 'admin/config', live.ctrl.signal);
    if (live && c.ok) applyConfig(c.body);
  } catch { /* aborted: signed out */ }
}

/** Coalesces the refreshes that a burst of events asks for. */
function refreshSoon() {
  if (!live || live.refreshTimer) return;
  const wait = Math.max(250, live.lastRefresh + REFRESH_GAP_MS - Date.now());
  live.refreshTimer = setTimeout(() => {
    if (!live) return;
    live.refreshTimer = null;
    void refresh();
  }, wait);
}

/** At most one redraw per frame, however many events arrive. */
function renderSoon() {
  if (!live || live.frame) return;
  live.frame = requestAnimationFrame(() => {
    if (!live) return;
    live.frame = 0;
    const now = Date.now();
    pruneRequests(now);
    renderModels(now);
    renderLog();
  });
}

function onEvent(name, data) {
  let body;
  try { body = JSON.parse(data); } catch { return; }
  if (name === 'snapshot') applySnapshot(body.models || []);
  else if (name === 'model') {
    applyModelEvent(body, true);
    noteServerTime(Date.parse(body.at));
    refreshSoon();
  } else if (name === 'requests') setRequests(body.requests || []);
  else if (name === 'request') addRequest(body);
  else return;
  renderSoon();
}

async function streamEvents(signal) {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const res = await fetch('admin/events', { headers: authHeaders(), cache: 'no-store', signal });
      if (res.status === 401 || res.status === 403) {
        await api('GET', 'admin/config', signal); // signs out (401) or shows the closed notice (403)
        return;
      }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      setConnection('live', 'Live');
      delay = 1000;
      await readEvents(res.body, onEvent);
    } catch {
      if (signal.aborted) return;
    }
    const wait = Math.round(delay * (0.75 + Math.random() * 0.5));
    setConnection('down', 'Disconnected: reconnecting in ' + Math.ceil(wait / 1000) + ' s');
    await new Promise((resolve) => setTimeout(resolve, wait));
    delay = Math.min(delay * 2, 30000);
    if (signal.aborted) return;
    void refresh();
    void refreshConfig();
  }
}

function setConnection(state, text) {
  const el = $('conn');
  el.className = 'conn conn-' + state;
  setText(el, text);
}

/** Server-Sent Events: blocks end at a blank line; 'event:' and 'data:' lines; ':' comments. */
async function readEvents(stream, handle) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const block = { event: '', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // a CR at the very end may be the first half of a CRLF split across reads
    const keep = buffer.endsWith('\r') ? 1 : 0;
    const lines = buffer.slice(0, buffer.length - keep).split(/\r\n|\r|\n/);
    buffer = lines.pop() + buffer.slice(buffer.length - keep);
    for (const line of lines) eventLine(line, block, handle);
  }
}

function eventLine(line, block, handle) {
  if (line === '') {
    if (block.data.length) handle(block.event || 'message', block.data.join('\n'));
    block.event = '';
    block.data = [];
    return;
  }
  if (line.startsWith(':')) return;
  const colon = line.indexOf(':');
  const field = colon < 0 ? line : line.slice(0, colon);
  let value = colon < 0 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  if (field === 'event') block.event = value;
  else if (field === 'data') block.data.push(value);
}
`;
