"""Sound device listing and selection through sounddevice, imported lazily.

Importing sounddevice scans every device (slow) and raises OSError when the PortAudio
library is missing, so nothing here imports it at module level.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Final, Literal

from realtime_cli.audio.errors import (
    DeviceRateError,
    DeviceSelectionError,
    NoDeviceError,
    PortAudioMissingError,
)

Kind = Literal["input", "output"]

#: The PortAudio stream settings of the microphone and speaker adapters, which `rt talk`
#: uses as they are: the host's low latency (PulseAudio: about 30 ms of output buffer) in
#: 10 ms blocks. Tests and benchmarks of the live path import these, so what they prove is
#: what ships.
STREAM_LATENCY: Final = "low"
STREAM_BLOCK_S: Final = 0.01


def load_sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio library into a clear error."""
    try:
        return importlib.import_module("sounddevice")
    except OSError as exc:
        raise PortAudioMissingError(str(exc)) from exc


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device as `rt devices` shows it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    @property
    def is_input(self) -> bool:
        return self.max_input_channels > 0

    @property
    def is_output(self) -> bool:
        return self.max_output_channels > 0

    def channels(self, kind: Kind) -> int:
        return self.max_input_channels if kind == "input" else self.max_output_channels

    def describe(self) -> str:
        """One line: index, defaults marker, name, host API, channels, default rate."""
        marks = ("<" if self.is_default_input else " ") + (">" if self.is_default_output else " ")
        return (
            f"{self.index:3d} {marks} {self.name} ({self.hostapi}, "
            f"{self.max_input_channels} in, {self.max_output_channels} out, "
            f"{self.default_samplerate:g} Hz)"
        )


def list_devices(kind: Kind | None = None) -> list[DeviceInfo]:
    """All PortAudio devices (or only inputs / outputs), with the defaults marked."""
    sd = load_sounddevice()
    hostapis = [h["name"] for h in sd.query_hostapis()]
    default_in, default_out = (int(d) for d in sd.default.device)
    devices = [
        DeviceInfo(
            index=int(d["index"]),
            name=str(d["name"]),
            hostapi=hostapis[d["hostapi"]] if 0 <= d["hostapi"] < len(hostapis) else "?",
            max_input_channels=int(d["max_input_channels"]),
            max_output_channels=int(d["max_output_channels"]),
            default_samplerate=float(d["default_samplerate"]),
            is_default_input=int(d["index"]) == default_in,
            is_default_output=int(d["index"]) == default_out,
        )
        for d in sd.query_devices()
    ]
    return [d for d in devices if kind is None or d.channels(kind) > 0]


def select_device(
    spec: int | str | None, kind: Kind, devices: list[DeviceInfo] | None = None
) -> DeviceInfo:
    """The device for an index, a case-insensitive name substring, or None (the default)."""
    all_devices = list_devices() if devices is None else devices
    candidates = [d for d in all_devices if d.channels(kind) > 0]
    noun = "microphone (input)" if kind == "input" else "speaker (output)"
    if not candidates:
        raise NoDeviceError(f"no {noun} device found; check 'rt devices'")
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for d in candidates:
            if d.is_default_input if kind == "input" else d.is_default_output:
                return d
        # PortAudio reports no default on some hosts; the first usable device is the best guess.
        return candidates[0]
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        for d in all_devices:
            if d.index == index:
                if d.channels(kind) == 0:
                    raise DeviceSelectionError(f"device {index} ({d.name}) has no {kind} channels")
                return d
        raise DeviceSelectionError(f"no device with index {index}; see 'rt devices'")
    needle = spec.strip().casefold()
    matches = [d for d in candidates if needle in d.name.casefold()]
    exact = [d for d in matches if d.name.casefold() == needle]
    if len(matches) == 1 or len(exact) == 1:
        return (exact or matches)[0]
    if not matches:
        raise DeviceSelectionError(f"no {kind} device matches {spec!r}; see 'rt devices'")
    names = ", ".join(f"{d.index}: {d.name}" for d in matches)
    raise DeviceSelectionError(f"{spec!r} matches several {kind} devices ({names}); use the index")


def supported_rate(device: DeviceInfo, kind: Kind, channels: int, rate: int | None = None) -> int:
    """`rate` if the device accepts it, else the device's default rate."""
    sd = load_sounddevice()
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    default = round(device.default_samplerate)
    tried = [r for r in (rate, default) if r]
    for candidate in dict.fromkeys(tried):
        try:
            check(device=device.index, channels=channels, dtype="float32", samplerate=candidate)
        except Exception:  # sounddevice raises PortAudioError or ValueError
            continue
        return int(candidate)
    rates = " or ".join(f"{r} Hz" for r in dict.fromkeys(tried))
    raise DeviceRateError(f"{kind} device {device.index} ({device.name}) rejects {rates}")
