/**
 * The status page script, part 2: the admin key and every call to the admin API. The key lives
 * in `session.key` and in sessionStorage (this tab only, gone when it closes); it travels only in
 * the Authorization header of same-origin requests. It is never written to the DOM (the password
 * input is emptied as soon as it is read), to a URL or to the console.
 */
export const SCRIPT_SESSION = String.raw`
const KEY_SLOT = 'modeltainer.admin-key';
const session = { key: null, running: false, access: 'key' };

function storedKey() {
  try { return sessionStorage.getItem(KEY_SLOT); } catch { return null; }
}
function storeKey(key) {
  try {
    if (key === null) sessionStorage.removeItem(KEY_SLOT);
    else sessionStorage.setItem(KEY_SLOT, key);
  } catch { /* storage disabled: the key lasts as long as this page */ }
}

function authHeaders() {
  return session.key ? { authorization: 'Bearer ' + session.key } : {};
}

/** One admin call: { ok, status, body }. A 401 while signed in means the key no longer works. */
async function api(method, path, signal) {
  let res;
  try {
    res = await fetch(path, { method, headers: authHeaders(), cache: 'no-store', signal });
  } catch (err) {
    if (signal && signal.aborted) throw err;
    return { ok: false, status: 0, body: null };
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: described by its status */ }
  if (res.status === 401 && session.running) {
    session.access = 'key';
    signOut('Wrong key: the gateway no longer accepts it.');
  } else if (res.status === 403 && session.running) {
    stopLive();
    showOnly('closed');
  }
  return { ok: res.ok, status: res.status, body };
}

/** What went wrong, from an OpenAI-shaped error body, else from the status. */
function errorText(r) {
  if (r.body && r.body.error && r.body.error.message) return r.body.error.message;
  return r.status === 0 ? 'The gateway did not answer.' : 'The gateway answered HTTP ' + r.status + '.';
}

function showOnly(id) {
  for (const s of ['login', 'closed', 'main']) $(s).hidden = s !== id;
  $('sign-out').hidden = id !== 'main' || session.access !== 'key';
}

function showLogin(message) {
  showOnly('login');
  setText($('login-error'), message || '');
  setText($('conn'), '');
  $('admin-key').focus();
}

/** Tries a key (null when the admin routes are open) against GET /admin/config. */
async function signIn(key) {
  session.key = key;
  const r = await api('GET', 'admin/config');
  if (r.status === 401) {
    session.access = 'key';
    session.key = null;
    storeKey(null);
    showLogin(key ? 'Wrong key: the gateway did not accept it.' : '');
    return;
  }
  if (r.status === 403) {
    session.key = null;
    showOnly('closed');
    return;
  }
  if (!r.ok) {
    session.key = null;
    showLogin(errorText(r));
    return;
  }
  if (key) storeKey(key);
  showOnly('main');
  startLive(r.body);
}

function signOut(message) {
  stopLive();
  session.key = null;
  storeKey(null);
  if (session.access === 'key') showLogin(message || '');
  else setText($('conn'), message || '');
}

function wireLogin() {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('admin-key');
    const key = input.value;
    input.value = '';
    if (key) void signIn(key);
  });
  $('sign-out').addEventListener('click', () => signOut(''));
}
`;
