"""Helpers for the emulator tests: run a coroutine, a small websocket client, speech-like PCM."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlencode

import numpy as np
import websockets
from websockets.asyncio.client import ClientConnection

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.synth import silence, tone
from realtime_cli.protocol import (
    BaseClientEvent,
    BaseServerEvent,
    UnknownServerEvent,
    decode_server_event,
    encode_client_event,
)

T = TypeVar("T")

#: Fast enough for tests, slow enough that pacing is observable.
FAST = 40.0


def arun(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run a coroutine to completion in a fresh event loop, with a safety timeout."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def speech_pcm(*segments: tuple[str, float], freq: float = 220.0) -> bytes:
    """24 kHz PCM16 from ("tone" | "silence", ms) segments: speech-like bursts and pauses."""
    parts = [tone(freq, ms) if kind == "tone" else silence(ms) for kind, ms in segments]
    return np.concatenate(parts).astype("<i2").tobytes()


def append_events(pcm: bytes, chunk_ms: int = 100) -> list[dict[str, Any]]:
    """`input_audio_buffer.append` events carrying `pcm` in chunks, as raw JSON objects."""
    size = chunk_ms * 48
    return [
        {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + size]).decode()}
        for i in range(0, len(pcm), size)
    ]


class Client:
    """A plain websockets client speaking JSON events to the emulator."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, event: BaseClientEvent | dict[str, Any] | str | bytes) -> None:
        """Send a typed event, a raw JSON object, raw text or a binary frame."""
        if isinstance(event, BaseClientEvent):
            await self.ws.send(encode_client_event(event, validate=False).decode())
        elif isinstance(event, dict):
            await self.ws.send(json.dumps(event))
        else:
            await self.ws.send(event)

    async def recv(self, timeout: float = 5.0) -> BaseServerEvent:
        """The next server event, decoded with the protocol models."""
        frame = await asyncio.wait_for(self.ws.recv(), timeout)
        event = decode_server_event(frame)
        assert not isinstance(event, UnknownServerEvent), event
        return event

    async def recv_until(self, kind: str, timeout: float = 5.0) -> list[BaseServerEvent]:
        """Events up to and including the first of type `kind`."""
        events: list[BaseServerEvent] = []
        while True:
            event = await self.recv(timeout)
            events.append(event)
            if event.type == kind:
                return events

    async def expect(self, kind: str, timeout: float = 5.0) -> Any:
        """The next event, which must be of type `kind`. A `rate_limits.updated` before it
        is skipped (unless it is the one expected): it trails `response.done` by ~40 ms."""
        event = await self.recv(timeout)
        while event.type == "rate_limits.updated" and kind != event.type:
            event = await self.recv(timeout)
        assert event.type == kind, event
        return event


@asynccontextmanager
async def connect(
    emu: Emulator,
    *,
    model: str | None = "gpt-realtime",
    key: str | None = "sk-test",
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    skip_created: bool = True,
) -> AsyncIterator[Client]:
    """Open a websocket to the emulator; by default the `session.created` is consumed."""
    params = dict(query or {})
    if model is not None and "model" not in params:
        params["model"] = model
    url = emu.ws_url + ("?" + urlencode(params) if params else "")
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["Authorization"] = f"Bearer {key}"
    async with websockets.connect(
        url, additional_headers=all_headers, max_size=None, compression=None
    ) as ws:
        client = Client(ws)
        if skip_created:
            await client.expect("session.created")
        yield client
