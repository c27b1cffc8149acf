"""Loopback throughput and latency of the websocket client, ours against the official SDK's
(rt issue 3). Both clients are `websockets` asyncio clients without compression; what differs
is what happens to each frame (our msgspec decode against the SDK's `json.loads` plus
`construct_type_unchecked`, and on the way out our encode against its `maybe_transform`).

Throughput: the emulator runs in a child process (so its own work does not share this
process's event loop and CPU) with `speed` so high that a whole reply of 100 ms
`response.output_audio.delta` events is generated at once and written back to back. The
client receives, decodes and turns each delta into an int16 array (ours: `np.frombuffer` of
the decoded bytes; the SDK: `base64.b64decode` + `np.frombuffer`); the rate counts the deltas
between the first and the last. The client's CPU time per delta (`time.process_time`) is given
too: it does not depend on how fast the emulator writes.

Latency: a tiny websockets server in a child process stamps `time.monotonic_ns()` (the same
clock in every process) when a probe arrives and just before its answer leaves. Each probe is a
`conversation.item.retrieve` sent by the client under test (stamped just before `send`), and
the answer an `input_audio_buffer.speech_started` carrying the server's stamp in `item_id`
(stamped by the client when `recv` returns it decoded). Client to server covers encoding,
framing, the kernel and the server's wake-up; server to client covers framing, the kernel, the
client's wake-up, parsing and decoding: the path of a barge-in trigger.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Realtime loopback audio benchmark streaming quickly."
#: Audio seconds per reply (about 3,000 deltas of 100 ms), and replies streamed per client.
REPLY_AUDIO_S = 300.0
ROUNDS = 8
PROBES = 1000
PROBE_GAP_S = 0.001


def _reply_text() -> str:
    from realtime_cli.emulator.synth import speak

    seconds = speak(SENTENCE).duration_ms / 1000
    return " ".join([SENTENCE] * max(1, round(REPLY_AUDIO_S / seconds)))


# ---- child processes -----------------------------------------------------------------------


async def _until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def _serve_emulator(replies: int) -> None:
    from realtime_cli.emulator import Emulator

    text = _reply_text()
    async with Emulator(speed=1e6, chunk_ms=100, ping_interval=None) as emu:
        for _ in range(replies):
            emu.queue_reply(text)

        async def forget() -> None:  # records of earlier runs only cost memory here
            while True:
                await asyncio.sleep(0.5)
                emu.sent.clear()
                emu.received.clear()
                for log in emu.connections:
                    log.sent.clear()
                    log.received.clear()

        task = asyncio.create_task(forget())
        print(emu.base_url, flush=True)
        await _until_stdin_closes()
        task.cancel()


async def _serve_relay() -> None:
    from websockets.asyncio.server import ServerConnection, serve

    from benchmarks.bench_protocol import FRAMES

    async def handler(ws: ServerConnection) -> None:
        await ws.send(FRAMES["session.created"], text=True)
        arrivals: list[int] = []
        count = 0
        async for message in ws:
            arrived = time.monotonic_ns()
            if b"conversation.item.retrieve" not in (
                message if isinstance(message, bytes) else message.encode()
            ):
                continue
            arrivals.append(arrived)
            count += 1
            head = '{"type":"input_audio_buffer.speech_started","event_id":"event_%d",'
            tail = '"audio_start_ms":0,"item_id":"item_%d"}'
            template = head % count + tail
            await ws.send(template % time.monotonic_ns())
        print(json.dumps(arrivals), flush=True)

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"http://127.0.0.1:{port}/v1", flush=True)
        await _until_stdin_closes()


class _Child:
    """`python -m benchmarks.bench_loopback KIND`: prints its base URL, serves until its stdin
    closes; later lines of its stdout are read with `line()`."""

    def __init__(self, *args: str) -> None:
        self.kind = args[0]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_loopback", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.line()

    def line(self) -> str:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline().strip()
        if not text:
            raise RuntimeError(f"the {self.kind} child process ended early")
        return text

    def close(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- clients under test ----------------------------------------------------------------------


class _Counter:
    """First/last arrival of audio deltas: wall time, CPU time, count."""

    def __init__(self) -> None:
        self.count = 0
        self.samples = 0
        self.first = self.last = self.cpu_first = self.cpu_last = 0.0

    def add(self, pcm: np.ndarray[Any, Any]) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if not self.count:
            self.first, self.cpu_first = now, cpu
        self.last, self.cpu_last = now, cpu
        self.count += 1
        self.samples += pcm.size

    def rate(self) -> float:
        return (self.count - 1) / (self.last - self.first)

    def cpu_us(self) -> float:
        return (self.cpu_last - self.cpu_first) / (self.count - 1) * 1e6


async def _stream_ours(base_url: str) -> _Counter:
    from realtime_cli.protocol import ResponseCreate, ResponseDone, ResponseOutputAudioDelta
    from realtime_cli.transport import ConnectOptions, RealtimeConnection

    counter = _Counter()
    options = ConnectOptions(api_key="sk-bench", model="gpt-realtime", base_url=base_url)
    async with RealtimeConnection.connect(options) as conn:
        await conn.send(ResponseCreate())
        async for event in conn:
            if isinstance(event, ResponseOutputAudioDelta):
                counter.add(np.frombuffer(event.delta, dtype="<i2"))
            elif isinstance(event, ResponseDone):
                break
    return counter


async def _stream_sdk(base_url: str) -> _Counter:
    from openai import AsyncOpenAI

    counter = _Counter()
    client = AsyncOpenAI(api_key="sk-bench", base_url=base_url)
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.response.create()
        while True:
            event = await conn.recv()
            if event.type == "response.output_audio.delta":
                counter.add(np.frombuffer(base64.b64decode(event.delta), dtype="<i2"))
            elif event.type == "response.done":
                break
    return counter


class _Probe:
    """One latency-probe client: `send(i)` a retrieve, `recv()` the stamped answer."""

    send: Callable[[int], Awaitable[object]]
    recv: Callable[[], Awaitable[str]]


@contextlib.asynccontextmanager
async def _probe_ours(base_url: str) -> AsyncIterator[_Probe]:
    from realtime_cli.protocol import ConversationItemRetrieve, InputAudioBufferSpeechStarted
    from realtime_cli.transport import ConnectOptions, RealtimeConnection

    options = ConnectOptions(api_key="sk-bench", model="gpt-realtime", base_url=base_url)
    async with RealtimeConnection.connect(options) as conn:
        await conn.recv()  # session.created
        probe = _Probe()

        async def recv() -> str:
            event = await conn.recv()
            assert isinstance(event, InputAudioBufferSpeechStarted)
            return event.item_id

        probe.send = lambda i: conn.send(ConversationItemRetrieve(item_id=f"item_probe{i}"))
        probe.recv = recv
        yield probe


@contextlib.asynccontextmanager
async def _probe_sdk(base_url: str) -> AsyncIterator[_Probe]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key="sk-bench", base_url=base_url)
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.recv()  # session.created
        probe = _Probe()

        async def recv() -> str:
            event: Any = await conn.recv()
            assert event.type == "input_audio_buffer.speech_started"
            return str(event.item_id)

        probe.send = lambda i: conn.conversation.item.retrieve(item_id=f"item_probe{i}")
        probe.recv = recv
        yield probe


async def _latencies(
    opener: Callable[[str], contextlib.AbstractAsyncContextManager[_Probe]], child: _Child
) -> tuple[list[float], list[float]]:
    """(client to server, server to client) one-way latencies in microseconds."""
    sent: list[int] = []
    down: list[float] = []
    async with opener(child.base_url) as probe:
        for i in range(PROBES):
            await asyncio.sleep(PROBE_GAP_S)
            sent.append(time.monotonic_ns())
            await probe.send(i)
            item_id = await probe.recv()
            down.append((time.monotonic_ns() - int(item_id.removeprefix("item_"))) / 1000)
    arrivals = json.loads(await asyncio.to_thread(child.line))
    up = [(a - s) / 1000 for a, s in zip(arrivals, sent, strict=True)]
    warm = PROBES // 10  # the first probes pay for lazy imports and cold caches
    return up[warm:], down[warm:]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# ---- the benchmark ---------------------------------------------------------------------------


async def _throughput() -> tuple[list[_Counter], list[_Counter]]:
    child = _Child("emulator", str(2 * ROUNDS + 2))
    try:
        ours: list[_Counter] = []
        sdk: list[_Counter] = []
        await _stream_ours(child.base_url)  # warm-up of both paths (imports, first connection)
        await _stream_sdk(child.base_url)
        for _ in range(ROUNDS):  # alternate, so drifting machine load hits both alike
            ours.append(await _stream_ours(child.base_url))
            sdk.append(await _stream_sdk(child.base_url))
        return ours, sdk
    finally:
        child.close()


async def _latency() -> dict[str, tuple[list[float], list[float]]]:
    child = _Child("relay")
    try:
        return {
            "ours": await _latencies(_probe_ours, child),
            "sdk": await _latencies(_probe_sdk, child),
        }
    finally:
        child.close()


def run() -> list[dict[str, object]]:
    """Audio deltas per second over loopback, client CPU per delta, one-way latencies."""
    ours, sdk = asyncio.run(_throughput())
    for counter in ours + sdk:
        assert counter.count > 100 and counter.samples > (counter.count - 1) * 2400, counter.count
    rate = statistics.median(c.rate() for c in ours)
    rate_sdk = statistics.median(c.rate() for c in sdk)
    cpu = statistics.median(c.cpu_us() for c in ours)
    cpu_sdk = statistics.median(c.cpu_us() for c in sdk)
    busy = cpu * rate / 1e6  # fraction of the wall time our client spent on the CPU
    per_run = f"median of {ROUNDS} replies of {ours[0].count} deltas each"
    rows: list[dict[str, object]] = [
        {
            "name": "receive+decode 100 ms audio deltas from the emulator",
            "value": rate,
            "unit": "events/s",
            "sdk": rate_sdk,
            "ratio": rate / rate_sdk,
            "note": f"{per_run}; emulator in a child process; our client was on the CPU "
            f"{busy:.0%} of the time"
            + (" (the emulator's writing is the limit)" if busy < 0.8 else ""),
        },
        {
            "name": "client CPU per 100 ms audio delta (receive+decode)",
            "value": cpu,
            "unit": "us",
            "sdk": cpu_sdk,
            "ratio": cpu_sdk / cpu,
            "note": f"{per_run}; time.process_time of this process",
        },
    ]
    latency = asyncio.run(_latency())
    for index, direction in enumerate(("client -> server", "server -> client")):
        mine, theirs = latency["ours"][index], latency["sdk"][index]
        for q in (50, 99):
            rows.append(
                {
                    "name": f"one-way latency {direction}, small event, p{q}",
                    "value": _pct(mine, q),
                    "unit": "us",
                    "sdk": _pct(theirs, q),
                    "ratio": _pct(theirs, q) / _pct(mine, q),
                    "note": f"{len(mine)} probes, 1 ms apart; websockets relay in a child "
                    "process, shared monotonic clock",
                }
            )
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["emulator"]:
        asyncio.run(_serve_emulator(int(sys.argv[2])))
    elif sys.argv[1:2] == ["relay"]:
        asyncio.run(_serve_relay())
    else:
        sys.exit("usage: python -m benchmarks.bench_loopback emulator REPLIES | relay")
