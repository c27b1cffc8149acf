"""`rt emulator`: run the local Realtime GA emulator until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from realtime_cli.emulator.faults import FAULTS, FaultSettings, check_faults

__all__ = ["emulator"]

_FAULT_HELP = "Misbehave on purpose (repeatable): " + "; ".join(
    f"{name}: {what}" for name, what in FAULTS.items()
)


async def _serve(
    host: str,
    port: int,
    api_keys: list[str] | None,
    speed: float,
    faults: set[str],
    settings: FaultSettings,
    vad_dbfs: float | None = None,
) -> None:
    from realtime_cli.emulator.server import Emulator  # numpy and the server: only to serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on every platform (Windows); Ctrl-C then ends via KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(
        host,
        port,
        api_keys=api_keys,
        speed=speed,
        faults=faults,
        fault_settings=settings,
        vad_dbfs=vad_dbfs,
    ) as emu:
        typer.echo(f"base_url: {emu.base_url}")
        # The line is the readiness signal for scripts and tests reading a pipe.
        typer.get_text_stream("stdout").flush()
        if faults:
            typer.echo(f"rt: emulator faults on: {', '.join(sorted(faults))}", err=True)
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
    fault: Annotated[
        list[str] | None, typer.Option("--fault", metavar="NAME", help=_FAULT_HELP)
    ] = None,
    slow_pause: Annotated[
        float,
        typer.Option(metavar="SECONDS", min=0.0, help="slow-response: pause between deltas."),
    ] = FaultSettings.slow_pause,
    expire_after: Annotated[
        float,
        typer.Option(metavar="SECONDS", min=0.001, help="expire: session lifetime."),
    ] = FaultSettings.expire_after,
    drop_after: Annotated[
        int,
        typer.Option(metavar="N", min=1, help="drop-1011/drop-reset: deltas sent before the drop."),
    ] = FaultSettings.drop_after,
    vad_dbfs: Annotated[
        float | None,
        typer.Option(
            metavar="DBFS",
            max=0.0,
            help="Server VAD fires on 10 ms frames above this level (the service: about -45)"
            " instead of following the session's threshold.",
        ),
    ] = None,
) -> None:
    """Run a local emulator of the Realtime API (websocket and REST) until Ctrl-C."""
    faults = check_faults(fault or ())
    settings = FaultSettings(
        slow_pause=slow_pause, expire_after=expire_after, drop_after=drop_after
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, api_key or None, speed, faults, settings, vad_dbfs))
