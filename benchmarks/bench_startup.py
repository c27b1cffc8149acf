"""Start-up time of the `rt` command (rt issue 6): wall time of fresh processes.

- `rt --help`, `rt text --help`, `rt talk --help` and `python -c "import ..."`: the median
  of several runs of a new interpreter (so the figures include the interpreter's own start,
  given as its own row for reference).
  The official SDK's `import openai` is the comparison for the library import.
- `rt talk`: spawned against an emulator running in this process, with `--input-file` as the
  microphone. The emulator's `received` and `sent` lists are swapped for ones that stamp each
  entry with `time.monotonic()` (the same clock in both processes), so the figures are from
  just before the spawn to the websocket opening, the session being ready (`session.updated`
  sent) and the first `input_audio_buffer.append` received. The first append includes one
  20 ms frame of the paced WAV microphone. The process is then interrupted (SIGINT, as Ctrl-C).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from realtime_cli.emulator import ClientFrame, Emulator, WebSocketOpened
from realtime_cli.protocol import SessionUpdated

ROOT = Path(__file__).resolve().parent.parent
RUNS = 10
TALK_RUNS = 5
INPUT_WAV = ROOT / "demo" / "hello.wav"


def _rt_command() -> list[str]:
    script = Path(sys.executable).parent / "rt"
    return [str(script)] if script.exists() else [sys.executable, "-m", "realtime_cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RT_"))}
    env.update(extra)
    return env


def _median_wall_s(argv: list[str], env: dict[str, str], runs: int = RUNS) -> float:
    subprocess.run(argv, env=env, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _import_offenders(module: str, env: dict[str, str], count: int = 3) -> str:
    """The modules `module` imports directly with the largest cumulative import time
    (`-X importtime`; a dependency they share, numpy say, counts for the first importer)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            rows.append((len(name) - len(name.lstrip()), name.strip(), int(parts[1])))
    depth = next(d for d, name, _ in rows if name == module)
    children = [(name, us) for d, name, us in rows if d == depth + 2]
    top = sorted(children, key=lambda kv: -kv[1])[:count]
    return ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in top)


class _Stamped(list[Any]):
    """A list that keeps the monotonic time of every append (the emulator's records)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, item: Any) -> None:
        self.times.append(time.monotonic())
        super().append(item)

    def first(self, match: Any) -> float | None:
        return next((t for t, x in zip(self.times, self, strict=True) if match(x)), None)


async def _talk_once(emu: Emulator, out: Path, config_home: str) -> dict[str, float]:
    received, sent = _Stamped(), _Stamped()
    emu.received = received
    emu.sent = sent
    env = _env(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=emu.base_url, XDG_CONFIG_HOME=config_home)
    argv = [*_rt_command(), "talk", "--input-file", str(INPUT_WAV), "--output-file", str(out)]
    argv += ["--plain", "--max-seconds", "20"]
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        async with asyncio.timeout(15):
            while (
                first := received.first(
                    lambda x: (
                        isinstance(x, ClientFrame)
                        and x.event is not None
                        and x.event.type == "input_audio_buffer.append"
                    )
                )
            ) is None:
                await asyncio.sleep(0.001)
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    opened = received.first(lambda x: isinstance(x, WebSocketOpened))
    ready = sent.first(lambda x: isinstance(x.event, SessionUpdated))
    assert opened is not None and ready is not None
    return {"opened": opened - start, "ready": ready - start, "append": first - start}


async def _talk_runs() -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(speed=5.0) as emu:
            return [
                await _talk_once(emu, Path(tmp) / f"out{i}.wav", tmp) for i in range(TALK_RUNS + 1)
            ][1:]  # the first run warms the file cache


def run() -> list[dict[str, object]]:
    """Wall times of fresh `rt` and `python -c "import ..."` processes, in ms."""
    env = _env()
    py = sys.executable
    floor = _median_wall_s([py, "-c", "pass"], env)
    helps = {
        args: _median_wall_s([*_rt_command(), *args.split()], env)
        for args in ("--help", "text --help", "talk --help")
    }
    cli_s = _median_wall_s([py, "-c", "import realtime_cli.cli"], env)
    lib_s = _median_wall_s([py, "-c", "import realtime_cli.session"], env)
    sdk_s = _median_wall_s([py, "-c", "import openai"], env)
    offenders = _import_offenders("realtime_cli.cli", env)
    talk = asyncio.run(_talk_runs())
    each = f"median of {RUNS} runs"
    rows: list[dict[str, object]] = [
        {
            "name": "python -c pass (interpreter alone)",
            "value": floor * 1000,
            "unit": "ms",
            "note": f"{each}; included in every figure below",
        },
        *(
            {
                "name": f"rt {args}",
                "value": seconds * 1000,
                "unit": "ms",
                "note": f"{each}; plain help, command modules imported only when asked for",
            }
            for args, seconds in helps.items()
        ),
        {
            "name": 'python -c "import realtime_cli.cli"',
            "value": cli_s * 1000,
            "unit": "ms",
            "note": f"{each}; heaviest direct imports: {offenders}",
        },
        {
            "name": 'python -c "import realtime_cli.session" vs "import openai"',
            "value": lib_s * 1000,
            "unit": "ms",
            "sdk": sdk_s * 1000,
            "ratio": sdk_s / lib_s,
            "note": f"{each}; the library API (VoiceSession) against the SDK package",
        },
    ]
    labels = {
        "opened": "rt talk: spawn to websocket open",
        "ready": "rt talk: spawn to session ready (session.updated)",
        "append": "rt talk: spawn to first input_audio_buffer.append",
    }
    for key, label in labels.items():
        values = [r[key] * 1000 for r in talk]
        rows.append(
            {
                "name": label,
                "value": statistics.median(values),
                "unit": "ms",
                "note": f"median of {len(values)} runs (max {max(values):.0f} ms), "
                "emulator in the bench process"
                + ("; includes one 20 ms paced mic frame" if key == "append" else ""),
            }
        )
    return rows
