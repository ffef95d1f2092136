// The MCP TypeScript SDK (`@modelcontextprotocol/sdk`) as its own OAuth example uses it
// (examples/client/simpleOAuthClient.js): `Client` + `StreamableHTTPClientTransport` with the
// example's `InMemoryOAuthClientProvider` and client metadata, starting from the MCP URL alone.
// The test plays the browser (browser.mjs). Every fact the Rust test checks is printed to
// stdout as one JSON object per line; diagnostics go to stderr.
//
// Environment: TESSERA_MCP_URL, TESSERA_EMAIL, TESSERA_PASSWORD.

import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { InMemoryOAuthClientProvider } from '@modelcontextprotocol/sdk/examples/client/simpleOAuthClientProvider.js';
import { signInAndAllow } from './browser.mjs';

const mcpUrl = required('TESSERA_MCP_URL');
const email = required('TESSERA_EMAIL');
const password = required('TESSERA_PASSWORD');

// As in the SDK's example: a loopback callback (nothing listens there; the test reads the
// redirect itself) and exactly the example's client metadata.
const CALLBACK_URL = 'http://localhost:8090/callback';
const clientMetadata = {
  client_name: 'Simple OAuth MCP Client',
  redirect_uris: [CALLBACK_URL],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post'
};

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** One machine-readable line on stdout. */
function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** A fingerprint of a credential, so the output can compare tokens without showing them. */
function fingerprint(secret) {
  return secret ? createHash('sha256').update(secret).digest('hex').slice(0, 16) : null;
}

/** Token-endpoint form fields as sent, with secrets replaced by their fingerprints. */
function tokenForm(body) {
  const secrets = new Set(['code', 'code_verifier', 'refresh_token', 'client_secret']);
  const form = {};
  for (const [name, value] of new URLSearchParams(String(body))) {
    form[name] = secrets.has(name) ? `sha256:${fingerprint(value)}` : value;
  }
  return form;
}

/** The fetch every SDK request goes through: it records what was sent and answered. */
async function recordingFetch(url, init = {}) {
  const response = await fetch(url, init);
  const href = String(url instanceof Request ? url.url : url);
  const method = init.method ?? 'GET';
  emit({ event: 'http', method, url: href, status: response.status });
  const path = new URL(href).pathname;
  if (method === 'POST' && path === '/oauth2/register') {
    const answer = await response.clone().json().catch(() => null);
    if (answer?.client_secret) answer.client_secret = '[redacted]';
    emit({ event: 'registration', request: JSON.parse(init.body), status: response.status, response: answer });
  }
  if (method === 'POST' && path === '/oauth2/tokens') {
    const answer = await response.clone().json().catch(() => null);
    emit({
      event: 'token_request',
      form: tokenForm(init.body),
      basic_auth: new Headers(init.headers).has('authorization'),
      status: response.status,
      error: answer?.error ?? null,
      scope: answer?.scope ?? null
    });
  }
  return response;
}

/** The tool's structured result, or its text content parsed as JSON. */
function toolResult(result) {
  if (result.structuredContent) return result.structuredContent;
  const text = result.content?.find(c => c.type === 'text')?.text;
  try {
    return JSON.parse(text);
  } catch {
    return text ?? null;
  }
}

let authorizationUrl;
const provider = new InMemoryOAuthClientProvider(CALLBACK_URL, clientMetadata, url => {
  authorizationUrl = url;
});
const client = new Client({ name: 'simple-oauth-client', version: '1.0.0' }, { capabilities: {} });

/** The example's `attemptConnection`: connect; on 401 authorize in the browser, then retry. */
async function attemptConnection(attempt = 1) {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    authProvider: provider,
    fetch: recordingFetch
  });
  try {
    await client.connect(transport);
    emit({ event: 'connected', attempt });
    return transport;
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !authorizationUrl || attempt > 1) throw error;
    emit({ event: 'authorization_url', url: authorizationUrl.href });
    const callback = new URL(await signInAndAllow(authorizationUrl.href, email, password));
    const params = Object.fromEntries(callback.searchParams);
    emit({
      event: 'callback',
      redirect_uri: `${callback.origin}${callback.pathname}`,
      params: Object.keys(params).sort(),
      iss: params.iss ?? null,
      state: params.state ?? null,
      error: params.error ?? null
    });
    if (!params.code) throw new Error(`no code in the redirect: ${callback.search}`);
    await transport.finishAuth(params.code);
    return attemptConnection(attempt + 1);
  }
}

async function main() {
  const transport = await attemptConnection();
  const first = provider.tokens();
  emit({
    event: 'tokens',
    client_id: provider.clientInformation()?.client_id,
    scope: first.scope ?? null,
    refresh_token: fingerprint(first.refresh_token)
  });

  const { tools } = await client.listTools();
  emit({ event: 'tools', names: tools.map(t => t.name).sort() });
  emit({ event: 'whoami', phase: 'first', result: toolResult(await client.callTool({ name: 'whoami', arguments: {} })) });

  // Force the SDK's own refresh path: the stored access token goes bad, the server answers
  // 401 invalid_token, and the transport runs `auth()`, which redeems the refresh token.
  provider.saveTokens({ ...first, access_token: 'an-access-token-the-server-never-issued' });
  const again = toolResult(await client.callTool({ name: 'whoami', arguments: {} }));
  const second = provider.tokens();
  emit({
    event: 'refreshed',
    old_refresh_token: fingerprint(first.refresh_token),
    new_refresh_token: fingerprint(second.refresh_token),
    access_token_changed: second.access_token !== first.access_token
  });
  emit({ event: 'whoami', phase: 'after_refresh', result: again });

  await transport.close();
  emit({ event: 'done' });
}

main().catch(error => {
  emit({ event: 'error', name: error?.constructor?.name ?? null, message: String(error?.message ?? error) });
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
