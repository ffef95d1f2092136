"""The person at the browser, played over plain HTTP.

Opens the authorization URL, gets sent to tessera's login page, signs in, comes back to the
consent page and presses Allow; returns where tessera finally redirects (the client's redirect
URI with `code`, `state` and `iss`).
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode, urljoin

try:  # mcp 2.x is built on httpx2, the 1.x line on httpx (the same API)
    import httpx2
except ImportError:
    import httpx as httpx2

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*("([^"]*)"|'([^']*)')""")


def _attributes(tag: str) -> dict[str, str]:
    """The attributes of one tag's source, values unescaped."""
    return {
        m.group(1).lower(): unescape(m.group(3) if m.group(3) is not None else (m.group(4) or ""))
        for m in _ATTRIBUTE.finditer(tag)
    }


def _hidden_fields(html: str, action: str) -> list[tuple[str, str]]:
    """The hidden inputs of the `<form>` whose `action` is `action`."""
    for form in _FORM.finditer(html):
        if _attributes(form.group(1)).get("action") != action:
            continue
        fields = []
        for tag in _INPUT.finditer(form.group(2)):
            attrs = _attributes(tag.group(0))
            if attrs.get("type") == "hidden" and "name" in attrs:
                fields.append((attrs["name"], attrs.get("value", "")))
        return fields
    raise RuntimeError(f'no <form action="{action}"> on the page')


async def _post_form(browser: httpx2.AsyncClient, url: str, fields: list[tuple[str, str]]) -> httpx2.Response:
    """POSTs `fields` (in order, repeats kept) as `application/x-www-form-urlencoded`."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return await browser.post(url, content=urlencode(fields), headers=headers)


def _expect(response: httpx2.Response, status: int, step: str) -> None:
    """Fails the journey, naming the step, unless `response` has `status`."""
    if response.status_code != status:
        raise RuntimeError(f"{step}: expected HTTP {status}, got {response.status_code}: {response.text[:500]}")


async def sign_in_and_allow(authorize_url: str, email: str, password: str) -> str:
    """Opens `authorize_url` in a fresh browser, signs in as `email`, allows on the consent
    page and returns the absolute URL tessera redirects to."""
    async with httpx2.AsyncClient(follow_redirects=False) as browser:
        response = await browser.get(authorize_url)
        _expect(response, 303, "GET the authorization URL (sent to log in)")
        login_url = urljoin(authorize_url, response.headers["location"])

        response = await browser.get(login_url)
        _expect(response, 200, "GET the login page")
        form = _hidden_fields(response.text, "/login")
        form += [("email", email), ("password", password)]
        response = await _post_form(browser, urljoin(authorize_url, "/login"), form)
        _expect(response, 303, "POST the login form")
        back = urljoin(authorize_url, response.headers["location"])

        response = await browser.get(back)
        _expect(response, 200, "GET the consent page")
        consent = _hidden_fields(response.text, "/oauth2/authorize") + [("decision", "allow")]
        response = await _post_form(browser, urljoin(authorize_url, "/oauth2/authorize"), consent)
        _expect(response, 302, "POST the consent form with decision=allow")
        return urljoin(authorize_url, response.headers["location"])
