"""An in-process emulator on a thread of its own, so a test can script it (transcripts,
tool arguments) while `rt` runs against it as a subprocess."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.realism import Realism


class EmulatorThread:
    """The emulator runs on its own loop; `call` runs a function on that loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.emu: Emulator | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with Emulator(speed=50.0, realism=Realism.exact(), any_key=True) as emu:
            self.emu = emu
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "the emulator did not start"

    @property
    def base_url(self) -> str:
        assert self.emu is not None
        return self.emu.base_url

    def call(self, fn: Callable[[Emulator], Any]) -> Any:
        """Run `fn(emulator)` on the emulator's loop and return its result."""
        assert self.emu is not None
        emu = self.emu

        async def run() -> Any:
            return fn(emu)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
