"""The README's Python examples run as written; one that talks to the service is pointed at
the emulator instead."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from realtime_cli.emulator import Emulator

README = Path(__file__).resolve().parent.parent / "README.md"
SERVICE_KEY = 'api_key="sk-..."'


@pytest.fixture
def emulator_url() -> Iterator[str]:
    ready = threading.Event()
    stop: asyncio.Event | None = None
    url: list[str] = []
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with Emulator(speed=50) as emu:
            url.append(emu.base_url)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    ready.wait(10)
    yield url[0]
    assert stop is not None
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def test_readme_python_examples_run(emulator_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2, "the README lost its Python examples"
    for block in blocks:
        code = block.replace(SERVICE_KEY, f'api_key="sk-readme", base_url="{emulator_url}"')
        namespace: dict[str, object] = {}
        exec(compile(code, str(README), "exec"), namespace)
    # The tool example's question goes through its tool, and ask() returns that answer.
    assert "42" in capsys.readouterr().out
