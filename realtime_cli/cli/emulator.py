"""`rt emulator`: run the local Realtime GA emulator until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
from typing import Annotated

import typer

from realtime_cli.emulator.faults import FAULTS, FaultSettings, check_faults
from realtime_cli.emulator.realism import Realism
from realtime_cli.errors import RtError, UsageError

__all__ = ["EXAMPLE_KEY", "emulator"]

#: The key the printed `export` line suggests; the emulator accepts any non-empty key.
EXAMPLE_KEY = "sk-emulator"

_FAULT_HELP = "Misbehave on purpose (repeatable): " + "; ".join(
    f"{name}: {what}" for name, what in FAULTS.items()
)


async def _serve(
    host: str,
    port: int,
    api_keys: list[str] | None,
    check_keys: bool,
    speed: float,
    faults: set[str],
    settings: FaultSettings,
    realism: Realism,
    vad_dbfs: float | None = None,
) -> None:
    from realtime_cli.emulator.server import Emulator  # numpy and the server: only to serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on every platform (Windows); Ctrl-C then ends via KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    emu = Emulator(
        host,
        port,
        api_keys=api_keys,
        any_key=not check_keys,
        speed=speed,
        faults=faults,
        fault_settings=settings,
        realism=realism,
        vad_dbfs=vad_dbfs,
    )
    try:
        await emu.start()
    except OSError as exc:
        raise RtError(_bind_error(host, port, exc)) from None
    try:
        # The first line is the readiness signal for scripts and tests reading a pipe.
        typer.echo(f"base_url: {emu.base_url}")
        typer.echo("# In another terminal, paste:")
        typer.echo(f"export OPENAI_BASE_URL={emu.base_url}")
        if api_keys:  # a key is never printed: the user knows which ones they gave
            typer.echo("export OPENAI_API_KEY=...  # one of the keys given with --api-key")
        else:
            typer.echo(f"export OPENAI_API_KEY={EXAMPLE_KEY}")
        typer.echo('# then: rt text "Hello"   or   rt talk        (Ctrl-C stops the emulator)')
        typer.get_text_stream("stdout").flush()
        if faults:
            typer.echo(f"rt: emulator faults on: {', '.join(sorted(faults))}", err=True)
        await stop.wait()
    finally:
        await emu.close()


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {host}:{port}: the port is in use (another rt emulator?); "
            "pick another with --port, or --port 0 for a free one"
        )
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def emulator(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Loopback address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            metavar="PORT", min=0, max=65535, help="Port to listen on (0 picks a free one)."
        ),
    ] = 0,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="Accept only this key (repeatable). Default: any non-empty key.",
        ),
    ] = None,
    check_keys: Annotated[
        bool,
        typer.Option(
            "--check-keys",
            metavar="",
            help="Refuse keys that do not look like the service's (sk-... or ek_...).",
        ),
    ] = False,
    speed: Annotated[
        float,
        typer.Option(
            metavar="FACTOR",
            min=0.01,
            help="How many times faster than real time responses stream; the latencies "
            "(measured at 5) scale with it.",
        ),
    ] = 5.0,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Fixed replies in the same tick, transcripts aligned with audio (what tests "
            "use) instead of the live service's timing, token deltas, late transcripts and "
            "answers.",
        ),
    ] = False,
    failure_rate: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="SHARE",
            help="Share of responses that fail or stop, and of input transcriptions that "
            "fail or stall, on their own (seeded by --seed).",
        ),
    ] = 0.0,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Seed of the emulator's random choices.")
    ] = 0,
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
    """Run a local emulator of the Realtime API (websocket and REST) until Ctrl-C.

    It prints the two export lines to paste into another terminal; any non-empty key works
    unless --check-keys or --api-key is given.

    Examples:

      rt emulator

      rt emulator --port 8765 --fault drop-1011
    """
    if exact and failure_rate > 0:
        # --exact never fails on its own: a rate given with it would be silently ignored.
        raise UsageError("--failure-rate works only with the live timing; drop --exact")
    faults = check_faults(fault or ())
    settings = FaultSettings(
        slow_pause=slow_pause, expire_after=expire_after, drop_after=drop_after
    )
    realism = (
        Realism.exact() if exact else Realism.measured(speed, failure_rate=failure_rate, seed=seed)
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            _serve(
                host, port, api_key or None, check_keys, speed, faults, settings, realism, vad_dbfs
            )
        )
