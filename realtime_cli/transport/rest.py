"""The REST side of the Realtime API (PROTOCOL.md 6): client secrets and call control.

    async with RestClient(api_key=key) as rest:
        secret = await rest.create_client_secret(RealtimeSession(model="gpt-realtime"))
        answer = await rest.create_call(offer_sdp)        # answer.sdp, answer.call_id

Failures raise `APIError` (an HTTP error status; one line with status, OpenAI error type,
code and message, and the request id), `ConnectionFailed` or `ConnectionTimeout`. Connection
errors, timeouts, 408, 429 and 5xx are retried a bounded number of times (`RetryPolicy`).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from realtime_cli.errors import UsageError
from realtime_cli.protocol import (
    ProtocolError,
    RealtimeSession,
    Session,
    SessionUpdate,
    validate_client_event,
)
from realtime_cli.transport.errors import APIError, ConnectionFailed, ConnectionTimeout
from realtime_cli.transport.handshake import USER_AGENT
from realtime_cli.transport.redact import one_line, scrub
from realtime_cli.transport.retry import RetryPolicy
from realtime_cli.transport.urls import DEFAULT_BASE_URL, display_url, rest_url

__all__ = [
    "CallAnswer",
    "ClientSecret",
    "RestClient",
    "api_error",
    "call_id_from_location",
]

DEFAULT_TIMEOUT = 30.0
#: The range the service accepts for `expires_after.seconds`.
EXPIRES_AFTER_RANGE = (10, 7200)

_ENCODER = msgspec.json.Encoder()
_RETRYABLE_EXCEPTIONS = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


class ClientSecret(msgspec.Struct, kw_only=True):
    """An ephemeral key (`ek_...`) for a browser or device, and the session it opens."""

    value: str
    #: Unix seconds.
    expires_at: int
    session: Session

    def __repr__(self) -> str:
        # The value is a bearer credential until it expires.
        return f"ClientSecret(value='***', expires_at={self.expires_at})"


@dataclass(frozen=True)
class CallAnswer:
    """The result of `create_call`: the SDP answer and the new call's id (`rtc_...`)."""

    call_id: str
    sdp: str


def call_id_from_location(location: str | None) -> str:
    """The call id: the last path segment of a `Location` (a path or an absolute URL)."""
    path = urlsplit(location or "").path.rstrip("/")
    call_id = path.rpartition("/")[2]
    if not call_id:
        raise ProtocolError("no call id in the Location header", location or "")
    return call_id


def _error_fields(response: httpx.Response) -> dict[str, str | None]:
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return {}

    def text(key: str) -> str | None:
        value = error.get(key)
        return value if isinstance(value, str) else None

    return {key: text(key) for key in ("type", "code", "message", "param")}


def api_error(
    method: str, path: str, response: httpx.Response, secret: str | None = None
) -> APIError:
    """The `APIError` for an error response, with the fields of an OpenAI error body."""
    fields = _error_fields(response)
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    message = fields.get("message")
    if message is None and not fields:
        message = one_line(response.text, 200) if response.content else None
    kind = ".".join(part for part in (fields.get("type"), fields.get("code")) if part)
    reason = response.reason_phrase
    line = f"{method} {path} failed: HTTP {status}{' ' + reason if reason else ''}"
    if kind:
        line += f" {kind}"
    if message:
        line += f": {one_line(message, 300)}"
    if request_id:
        line += f" (request id {request_id})"
    return APIError(
        scrub(line, secret),
        status_code=status,
        error_type=fields.get("type"),
        error_code=fields.get("code"),
        error_message=scrub(message, secret) if message is not None else None,
        param=fields.get("param"),
        request_id=request_id,
    )


def _network_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text:
        return "host not found"
    return one_line(text or type(exc).__name__, 200)


def _validated(session: Session) -> Session:
    # The GA session rules live on the session.update validator; reuse them.
    validate_client_event(SessionUpdate(session=session))
    return session


def _call_path(call_id: str, action: str) -> str:
    if not call_id:
        raise UsageError("the call id is empty")
    return f"/realtime/calls/{quote(call_id, safe='')}/{action}"


class RestClient:
    """An async client of the Realtime REST endpoints (one `httpx.AsyncClient`).

    `transport` replaces the network (tests pass an `httpx.MockTransport`); `sleep`, `rand`
    and `clock` are injectable so retry tests neither sleep nor depend on chance.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not api_key or api_key != api_key.strip():
            raise UsageError("the API key is empty or has surrounding whitespace")
        self._secret = api_key
        self._base_url = base_url or DEFAULT_BASE_URL
        rest_url(self._base_url, "/")  # fail early, as a UsageError, on a malformed base URL
        headers = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}
        if organization:
            headers["OpenAI-Organization"] = organization
        if project:
            headers["OpenAI-Project"] = project
        self._client = httpx.AsyncClient(
            headers=headers, timeout=timeout, transport=transport, follow_redirects=False
        )
        self._retry = retry or RetryPolicy()
        #: Why the last request is being retried (an HTTP status, a network error), if it is.
        self.retrying: str | None = None
        self._sleep = sleep
        self._rand = rand
        self._clock = clock

    def __repr__(self) -> str:
        return f"RestClient({display_url(self._base_url)!r})"

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._client.aclose()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- endpoints ------------------------------------------------------------------------

    async def create_client_secret(
        self, session: Session | None = None, expires_after_seconds: int | None = None
    ) -> ClientSecret:
        """`POST /realtime/client_secrets`: an ephemeral key for `session`."""
        body: dict[str, Any] = {}
        if expires_after_seconds is not None:
            low, high = EXPIRES_AFTER_RANGE
            if not low <= expires_after_seconds <= high:
                raise UsageError(
                    f"expires_after_seconds must be {low}-{high}, got {expires_after_seconds}"
                )
            body["expires_after"] = {"anchor": "created_at", "seconds": expires_after_seconds}
        if session is not None:
            body["session"] = _validated(session)
        response = await self._request(
            "POST", "/realtime/client_secrets", content=_ENCODER.encode(body), json_body=True
        )
        try:
            return msgspec.json.decode(response.content, type=ClientSecret)
        except msgspec.DecodeError as exc:
            raise ProtocolError(
                f"unexpected client secret response ({exc})", scrub(response.text, self._secret)
            ) from exc

    async def create_call(self, sdp: str, session: RealtimeSession | None = None) -> CallAnswer:
        """`POST /realtime/calls`: send a WebRTC SDP offer, get the answer and the call id.

        The body is the raw SDP, or multipart (`sdp` and `session` parts) with a session.
        """
        headers = {"Accept": "application/sdp"}
        if session is None:
            headers["Content-Type"] = "application/sdp"
            response = await self._request(
                "POST", "/realtime/calls", content=sdp.encode(), headers=headers
            )
        else:
            files = [
                ("sdp", (None, sdp.encode(), "application/sdp")),
                ("session", (None, _ENCODER.encode(_validated(session)), "application/json")),
            ]
            response = await self._request("POST", "/realtime/calls", files=files, headers=headers)
        return CallAnswer(
            call_id=call_id_from_location(response.headers.get("location")), sdp=response.text
        )

    async def accept_call(self, call_id: str, session: RealtimeSession) -> None:
        """`POST /realtime/calls/{id}/accept` with the session as the (flattened) body."""
        await self._request(
            "POST",
            _call_path(call_id, "accept"),
            content=_ENCODER.encode(_validated(session)),
            json_body=True,
        )

    async def reject_call(self, call_id: str, status_code: int | None = None) -> None:
        """`POST /realtime/calls/{id}/reject`, with a SIP status (the service defaults to 603)."""
        body = {} if status_code is None else {"status_code": status_code}
        await self._request(
            "POST", _call_path(call_id, "reject"), content=_ENCODER.encode(body), json_body=True
        )

    async def refer_call(self, call_id: str, target_uri: str) -> None:
        """`POST /realtime/calls/{id}/refer`: transfer the call (`tel:...` or `sip:...`)."""
        body = {"target_uri": target_uri}
        await self._request(
            "POST", _call_path(call_id, "refer"), content=_ENCODER.encode(body), json_body=True
        )

    async def hangup_call(self, call_id: str) -> None:
        """`POST /realtime/calls/{id}/hangup`: end a WebRTC or SIP call."""
        await self._request("POST", _call_path(call_id, "hangup"))

    # -- the one request loop -------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        files: list[tuple[str, tuple[None, bytes, str]]] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: bool = False,
    ) -> httpx.Response:
        url = rest_url(self._base_url, path)
        all_headers = dict(headers or {})
        if json_body:
            all_headers["Content-Type"] = "application/json"
        all_headers.setdefault("Accept", "*/*")
        for attempt in range(self._retry.max_retries + 1):
            last = attempt == self._retry.max_retries
            request = self._client.build_request(
                method, url, content=content, files=files, headers=all_headers
            )
            try:
                response = await self._client.send(request)
            except _RETRYABLE_EXCEPTIONS as exc:
                if last:
                    raise self._network_error(url, exc) from exc
                self.retrying = _network_reason(exc)
                await self._wait(attempt, None)
                continue
            except httpx.TransportError as exc:
                raise self._network_error(url, exc) from exc
            if response.is_success:
                self.retrying = None
                return response
            if last or not self._retry.retryable_status(response.status_code, response.headers):
                raise api_error(method, path, response, self._secret)
            self.retrying = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            await self._wait(attempt, response.headers)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def _wait(self, attempt: int, headers: Mapping[str, str] | None) -> None:
        await self._sleep(self._retry.delay(attempt, headers, rand=self._rand(), now=self._clock()))

    def _network_error(self, url: str, exc: httpx.TransportError) -> ConnectionFailed:
        shown = display_url(url)
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionTimeout(f"timed out talking to {shown}", url=shown)
        return ConnectionFailed(f"cannot reach {shown}: {_network_reason(exc)}", url=shown)
