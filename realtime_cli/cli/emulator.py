"""`rt emulator`: run the local Realtime GA emulator until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from realtime_cli.emulator import Emulator

__all__ = ["emulator"]


async def _serve(host: str, port: int, api_keys: list[str] | None, speed: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on every platform (Windows); Ctrl-C then ends via KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(host, port, api_keys=api_keys, speed=speed) as emu:
        typer.echo(f"base_url: {emu.base_url}")
        # The line is the readiness signal for scripts and tests reading a pipe.
        typer.get_text_stream("stdout").flush()
        await stop.wait()


def emulator(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 0,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            "--api-key",
            help="Accept only this key (repeatable). Default: any sk-... or ek_... key.",
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="How many times faster than real time responses stream.")
    ] = 5.0,
) -> None:
    """Run a local emulator of the Realtime API (websocket and REST) until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, api_key or None, speed))
