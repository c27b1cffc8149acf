"""Building the websocket and REST URLs the way the official SDK does (PROTOCOL.md 1.1)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from realtime_cli.errors import UsageError

__all__ = ["DEFAULT_BASE_URL", "display_url", "realtime_url", "rest_url"]

#: The SDK's default `base_url` (what `OPENAI_BASE_URL` overrides).
DEFAULT_BASE_URL = "https://api.openai.com/v1"

_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def realtime_url(
    *,
    model: str | None = None,
    base_url: str | None = None,
    websocket_base_url: str | None = None,
    call_id: str | None = None,
    intent: str | None = None,
) -> str:
    """The realtime websocket URL.

    `websocket_base_url`, when given, wins over `base_url` (default `DEFAULT_BASE_URL`); the
    scheme maps http->ws and https->wss, `/realtime` is appended to the path, a query already
    in the base is kept, then `model`, `intent` and `call_id` are added when given.

    >>> realtime_url(model="m", base_url="http://localhost:8080/v1")
    'ws://localhost:8080/v1/realtime?model=m'
    """
    base = websocket_base_url or base_url or DEFAULT_BASE_URL
    parts = urlsplit(base.strip())
    scheme = _WS_SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise UsageError(f"invalid base URL {display_url(base)!r}: expected http(s):// or ws(s)://")
    path = parts.path.rstrip("/") + "/realtime"
    params = [
        (name, value)
        for name, value in (("model", model), ("intent", intent), ("call_id", call_id))
        if value is not None
    ]
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def rest_url(base_url: str | None, path: str) -> str:
    """`path` (like `/realtime/calls`) appended to the REST base URL's path; query kept."""
    base = base_url or DEFAULT_BASE_URL
    parts = urlsplit(base.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid base URL {display_url(base)!r}: expected http(s)://")
    joined = parts.path.rstrip("/") + "/" + path.lstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc, joined, parts.query, ""))


def display_url(url: str) -> str:
    """The URL as shown in messages: no user:password, no query, no fragment."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
