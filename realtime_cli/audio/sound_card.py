"""The sound card's microphone and speaker for a full-duplex conversation, opened as one
pair so that echo cancellation is on by default: the speaker records what it plays as the
far-end reference, the microphone removes its echo."""

from __future__ import annotations

from collections.abc import Callable

from realtime_cli.audio.capture import SoundDeviceMicrophone
from realtime_cli.audio.echo_canceller import EchoMode
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.audio.playback import SoundDeviceSpeaker

__all__ = ["open_sound_card"]


def open_sound_card(
    input_device: int | str | None = None,
    output_device: int | str | None = None,
    *,
    echo: EchoMode = "aec",
    warn: Callable[[str], object] | None = None,
) -> tuple[SoundDeviceMicrophone, SoundDeviceSpeaker]:
    """A microphone and a speaker (the system's defaults unless named) sharing one echo
    control: `aec` (the default; `gate`, with one line to `warn`, when the canceller cannot
    load), `gate`, or `off` for headphones."""
    control = None if echo == "off" else EchoControl.for_mode(echo, warn=warn)
    speaker = SoundDeviceSpeaker(
        output_device, far_end=control.reference if control is not None else None
    )
    microphone = SoundDeviceMicrophone(input_device, echo=control)
    return microphone, speaker
