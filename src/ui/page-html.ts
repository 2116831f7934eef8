import type { AdminAccess } from './admin-access.ts';

/**
 * The status page's markup: a static skeleton that the script (`ui/app.js`) fills in. Nothing
 * in it comes from a request or the config except the admin access mode, one of three fixed
 * words. Every URL is relative to `/ui`, so the page also works behind a proxy that mounts the
 * gateway under a path prefix.
 *
 * @example pageHtml('key') // the login form first; the rest stays hidden until the key is accepted
 */
export function pageHtml(access: AdminAccess): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="modeltainer-admin" content="${access}">
<title>ModelTainer status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="ui/app.css">
<script src="ui/app.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>ModelTainer <span class="sub">status</span></h1>
  <p id="conn" class="conn" role="status" aria-live="polite"></p>
  <button id="sign-out" type="button" class="quiet" hidden>Sign out</button>
</header>

<section id="login" class="panel login" aria-labelledby="login-title" hidden>
  <h2 id="login-title">Sign in</h2>
  <form id="login-form">
    <label for="admin-key">Admin key</label>
    <input id="admin-key" name="admin-key" type="password" autocomplete="current-password" spellcheck="false" required aria-describedby="login-hint login-error">
    <button type="submit">Sign in</button>
  </form>
  <p id="login-error" class="error" role="alert"></p>
  <p id="login-hint" class="hint">The key whose SHA-256 is <code>auth.admin_key_sha256</code> in the gateway's config. This tab keeps it until you close it or sign out.</p>
</section>

<section id="closed" class="panel" hidden>
  <h2>The admin routes are closed</h2>
  <p>Authentication is on but the config sets no <code>auth.admin_key_sha256</code>, so the gateway answers no one on its admin routes. Add an admin key (<code>npx modeltainer hash-key</code>) and reload.</p>
</section>

<main id="main" hidden>
  <section class="block" aria-labelledby="models-title">
    <h2 id="models-title" tabindex="-1">Models</h2>
    <div id="models" class="cards"></div>
    <p id="models-empty" class="hint" hidden>No models in the config.</p>
  </section>

  <section class="block" aria-labelledby="config-title">
    <h2 id="config-title">Config</h2>
    <div class="panel">
      <dl id="config" class="facts"></dl>
      <div id="config-error" class="error-box" hidden></div>
      <div class="actions">
        <button id="reload" type="button">Reload config</button>
      </div>
      <div id="reload-result" class="result" role="status" aria-live="polite"></div>
    </div>
  </section>

  <section class="block" aria-labelledby="log-title">
    <h2 id="log-title">Recent requests</h2>
    <div class="log-head">
      <label for="log-filter">Model</label>
      <select id="log-filter"><option value="">All models</option></select>
      <p id="log-count" class="hint"></p>
    </div>
    <div class="table-wrap" role="region" aria-labelledby="log-title" tabindex="0">
      <table class="log">
        <thead><tr><th scope="col">Ended</th><th scope="col">Request id</th><th scope="col">Model</th><th scope="col">Status</th><th scope="col">TTFT</th><th scope="col">Duration</th><th scope="col">Tokens in &rarr; out</th></tr></thead>
        <tbody id="log"></tbody>
      </table>
    </div>
  </section>
</main>
<noscript><p class="panel">This page needs JavaScript.</p></noscript>
</body>
</html>
`;
}
