/**
 * The status page script, part 6: one card per model. A card is built once and then updated in
 * place (text and attributes only), so a keyboard user's focus on its buttons survives the
 * live updates.
 */
export const SCRIPT_MODEL_CARDS = String.raw`
const cards = new Map();
let cardCount = 0;
const ACTIONS = ['start', 'stop', 'sleep', 'reset'];

function createCard(m) {
  const titleId = 'model-title-' + ++cardCount;
  const badge = h('span', { class: 'badge' });
  const since = h('span', { class: 'hint' });
  const facts = h('dl', { class: 'facts' });
  const fact = (label) => {
    const dd = h('dd');
    facts.append(h('div', { class: 'fact' }, h('dt', { text: label }), dd));
    return dd;
  };
  const f = {
    inFlight: fact('In flight'), queued: fact('Queued'), priority: fact('By priority'), device: fact('Device'),
    memory: fact('Memory'), pid: fact('PID'), lastStart: fact('Last start'), starts: fact('Starts / failures'),
    lastUsed: fact('Last used'), lastError: fact('Last error'),
  };
  const stat = (label) => {
    const v = h('span', { class: 'stat-value' });
    return { el: h('div', { class: 'stat' }, v, h('span', { class: 'stat-label', text: label })), v };
  };
  const rps = stat('requests/s');
  const tps = stat('tokens/s');
  const ttft = stat('TTFT p50');
  const charts = { rps: createChart('requests/s', fmtRate), ttft: createChart('TTFT p50', fmtMs), tps: createChart('tokens/s', fmtRate) };
  const targets = h('ul', { class: 'targets' });
  const result = h('p', { class: 'result', role: 'status', 'aria-live': 'polite' });
  const buttons = ACTIONS.map((a) => h('button', { type: 'button', class: 'act act-' + a, text: a[0].toUpperCase() + a.slice(1), 'aria-label': a[0].toUpperCase() + a.slice(1) + ' ' + m.name, onclick: () => void act(m.name, a, result) }));
  const actions = h('div', { class: 'actions' }, ...buttons);
  const el = h('article', { class: 'card', 'aria-labelledby': titleId, 'data-model': m.name },
    h('header', { class: 'card-head' }, h('h3', { id: titleId, text: m.name }), badge, since),
    facts,
    h('div', { class: 'stats', role: 'group', 'aria-label': 'Last minute' }, rps.el, tps.el, ttft.el, h('span', { class: 'hint stats-note', text: 'last minute' })),
    h('div', { class: 'charts' }, charts.rps.el, charts.ttft.el, charts.tps.el),
    h('h4', { text: 'Targets' }), targets,
    actions, result);
  return { el, badge, since, f, rps: rps.v, tps: tps.v, ttft: ttft.v, charts, targets, actions, result };
}

function showFact(dd, text) {
  dd.parentElement.hidden = text === null;
  if (text !== null) setText(dd, text);
}

function updateCard(c, m, stats, ser) {
  const s = m.server;
  const launched = s !== null || m.state !== null;
  setText(c.badge, m.state || 'always on');
  c.badge.className = 'badge state-' + token(m.state || 'static');
  setText(c.since, m.state && m.stateAt ? 'since ' + fmtClock(m.stateAt) : '');
  showFact(c.f.inFlight, m.inFlight + (m.maxConcurrent ? ' of ' + m.maxConcurrent : ''));
  showFact(c.f.queued, m.queued + (m.maxQueue ? ' (room for ' + m.maxQueue + ')' : ''));
  showFact(c.f.priority, m.queued > 0 ? priorityText(m.byPriority) + (m.oldestWaitMs !== null ? '; oldest ' + fmtMs(m.oldestWaitMs) : '') : null);
  showFact(c.f.device, s ? s.device || 'any' : null);
  showFact(c.f.memory, s ? fmtBytes(s.memory_bytes) : null);
  showFact(c.f.pid, s ? (s.pid !== null ? String(s.pid) : s.container || DASH) : null);
  const readySince = s && s.last_ready_at ? Date.parse(s.last_ready_at) : m.state === 'ready' ? m.stateAt : null;
  const readyAt = readySince ? 'ready ' + fmtClock(readySince) + ', ' : '';
  showFact(c.f.lastStart, s ? (s.last_start_ms === null ? 'not started yet' : readyAt + 'took ' + fmtMs(s.last_start_ms)) : null);
  showFact(c.f.starts, s ? s.starts + ' / ' + s.failures : null);
  showFact(c.f.lastUsed, s ? fmtWhen(s.last_used) : null);
  showFact(c.f.lastError, s && s.last_error ? s.last_error : null);
  setText(c.rps, fmtRate(stats.rps));
  setText(c.tps, fmtRate(stats.tps));
  setText(c.ttft, fmtMs(stats.ttftP50));
  c.charts.rps.update(ser.rps);
  c.charts.ttft.update(ser.ttft);
  c.charts.tps.update(ser.tps);
  c.targets.replaceChildren(...(m.targets.length ? m.targets.map(targetItem) : [h('li', { class: 'hint', text: launched ? 'none while the server is not running' : 'none' })]));
  c.actions.hidden = !launched;
  // only engines with idle: sleep can sleep
  const sleep = c.actions.querySelector('.act-sleep');
  if (sleep) sleep.hidden = !(s && s.sleeps);
  if (!launched) setText(c.result, '');
}

function targetItem(t) {
  const load = t.in_flight === null || t.in_flight === undefined ? '' : t.in_flight + (t.max_concurrent ? '/' + t.max_concurrent : '') + ' in flight';
  return h('li', {},
    h('span', { class: 'target-label', text: t.target }),
    h('span', { class: 'badge health-' + token(t.health), text: t.health }),
    h('span', { class: 'badge breaker-' + token(t.breaker), text: 'breaker ' + String(t.breaker).replace('_', '-') }),
    load ? h('span', { class: 'hint', text: load }) : null,
    t.draining ? h('span', { class: 'badge state-draining', text: 'leaving' }) : null);
}

/** POST /admin/models/{name}/{action}: the answer (202 with the state, or the error) shown on the card. */
async function act(name, action, result) {
  result.className = 'result';
  setText(result, action + '\u2026');
  const r = await api('POST', 'admin/models/' + encodeURIComponent(name) + '/' + action);
  // the answer's state is the one when it was sent (often before the action begins); the badge follows the rest
  if (r.ok) setText(result, fmtClock(Date.now()) + ' ' + action + ' accepted (' + r.status + '), state then: ' + r.body.state);
  else {
    result.className = 'result error';
    setText(result, fmtClock(Date.now()) + ' ' + action + ' failed (' + r.status + '): ' + errorText(r));
  }
  refreshSoon();
}

function renderModels(now) {
  const root = $('models');
  for (const [name, card] of cards) {
    if (models.has(name)) continue;
    card.el.remove();
    cards.delete(name);
  }
  const byModel = requestsByModel();
  let prev = null;
  for (const m of models.values()) {
    let card = cards.get(m.name);
    if (!card) cards.set(m.name, (card = createCard(m)));
    const want = prev ? prev.nextSibling : root.firstChild;
    if (card.el !== want) root.insertBefore(card.el, want);
    prev = card.el;
    const mine = byModel.get(m.name) || [];
    updateCard(card, m, lastMinute(mine, serverNow(now)), series(mine, serverNow(now)));
  }
  $('models-empty').hidden = models.size > 0;
}
`;
