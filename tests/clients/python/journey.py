"""The MCP Python SDK (`mcp`, 2.x or 1.x, whichever venv runs it) as its own OAuth example uses it
(examples/clients/simple-auth-client): `OAuthClientProvider` with the example's
`OAuthClientMetadata`, an `httpx2.AsyncClient(auth=..., follow_redirects=True)` handed to
`streamable_http_client`, and `ClientSession`, starting from the MCP URL alone. The test
plays the browser (browser.py). Every fact the Rust test checks is printed to stdout as one
JSON object per line; diagnostics go to stderr.

Environment: TESSERA_MCP_URL, TESSERA_EMAIL, TESSERA_PASSWORD.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
import traceback
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:  # mcp 2.x is built on httpx2, the 1.x line on httpx (the same API)
    import httpx2
except ImportError:
    import httpx as httpx2
from browser import sign_in_and_allow
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

try:  # mcp 2.x: the callback returns the code with its state and iss (RFC 9207)
    from mcp.client.auth import AuthorizationCodeResult
except ImportError:  # mcp 1.x: a (code, state) pair
    AuthorizationCodeResult = None

MCP_URL = os.environ["TESSERA_MCP_URL"]
EMAIL = os.environ["TESSERA_EMAIL"]
PASSWORD = os.environ["TESSERA_PASSWORD"]

# Exactly the example's client metadata (nothing listens on its callback: the test reads the
# redirect itself).
CLIENT_METADATA = {
    "client_name": "Simple Auth Client",
    "redirect_uris": ["http://localhost:3030/callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
}
SECRET_FIELDS = {"code", "code_verifier", "refresh_token", "client_secret"}


def emit(**event: Any) -> None:
    """One machine-readable line on stdout."""
    print(json.dumps(event), flush=True)


def fingerprint(secret: str | None) -> str | None:
    """A fingerprint of a credential, so the output can compare tokens without showing them."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None


class InMemoryTokenStorage(TokenStorage):
    """The example's in-memory token storage."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


async def on_response(response: httpx2.Response) -> None:
    """httpx2 event hook: records every request the SDK makes, and what it answered."""
    request = response.request
    path = request.url.path
    emit(event="http", method=request.method, url=str(request.url), status=response.status_code)
    if request.method == "POST" and path == "/oauth2/register":
        answer = json.loads(await response.aread() or b"null")
        if isinstance(answer, dict) and "client_secret" in answer:
            answer["client_secret"] = "[redacted]"
        emit(event="registration", request=json.loads(request.content), status=response.status_code, response=answer)
    if request.method == "POST" and path == "/oauth2/tokens":
        answer = json.loads(await response.aread() or b"null") or {}
        form = {k: f"sha256:{fingerprint(v)}" if k in SECRET_FIELDS else v for k, v in parse_qsl(request.content.decode())}
        basic = request.headers.get("authorization", "").startswith("Basic ")
        emit(
            event="token_request",
            form=form,
            basic_auth=basic,
            status=response.status_code,
            error=answer.get("error"),
            scope=answer.get("scope"),
        )


def tool_result(result: Any) -> Any:
    """The tool's structured result, or its text content parsed as JSON."""
    # 2.x names it `structured_content`, 1.x `structuredContent`.
    structured = getattr(result, "structured_content", None) or getattr(result, "structuredContent", None)
    if structured is not None:
        return structured
    text = next((c.text for c in result.content if c.type == "text"), None)
    try:
        return json.loads(text) if text is not None else None
    except json.JSONDecodeError:
        return text


async def main() -> None:
    storage = InMemoryTokenStorage()
    authorization_url: list[str] = []

    async def redirect_handler(url: str) -> None:
        authorization_url.append(url)
        emit(event="authorization_url", url=url)

    async def callback_handler() -> Any:
        callback = await sign_in_and_allow(authorization_url[-1], EMAIL, PASSWORD)
        parts = urlsplit(callback)
        params = dict(parse_qsl(parts.query))
        emit(
            event="callback",
            redirect_uri=f"{parts.scheme}://{parts.netloc}{parts.path}",
            params=sorted(params),
            iss=params.get("iss"),
            state=params.get("state"),
            error=params.get("error"),
        )
        code, state = params.get("code", ""), params.get("state")
        if AuthorizationCodeResult is None:
            return code, state
        return AuthorizationCodeResult(code=code, state=state, iss=params.get("iss"))

    # The example passes `server_url.replace("/mcp", "")` (its server lives at `/mcp`); the
    # parameter is "the MCP server URL", so the journey passes tessera's MCP URL as it is.
    oauth_auth = OAuthClientProvider(
        server_url=MCP_URL,
        client_metadata=OAuthClientMetadata.model_validate(CLIENT_METADATA),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    hooks = {"response": [on_response]}
    async with httpx2.AsyncClient(auth=oauth_auth, follow_redirects=True, event_hooks=hooks) as http:
        # 2.x yields (read, write); 1.x adds a session-id getter.
        async with streamable_http_client(url=MCP_URL, http_client=http) as streams:
            read_stream, write_stream = streams[0], streams[1]
            async with ClientSession(read_stream, write_stream) as session:
                await session.initialize()
                emit(event="connected")
                first = storage.tokens
                assert first is not None and storage.client_info is not None
                emit(
                    event="tokens",
                    client_id=storage.client_info.client_id,
                    scope=first.scope,
                    refresh_token=fingerprint(first.refresh_token),
                )

                tools = (await session.list_tools()).tools
                emit(event="tools", names=sorted(t.name for t in tools))
                emit(event="whoami", phase="first", result=tool_result(await session.call_tool("whoami", {})))

                # Force the SDK's own refresh path: the stored token is marked expired, so the
                # provider redeems its refresh token before the next request.
                oauth_auth.context.token_expiry_time = time.time() - 1
                again = tool_result(await session.call_tool("whoami", {}))
                second = storage.tokens
                assert second is not None
                emit(
                    event="refreshed",
                    old_refresh_token=fingerprint(first.refresh_token),
                    new_refresh_token=fingerprint(second.refresh_token),
                    access_token_changed=second.access_token != first.access_token,
                )
                emit(event="whoami", phase="after_refresh", result=again)
    emit(event="done")


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, which anyio's task groups raise."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except BaseException as error:  # noqa: BLE001 - report anything, then fail
        first = leaves(error)[0]
        emit(event="error", name=type(first).__name__, message=str(first))
        traceback.print_exc(file=sys.stderr)
        sys.exit(1)
