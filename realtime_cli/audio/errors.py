"""The audio layer's user-facing failures, each with a one-line message."""

from __future__ import annotations

from realtime_cli.errors import RtError, UsageError


class AudioError(RtError):
    """Any failure of a sound device or audio file."""


class PortAudioMissingError(AudioError):
    """The PortAudio shared library cannot be loaded."""

    def __init__(self, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(
            "PortAudio library not found: install it with 'apt-get install libportaudio2' "
            f"(Debian/Ubuntu) or 'brew install portaudio' (macOS){suffix}"
        )


class NoDeviceError(AudioError):
    """There is no input (or output) device, or none matches the request."""


class DeviceSelectionError(UsageError, AudioError):
    """A device index or name that does not identify exactly one device (exit code 2)."""


class DeviceRateError(AudioError):
    """The device accepts neither the requested rate nor its own default rate."""


class DeviceLostError(AudioError):
    """A device stopped or disappeared while streaming."""


class WavFormatError(UsageError, AudioError):
    """A WAV file that is malformed or in an unsupported encoding (exit code 2)."""
