"""`rt devices`: the sound devices PortAudio sees, and which ones a profile uses."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import typer

from realtime_cli.cli.json_errors import json_on_error
from realtime_cli.cli.options import ConfigFile, Debug, JsonOutput, Profile
from realtime_cli.config import load_config
from realtime_cli.errors import RtError

if TYPE_CHECKING:
    from realtime_cli.audio.devices import DeviceInfo, Kind

__all__ = ["devices", "no_devices_error"]


@json_on_error({"inputs": [], "outputs": [], "selected": {"input": None, "output": None}})
def devices(
    json_output: JsonOutput = False,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """List microphones and speakers: index, name, host API, channels, default rate.

    Marks the system defaults, and with * the devices the profile selects
    (audio.input_device, audio.output_device: an index or part of a name).
    """
    loaded = load_config(profile, config, {}, os.environ)
    for warning in loaded.warnings:
        typer.echo(f"rt: warning: {warning}", err=True)
    # numpy and sounddevice cost 100 ms+ to import; only this command needs them.
    from realtime_cli.audio.devices import list_devices

    found = list_devices()
    if not found:
        raise no_devices_error()
    audio = loaded.settings.audio
    selected: dict[Kind, DeviceInfo | None] = {}
    warnings: list[str] = []
    specs: tuple[tuple[Kind, int | str | None], ...] = (
        ("input", audio.input_device),
        ("output", audio.output_device),
    )
    for kind, spec in specs:
        device, problem = _selected(spec, kind, found)
        selected[kind] = device
        if problem:
            warnings.append(f"profile {loaded.profile!r}: audio.{kind}_device: {problem}")
    if json_output:
        typer.echo(json.dumps(_as_json(loaded.profile, found, selected, warnings)))
    else:
        typer.echo(_as_text(loaded.profile, found, selected))
    for warning in warnings:
        typer.echo(f"rt: warning: {warning}", err=True)


def no_devices_error() -> RtError:
    """The error for a PortAudio that lists no device at all."""
    from realtime_cli.audio.errors import NoDeviceError

    return NoDeviceError(
        "no audio devices found: connect a microphone and a speaker or headset; on Linux "
        "check that PulseAudio or PipeWire runs, or that your user is in the 'audio' group"
    )


def _selected(
    spec: int | str | None, kind: Kind, found: list[DeviceInfo]
) -> tuple[DeviceInfo | None, str]:
    from realtime_cli.audio.devices import select_device
    from realtime_cli.audio.errors import AudioError

    try:
        return select_device(spec, kind, found), ""
    except AudioError as exc:
        # This listing is where a wrong device setting gets fixed, so it must not fail on one.
        return None, exc.message


def _as_json(
    profile: str,
    found: list[DeviceInfo],
    selected: dict[Kind, DeviceInfo | None],
    warnings: list[str],
) -> dict[str, Any]:
    def entry(d: DeviceInfo, kind: Kind) -> dict[str, Any]:
        chosen = selected[kind]
        return {
            "index": d.index,
            "name": d.name,
            "hostapi": d.hostapi,
            "channels": d.channels(kind),
            "default_samplerate": d.default_samplerate,
            "default": d.is_default_input if kind == "input" else d.is_default_output,
            "selected": chosen is not None and chosen.index == d.index,
        }

    kinds: tuple[Kind, Kind] = ("input", "output")
    return {
        "profile": profile,
        "inputs": [entry(d, "input") for d in found if d.is_input],
        "outputs": [entry(d, "output") for d in found if d.is_output],
        "selected": {k: (d.index if (d := selected[k]) is not None else None) for k in kinds},
        "warnings": warnings,
    }


def _as_text(profile: str, found: list[DeviceInfo], selected: dict[Kind, DeviceInfo | None]) -> str:
    name_width = max(len(d.name) for d in found)
    index_width = max(len(str(d.index)) for d in found)
    api_width = max(len(d.hostapi) for d in found)
    lines: list[str] = []
    kinds: tuple[Kind, Kind] = ("input", "output")
    for kind in kinds:
        title = "Inputs" if kind == "input" else "Outputs"
        marker = f" (* = used by profile {profile!r})" if kind == "input" else ""
        lines.append(f"{title}{marker}:")
        listed = [d for d in found if d.channels(kind) > 0]
        if not listed:
            lines.append("   none")
        chosen = selected[kind]
        for d in listed:
            star = "*" if chosen is not None and chosen.index == d.index else " "
            is_default = d.is_default_input if kind == "input" else d.is_default_output
            lines.append(
                f" {star} {d.index:>{index_width}}  {d.name:<{name_width}}  "
                f"{d.hostapi:<{api_width}}  {d.channels(kind):>2} ch  "
                f"{d.default_samplerate:>6g} Hz" + ("  default" if is_default else "")
            )
    return "\n".join(lines)
