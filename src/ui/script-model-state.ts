/**
 * The status page script, part 5: what the page knows about each model, merged from three
 * sources. The events stream is the fastest (server state, queue depth, target health as they
 * change) but carries no queue-by-priority, target load, memory or device, so GET /admin/queue
 * and GET /admin/models fill those in on a poll and after each event. A poll answer older than
 * the last event for a model does not overwrite what that event said.
 */
export const SCRIPT_MODEL_STATE = String.raw`
const models = new Map();
let eventSeq = 0;

function modelOf(name) {
  let m = models.get(name);
  if (!m) {
    m = { name, state: null, stateAt: null, queued: 0, inFlight: 0, maxConcurrent: null, maxQueue: null, byPriority: {}, oldestWaitMs: null, targets: [], server: null, seq: 0 };
    models.set(name, m);
  }
  return m;
}

/** stateAt: when the page saw the state begin (null when it connected to it already there). */
function setState(m, state, at) {
  if (state === undefined || state === null) return;
  if (m.state !== state) m.stateAt = at;
  m.state = state;
}

/** A 'model' event, or (live = false) one model of the 'snapshot' on connect. */
function applyModelEvent(e, live) {
  const m = modelOf(e.model);
  m.seq = ++eventSeq;
  setState(m, e.state, live ? Date.parse(e.at) : null);
  m.queued = e.queued;
  m.inFlight = e.in_flight;
  const known = new Map(m.targets.map((t) => [t.target, t]));
  m.targets = (e.targets || []).map((t) => Object.assign({ in_flight: null, max_concurrent: null }, known.get(t.target), t));
}

/** The snapshot lists every model there is now: any other the page knew is gone. */
function applySnapshot(list) {
  const names = new Set(list.map((e) => e.model));
  for (const name of [...models.keys()]) if (!names.has(name)) models.delete(name);
  for (const e of list) applyModelEvent(e, false);
}

/** GET /admin/queue, sent when eventSeq was sentSeq. */
function applyQueue(body, sentSeq) {
  const seen = new Set();
  for (const q of body.models || []) {
    seen.add(q.model);
    const m = modelOf(q.model);
    const newer = m.seq > sentSeq;
    m.maxConcurrent = q.max_concurrent;
    m.maxQueue = q.max_queue;
    m.byPriority = q.by_priority || {};
    m.oldestWaitMs = q.oldest_wait_ms;
    if (!newer) {
      m.queued = q.queued;
      m.inFlight = q.in_flight;
    }
    const fromEvent = new Map(m.targets.map((t) => [t.target, t]));
    m.targets = (q.targets || []).map((t) => {
      const e = fromEvent.get(t.target);
      return newer && e ? Object.assign({}, t, { health: e.health, breaker: e.breaker }) : t;
    });
  }
  for (const name of [...models.keys()]) if (!seen.has(name)) models.delete(name);
}

/** GET /admin/models: the launched ones, with their server's details. */
function applyServers(body, sentSeq) {
  const launched = new Map((body.models || []).map((s) => [s.model, s]));
  for (const m of models.values()) {
    const s = launched.get(m.name);
    m.server = s || null;
    if (s && m.seq <= sentSeq) setState(m, s.state, m.state === null ? null : Date.now());
  }
}

function priorityText(byPriority) {
  const entries = Object.entries(byPriority).filter(([, n]) => n > 0).sort((a, b) => Number(b[0]) - Number(a[0]));
  return entries.length === 0 ? 'none waiting' : entries.map(([p, n]) => 'priority ' + p + ': ' + n).join(', ');
}
`;
