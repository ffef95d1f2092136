// The person at the browser, played over plain HTTP: open the authorization URL, get sent to
// tessera's login page, sign in, come back to the consent page and press Allow. Returns where
// tessera finally redirects (the client's redirect URI with `code`, `state` and `iss`).

/** A fetch that keeps cookies (as a browser would) and never follows redirects. */
function browserFetch() {
  const jar = new Map();
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) {
      headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(a => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
}

/** Fails the journey, naming the step, unless `response` has `status`. */
async function expectStatus(response, status, step) {
  if (response.status !== status) {
    const body = (await response.text()).slice(0, 500);
    throw new Error(`${step}: expected HTTP ${status}, got ${response.status}: ${body}`);
  }
}

/** Undoes the HTML escaping of an attribute value (Tera escapes `/` as `&#x2F;`). */
function unescapeHtml(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The attributes of one tag's source, e.g. `<input type="hidden" name="a" value="b">`. */
function attributes(tag) {
  const found = {};
  for (const [, name, , double, single] of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    found[name.toLowerCase()] = unescapeHtml(double ?? single ?? '');
  }
  return found;
}

/** The hidden inputs of the `<form>` whose `action` is `action`, as form fields. */
function hiddenFields(html, action) {
  for (const [, open, body] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if (attributes(open).action !== action) continue;
    const fields = new URLSearchParams();
    for (const [input] of body.matchAll(/<input\b[^>]*>/gi)) {
      const attrs = attributes(input);
      if (attrs.type === 'hidden' && attrs.name !== undefined) fields.append(attrs.name, attrs.value ?? '');
    }
    return fields;
  }
  throw new Error(`no <form action="${action}"> on the page`);
}

/**
 * Opens `authorizeUrl` in a fresh browser, signs in as `email`, allows on the consent page and
 * returns the absolute URL tessera redirects to.
 */
export async function signInAndAllow(authorizeUrl, email, password) {
  const send = browserFetch();

  let response = await send(authorizeUrl);
  await expectStatus(response, 303, 'GET the authorization URL (sent to log in)');
  const loginUrl = new URL(response.headers.get('location'), authorizeUrl);

  response = await send(loginUrl);
  await expectStatus(response, 200, 'GET the login page');
  const login = hiddenFields(await response.text(), '/login');
  login.append('email', email);
  login.append('password', password);
  response = await send(new URL('/login', authorizeUrl), { method: 'POST', body: login });
  await expectStatus(response, 303, 'POST the login form');
  const back = new URL(response.headers.get('location'), authorizeUrl);

  response = await send(back);
  await expectStatus(response, 200, 'GET the consent page');
  const consent = hiddenFields(await response.text(), '/oauth2/authorize');
  consent.append('decision', 'allow');
  response = await send(new URL('/oauth2/authorize', authorizeUrl), { method: 'POST', body: consent });
  await expectStatus(response, 302, 'POST the consent form with decision=allow');
  return new URL(response.headers.get('location'), authorizeUrl).href;
}
