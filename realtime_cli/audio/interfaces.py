"""The microphone and speaker interfaces the voice session programs against.

Sound-card devices (`capture.SoundDeviceMicrophone`, `playback.SoundDeviceSpeaker`) and WAV
file devices (`wav_devices.WavMicrophone`, `wav_devices.WavSpeaker`) both satisfy them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Int16Array = NDArray[np.int16]
PcmInput = bytes | bytearray | memoryview | NDArray[np.generic]


@runtime_checkable
class Microphone(Protocol):
    """An async iterator of 24 kHz mono int16 frames of a fixed size (480 = 20 ms)."""

    frame_samples: int

    def __aiter__(self) -> AsyncIterator[Int16Array]: ...

    async def close(self) -> None:
        """Stop capturing; iteration ends after the frames already captured."""
        ...


@runtime_checkable
class Speaker(Protocol):
    """Plays 24 kHz PCM16 chunks tagged by item and knows how much of each was heard."""

    def play(self, pcm: PcmInput, item_id: str, content_index: int = 0) -> None:
        """Queue audio (bytes or int16 array); never blocks."""
        ...

    def end_item(self, item_id: str) -> None:
        """No more audio will come for this item (its end is not an underrun)."""
        ...

    def flush(self) -> dict[str, int]:
        """Silence now (a sound card drops what it holds) or within one output block (with a
        short fade); item_id -> ms that reached the listener."""
        ...

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of the item's audio the listener has heard."""
        ...

    @property
    def underruns(self) -> int: ...

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until everything queued has been played."""
        ...

    async def close(self) -> None:
        """Stop the device; the accounting stays readable."""
        ...


@runtime_checkable
class StopReporting(Protocol):
    """A speaker that knows when its flushed output actually fell silent at the DAC, and
    has one-line notices for the user (e.g. a device that reports no DAC time)."""

    #: `time.monotonic()` at which the last flush made the output silent (may be in the
    #: future, e.g. at the end of a fade); None if nothing was sounding.
    audible_stop_at: float | None

    def take_notices(self) -> list[str]:
        """Notices since the last call, each one line."""
        ...
