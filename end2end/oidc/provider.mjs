#!/usr/bin/env node
// Test OpenID Provider for Airlock's integration and end-to-end tests.
//
// A real, certified OpenID provider (npm `oidc-provider` 9.x) with everything
// a test needs and nothing else: fixed accounts with passwords, our own
// minimal no-JavaScript login form, RP-initiated logout, and a hook to tamper
// with the next ID token.
//
//   node end2end/oidc/provider.mjs CONFIG.json     (or JSON in $OIDC_TEST_CONFIG)
//
// Once listening it prints exactly one line of JSON to stdout,
//   {"issuer":"http://127.0.0.1:PORT","port":PORT}
// and nothing else there; logs go to stderr. It exits on SIGTERM/SIGINT and,
// when stdin is a pipe, when that pipe closes (the parent died).
// See README.md beside this file for the config and the /test/* endpoints.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

// oidc-provider prints its NOTICEs with console.info, i.e. on stdout: keep
// stdout for the single JSON line by sending every console output to stderr.
console.log = console.info = console.debug = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');
const jose = await import('jose');

// ---------------------------------------------------------------- config ---
function loadConfig() {
  const arg = process.argv[2];
  const text = arg ? fs.readFileSync(arg, 'utf8') : process.env.OIDC_TEST_CONFIG;
  if (!text) throw new Error('usage: provider.mjs CONFIG.json (or config JSON in $OIDC_TEST_CONFIG)');
  const cfg = JSON.parse(text);
  if (!Array.isArray(cfg.clients) || !cfg.clients.length) throw new Error('config: "clients" must be a non-empty array');
  if (!Array.isArray(cfg.accounts)) throw new Error('config: "accounts" must be an array');
  return cfg;
}

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(`oidc test provider: ${err.message}`);
  process.exit(2);
}

const port = Number(config.port ?? 0);
const issuerHost = config.issuer_host || '127.0.0.1';
const accounts = new Map(config.accounts.map((a) => [a.username, a])); // by username
const accountsBySub = new Map(config.accounts.map((a) => [String(a.sub ?? a.username), a]));

// ------------------------------------------------------------ signing key ---
// RS256 key made at start (or `signing_key`, a private RSA JWK, from config).
// The private JWK stays in memory: the tamper hook re-signs tokens with it.
let signingJwk = config.signing_key;
if (!signingJwk) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  signingJwk = await jose.exportJWK(privateKey);
}
signingJwk = { ...signingJwk, alg: 'RS256', use: 'sig', kid: signingJwk.kid || crypto.randomUUID() };
const signingKey = await jose.importJWK(signingJwk, 'RS256');

// ---------------------------------------------------------------- helpers ---
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

// The heading avoids the words of the buttons ("Sign in", "Sign out") so a
// Playwright getByText('Sign in') finds only the button.
const page = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body><main><h1>Test identity provider</h1>
${body}
</main></body></html>`;

async function readBody(req, limit = 64 * 1024) {
  let data = '';
  for await (const chunk of req) {
    data += chunk;
    if (data.length > limit) throw new Error('request body too large');
  }
  return data;
}

// Only loopback URLs over http, e.g. http://127.0.0.1:43123/auth/callback.
function loopbackUrl(value, pathname) {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' && u.hostname === '127.0.0.1' && !u.hash && !u.username
      && (pathname === undefined || u.pathname === pathname);
  } catch {
    return false;
  }
}

// ------------------------------------------------------- provider config ---
// The issuer needs the port, which is only known once listening (port 0), so
// listen first with a handler that the provider's callback replaces.
let handler = (_req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const actualPort = server.address().port;
const issuer = `http://${issuerHost}:${actualPort}`;

const claimsOf = (a) => ({
  sub: String(a.sub ?? a.username),
  email: a.email,
  email_verified: a.email_verified ?? true,
  name: a.name,
  preferred_username: a.username,
  groups: a.groups ?? [],
});

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    // Placeholders: the real check is relaxed below (see redirectUriAllowed).
    redirect_uris: c.redirect_uris ?? ['http://127.0.0.1/auth/callback'],
    post_logout_redirect_uris: c.post_logout_redirect_uris ?? ['http://127.0.0.1/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // Either of client_secret_basic / client_secret_post is accepted for a
    // client registered with one of them.
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  })),
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  pkce: { required: () => true }, // 9.x supports only S256
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // scope claims go into the ID token itself
  async findAccount(_ctx, sub) {
    const account = accountsBySub.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => claimsOf(account) };
  },
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  ttl: {
    IdToken: Number(config.id_token_ttl_seconds ?? 3600),
    AccessToken: 3600, AuthorizationCode: 60, Grant: 86400, Interaction: 3600, Session: 86400,
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false }, // they accept any password
    rpInitiatedLogout: {
      enabled: true,
      // `form` is <form id="op.logoutForm" ...><input name="xsrf" ...></form>.
      // Put a real submit button (logout=yes) inside it: works without JS.
      // The optional auto-submit clicks it (form.submit() would drop logout=yes).
      async logoutSource(ctx, form) {
        const button = '<button type="submit" name="logout" value="yes">Sign out</button>';
        const auto = config.auto_submit_logout
          ? '<script>document.querySelector(\'button[name="logout"]\').click()</script>' : '';
        ctx.type = 'html';
        ctx.body = page('Logout', `<p>End your session at the test identity provider?</p>
${form.replace('</form>', `${button}</form>`)}${auto}`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', Object.entries(out)
      .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('\n'));
  },
});

// Tests don't know Airlock's port in advance: allow any loopback port for
// /auth/callback (and any loopback URL after logout), besides the registered.
const { redirectUriAllowed, postLogoutRedirectUriAllowed } = provider.Client.prototype;
provider.Client.prototype.redirectUriAllowed = function allowed(value) {
  return loopbackUrl(value, '/auth/callback') || redirectUriAllowed.call(this, value);
};
provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
  return loopbackUrl(value) || postLogoutRedirectUriAllowed.call(this, value);
};

provider.on('server_error', (_ctx, err) => console.error('oidc server_error:', err));

// ------------------------------------------------------------ login pages ---
function loginForm(uid, { username = '', error } = {}) {
  return page('Login', `${error ? `<p role="alert">${esc(error)}</p>\n` : ''}\
<form method="post" action="/interaction/${esc(encodeURIComponent(uid))}/login">
<p><label for="username">Username</label>
<input id="username" name="username" autocomplete="username" value="${esc(username)}" autofocus></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p>
</form>`);
}

// Login and consent in one go: grant exactly what the client asked for.
async function finish(ctx, details, accountId) {
  const { params } = details;
  let grant = details.grantId && await provider.Grant.find(details.grantId);
  if (!grant || grant.accountId !== accountId) { // none yet, or another user's
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  grant.addOIDCScope(String(params.scope ?? 'openid'));
  const grantId = await grant.save();
  const result = { consent: { grantId } };
  if (details.prompt.name === 'login') result.login = { accountId };
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

// ------------------------------------------------------------ tamper hook ---
let tamper = null; // applies once, to the next token-endpoint response

async function tamperIdToken(idToken, t) {
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  for (const [k, v] of Object.entries(t)) {
    if (k === 'resign_with_foreign_key') continue;
    if (k === 'exp_offset_seconds') {
      // exp := now + offset, iat moved along (same lifetime): both in the past.
      const life = claims.exp - claims.iat;
      claims.exp = Math.floor(Date.now() / 1000) + Number(v);
      claims.iat = claims.exp - life;
    } else if (v === null) delete claims[k];
    else claims[k] = v;
  }
  const key = t.resign_with_foreign_key
    ? (await jose.generateKeyPair('RS256')).privateKey
    : signingKey;
  return new jose.SignJWT(claims).setProtectedHeader(header).sign(key); // same kid
}

// ------------------------------------------------------------- middleware ---
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/health' && ctx.method === 'GET') {
    ctx.body = 'ok';
    return;
  }
  if (ctx.path === '/test/tamper-next-id-token' && ctx.method === 'POST') {
    try {
      const t = JSON.parse((await readBody(ctx.req)) || '{}');
      if (!t || typeof t !== 'object' || Array.isArray(t)) throw new Error('expected a JSON object');
      tamper = t;
      ctx.status = 204;
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: err.message };
    }
    return;
  }

  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (m) {
    const uid = decodeURIComponent(m[1]);
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new Error('interaction mismatch');
    } catch (err) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', `<p>Sign-in session not found or expired: ${esc(err.message)}</p>`);
      return;
    }
    ctx.set('cache-control', 'no-store');
    if (ctx.method === 'GET' && !m[2]) {
      // Already signed in and only consent is missing: grant it, no page.
      if (details.prompt.name !== 'login' && details.session?.accountId) {
        await finish(ctx, details, details.session.accountId);
        return;
      }
      ctx.type = 'html';
      ctx.body = loginForm(uid);
      return;
    }
    if (ctx.method === 'POST' && m[2]) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const username = form.get('username') ?? '';
      const account = accounts.get(username);
      if (!account || String(account.password) !== (form.get('password') ?? '')) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginForm(uid, { username, error: 'Invalid username or password' });
        return;
      }
      await finish(ctx, details, String(account.sub ?? account.username));
      return;
    }
    ctx.status = 405;
    return;
  }

  await next();

  // Token endpoint: apply a pending tamper to the id_token of a success body.
  if (tamper && ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const t = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token, t) };
    console.error('oidc test provider: tampered id_token with', JSON.stringify(t));
  }
});

handler = provider.callback();

// --------------------------------------------------------------- lifetime ---
function shutdown(why) {
  console.error(`oidc test provider: exiting (${why})`);
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// Parent gone => its end of our stdin pipe closes. Only watch a pipe/socket:
// /dev/null or a file (CI, `cmd &`) would hit EOF at once; a TTY never does.
try {
  const st = fs.fstatSync(0);
  if (!process.stdin.isTTY && (st.isFIFO() || st.isSocket())) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('close', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume(); // discard whatever the parent writes
  }
} catch { /* no fd 0 at all: nothing to watch */ }

process.stdout.write(`${JSON.stringify({ issuer, port: actualPort })}\n`);
console.error(`oidc test provider: ${issuer} listening on 127.0.0.1:${actualPort}, `
  + `${config.clients.length} client(s), ${config.accounts.length} account(s)`);
