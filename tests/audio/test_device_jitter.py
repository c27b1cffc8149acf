"""The adaptive jitter buffer through real PortAudio on the virtual speaker (the README's
figures): with audio arriving faster than real time an answer's first sample is heard at the
speaker's monitor within 60 ms of its first delta reaching rt, device latency included; at
exactly real-time pacing in 100 ms chunks, at most one dropout in the first answer and none
in the later answers of the session. Dropouts are the playback buffer's own count (its queue
ran dry mid-answer), not the monitor's: PortAudio's underflows (a late callback, the
machine's doing rather than the jitter buffer's) are only shown in a failure's message."""

from __future__ import annotations

import asyncio

import pytest

from tests.audio.device_playback import play_answers
from tests.audio.virtual_audio import VirtualAudio

pytestmark = pytest.mark.virtual_audio


def test_fast_arrival_starts_within_60_ms_at_the_monitor(virtual_audio: VirtualAudio) -> None:
    played = asyncio.run(play_answers(virtual_audio.env, 3, speed=5.0))
    assert played.output_latency_ms > 0
    assert max(played.first_sample_ms) <= 60.0, played
    assert played.underruns == [0, 0, 0], played


def test_real_time_pacing_drops_out_at_most_once_then_never(
    virtual_audio: VirtualAudio,
) -> None:
    played = asyncio.run(play_answers(virtual_audio.env, 3, speed=1.0, chunk_ms=100))
    assert played.underruns[0] <= 1, played
    assert played.underruns[1:] == [0, 0], played
