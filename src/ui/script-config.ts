/**
 * The status page script, part 8: the config now serving, the last reload and its error (each
 * issue with file, line, column and field), and the Reload button.
 */
export const SCRIPT_CONFIG = String.raw`
let configShown = '';

function applyConfig(c) {
  const seen = JSON.stringify(c);
  if (seen === configShown) return;
  configShown = seen;
  const last = c.last_reload;
  const rows = [
    ['File', c.source || DASH],
    ['Hash', c.hash ? c.hash.slice(0, 12) : DASH],
    ['Loaded', fmtWhen(c.loaded_at)],
    ['Last reload', last ? fmtWhen(last.at) + ' (' + last.trigger + '): ' + last.result : 'none since the gateway started'],
  ];
  if (c.pending_restart && c.pending_restart.length > 0) rows.push(['Needs a restart', c.pending_restart.join(', ')]);
  $('config').replaceChildren(...rows.map(([k, v]) => h('div', { class: 'fact' }, h('dt', { text: k }), h('dd', { text: v }))));
  const box = $('config-error');
  const err = c.last_error;
  box.hidden = !err;
  if (!err) return box.replaceChildren();
  box.replaceChildren(
    h('p', {}, h('strong', { text: 'The last reload failed' }), ' (' + fmtWhen(err.at) + ', ' + err.trigger + '); the previous config keeps serving.'),
    issueList(err));
}

/** Each issue as file:line:column, the field's path, and what is wrong with it. */
function issueList(err) {
  if (!err.issues || err.issues.length === 0) return h('p', { class: 'issue-text', text: err.message });
  return h('ul', { class: 'issues' }, ...err.issues.map((i) => h('li', {},
    h('code', { text: i.file + ':' + i.line + ':' + i.column }), ' ',
    h('strong', { text: i.path || '(the file)' }), ': ' + i.message)));
}

function diffText(d) {
  if (!d) return '';
  const parts = [];
  if (d.added.length) parts.push('added ' + d.added.join(', '));
  if (d.removed.length) parts.push('removed ' + d.removed.join(', '));
  if (d.changed.length) parts.push('changed ' + d.changed.map((c) => c.name + ' (' + c.fields.join(', ') + ')').join(', '));
  if (d.sections.length) parts.push('sections ' + d.sections.join(', '));
  return parts.length ? '; ' + parts.join('; ') : '';
}

/** POST /admin/reload; a 400 names file, line and field, and GET /admin/config lists each issue. */
async function reloadConfig() {
  const out = $('reload-result');
  out.className = 'result';
  setText(out, 'Reloading\u2026');
  const r = await api('POST', 'admin/reload');
  if (!session.running) return;
  const at = fmtClock(Date.now());
  if (r.ok) {
    const hash = (r.body.hash || '').slice(0, 12);
    setText(out, at + ': ' + (r.body.result === 'unchanged' ? 'the file has not changed (hash ' + hash + ').' : 'reloaded, hash ' + hash + diffText(r.body.diff) + '.'));
  } else {
    out.className = 'result error';
    setText(out, at + ': reload failed (' + r.status + '). ' + errorText(r));
  }
  void refreshConfig();
  refreshSoon();
}
`;
