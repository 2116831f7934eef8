import { SCRIPT_CHARTS } from './script-charts.ts';
import { SCRIPT_CONFIG } from './script-config.ts';
import { SCRIPT_DOM } from './script-dom.ts';
import { SCRIPT_LIVE } from './script-live.ts';
import { SCRIPT_MODEL_CARDS } from './script-model-cards.ts';
import { SCRIPT_MODEL_STATE } from './script-model-state.ts';
import { SCRIPT_REQUESTS } from './script-requests.ts';
import { SCRIPT_SESSION } from './script-session.ts';
import { SCRIPT_STATS } from './script-stats.ts';

/** Wires the static controls and picks the first screen from the page's admin access mode. */
const SCRIPT_BOOT = String.raw`
function boot() {
  const meta = document.querySelector('meta[name="modeltainer-admin"]');
  session.access = meta ? meta.getAttribute('content') : 'key';
  wireLogin();
  $('reload').addEventListener('click', () => void reloadConfig());
  $('log-filter').addEventListener('change', renderSoon);
  if (session.access === 'closed') return showOnly('closed');
  if (session.access === 'open') return void signIn(null);
  const key = storedKey();
  if (key) void signIn(key);
  else showLogin('');
}
boot();
`;

/**
 * GET /ui/app.js: the status page's whole script, its parts in one function scope (so nothing
 * leaks into the page's globals and the parts can share their state). Served as a file rather
 * than inline, so the page's CSP can forbid inline script altogether.
 */
export const PAGE_SCRIPT = [
  '(() => {',
  "'use strict';",
  SCRIPT_DOM,
  SCRIPT_SESSION,
  SCRIPT_STATS,
  SCRIPT_CHARTS,
  SCRIPT_MODEL_STATE,
  SCRIPT_MODEL_CARDS,
  SCRIPT_REQUESTS,
  SCRIPT_CONFIG,
  SCRIPT_LIVE,
  SCRIPT_BOOT,
  '})();',
  '',
].join('\n');
