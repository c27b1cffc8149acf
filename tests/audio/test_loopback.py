"""Lining up two separate streams on the monotonic clock (the doctor's latency timeline)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from realtime_cli.audio import loopback

OUT_RATE = 48000
IN_RATE = 44100
FLAGS = SimpleNamespace(input_overflow=False, output_underflow=False)


def test_the_streams_are_lined_up_by_their_least_delayed_callbacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [0.0]
    monkeypatch.setattr(loopback.time, "monotonic", lambda: clock[0])
    signal = np.linspace(0.1, 1.0, 480, dtype=np.float32)
    lead = 960
    timeline = np.concatenate([np.zeros(lead, dtype=np.float32), signal])
    state = loopback._Duplex(timeline, IN_RATE, IN_RATE, OUT_RATE)
    rng = np.random.default_rng(3)

    # Output: 10 ms blocks, three queued at once when the stream starts at t=1.0, then one
    # each time a block has played, each callback late by a random 0-3 ms (some on time).
    out_blocks: list[np.ndarray] = []
    for k in range(8):
        due = 1.0 if k < 3 else 1.0 + (k - 2) * 0.01
        clock[0] = due + (0.0 if k % 3 == 0 else rng.uniform(0, 0.003))
        out = np.full((480, 2), np.nan, dtype=np.float32)
        state.on_output(out, 480, None, FLAGS)
        out_blocks.append(out)
    played = np.concatenate(out_blocks)
    assert np.array_equal(played[:, 0], played[:, 1])
    np.testing.assert_array_equal(played[:, 0], np.pad(timeline, (0, played.shape[0] - 1440)))

    # Input: sample m reaches the converter at 1.005 + m / rate; a block is in hand 2 ms
    # after its last sample at best.
    for k in range(20):
        end = (k + 1) * 441
        clock[0] = 1.005 + end / IN_RATE + 0.002 + (0.0 if k % 4 == 0 else rng.uniform(0, 0.005))
        block = np.full((441, 2), [k, k + 2], dtype=np.float32)
        state.on_input(block, 441, None, FLAGS)
    assert state.in_pos == IN_RATE // 5
    assert state.buffer[441 * 7] == pytest.approx(8.0)  # block 7 downmixed: (7 + 9) / 2

    # Output sample n is handed over at 0.98 + n / 48000 (three 10 ms blocks ahead of the
    # 1.0 start); input sample m is in hand at 1.007 + m / 44100.
    expected = (0.98 + lead / OUT_RATE - 1.007) * IN_RATE
    assert state.input_index(lead) == pytest.approx(expected, abs=1e-6)


def test_recording_stops_at_the_buffer_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loopback.time, "monotonic", lambda: 5.0)
    state = loopback._Duplex(np.zeros(10, dtype=np.float32), 1000, IN_RATE, OUT_RATE)
    state.on_input(np.ones((441, 1), dtype=np.float32), 441, None, FLAGS)
    state.on_input(np.ones((441, 1), dtype=np.float32), 441, None, FLAGS)
    state.on_input(np.ones((441, 1), dtype=np.float32), 441, None, FLAGS)
    assert state.in_pos == 1323
    assert np.all(state.buffer == 1.0)
    assert loopback._finished(state, tail_s=1.0)
