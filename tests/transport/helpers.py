"""Shared test helpers: running coroutines without a pytest plugin, a tiny websocket server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from websockets.asyncio.server import ServerConnection, serve

T = TypeVar("T")

#: A key-shaped string; tests check that it never leaks.
API_KEY = "sk-test-SECRET-0123456789abcdef"


def run(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run a coroutine to completion, failing (not hanging) after `timeout` seconds."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def frame(event: dict[str, Any]) -> str:
    return json.dumps(event)


def session_created(model: str = "gpt-realtime") -> str:
    return frame(
        {
            "type": "session.created",
            "event_id": "event_0",
            "session": {
                "type": "realtime",
                "id": "sess_1",
                "object": "realtime.session",
                "model": model,
            },
        }
    )


def error_frame(
    code: str | None,
    message: str = "boom",
    event_id: str | None = None,
    error_type: str = "invalid_request_error",
) -> str:
    error: dict[str, Any] = {"type": error_type, "message": message, "code": code}
    if event_id is not None:
        error["event_id"] = event_id
    return frame({"type": "error", "event_id": "event_err", "error": error})


Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def ws_server(handler: Handler, **kwargs: Any) -> AsyncIterator[str]:
    """Serve `handler` on 127.0.0.1, port 0; yield the REST-style base URL (`http://.../v1`)."""
    async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None, **kwargs) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}/v1"
