"""The far-end reference timeline and the pairing of microphone frames with it by time."""

from __future__ import annotations

import time

import numpy as np
import pytest

from realtime_cli.audio.echo_canceller import PassThrough
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.audio.far_end import RECENT_WINDOW_S, FarEndReference
from realtime_cli.audio.sample_clock import SampleClock

RATE = 24000


def test_clock_follows_a_drifting_device_through_many_anchors() -> None:
    # A device running 0.025 % fast (0.25 ms/s) anchored every 10 ms for 60 s: the clock
    # must follow the real rate, not the nominal one, far past its anchor capacity.
    clock = SampleClock(48000, capacity=64, window=32)
    real_rate = 48000 * 1.00025
    assert clock.time_at(0) is None and clock.index_at(0.0) is None
    for block in range(6000):
        index = block * 480
        clock.anchor(index, 100.0 + index / real_rate)
    index = 5990 * 480 + 123
    expected = 100.0 + index / real_rate
    # Within 0.1 ms (half a window of drift), after a minute.
    assert clock.time_at(index) == pytest.approx(expected, abs=1e-4)
    assert clock.index_at(expected) == pytest.approx(index, abs=5)
    # The nominal rate alone would be 15 ms off after a minute.
    assert abs(100.0 + index / 48000 - expected) > 0.014


def test_clock_ignores_blocks_delivered_in_bursts() -> None:
    # Four 10 ms blocks every 40 ms, all stamped with the first one's time: single anchors
    # are 0-30 ms off, which would make the reference jump back and forth by 30 ms.
    clock = SampleClock(48000)
    for block in range(400):
        clock.anchor(block * 480, 5.0 + (block // 4) * 0.04)
    errors = [clock.time_at(b * 480) - (5.0 + b * 0.01) for b in range(300, 400)]
    assert max(errors) - min(errors) < 1e-6  # a constant offset: no jitter left
    assert -0.03 <= errors[0] <= 0.0


def test_reference_returns_what_was_at_the_dac_at_a_given_time() -> None:
    ref = FarEndReference(seconds=1.0)
    ramp = np.arange(RATE, dtype=np.float32) / RATE
    ref.write(ramp[:2400])
    ref.clock.anchor(1200, 50.0)  # timeline sample 1200 reached the DAC at t = 50 s
    out = np.empty(240, dtype=np.float32)
    ref.read(50.01, out)  # 10 ms later: sample 1440
    np.testing.assert_array_equal(out, ramp[1440:1680])
    ref.read(50.0 + (2400 - 1200 - 100) / RATE, out)  # runs past what was written
    np.testing.assert_array_equal(out[:100], ramp[2300:2400])
    assert not out[100:].any()
    ref.read(49.0, out)  # before the first anchor's position 0: nothing was played
    assert not out.any()


def test_reference_forgets_what_was_overwritten() -> None:
    ref = FarEndReference(seconds=1.0)
    ref.write(np.ones(RATE, dtype=np.float32))
    ref.write(np.full(RATE, 2.0, dtype=np.float32))
    out = np.empty(240, dtype=np.float32)
    ref.copy_into(100, out)  # long gone
    assert not out.any()
    ref.copy_into(RATE + RATE // 2, out)
    assert (out == 2.0).all()


class _Recording(PassThrough):
    mode = "aec"  # type: ignore[assignment]

    def __init__(self) -> None:
        self.fars: list[np.ndarray] = []
        self.recent: list[float | None] = []
        self.restarts = 0
        self.moves = 0

    def far_end_restarted(self, *, moved: bool = False) -> None:
        self.restarts += 1
        self.moves += moved

    def process(self, near, far, *, recent_far_db=None):
        self.fars.append(far.copy())
        self.recent.append(recent_far_db)
        return near


def _ramped() -> tuple[_Recording, EchoControl, FarEndReference]:
    """A recording canceller behind an echo control whose reference holds a 4 s ramp (each
    sample's value is its timeline position)."""
    canceller = _Recording()
    echo = EchoControl(canceller)
    echo.reference.write(np.arange(4 * RATE, dtype=np.float32))
    return canceller, echo, echo.reference


def test_echo_control_pairs_frames_by_time_not_by_arrival() -> None:
    canceller = _Recording()
    echo = EchoControl(canceller)
    ramp = np.arange(RATE, dtype=np.float32)
    echo.reference.write(ramp)
    echo.reference.clock.anchor(0, 10.0)
    frame = np.zeros(480, dtype=np.int16)
    echo.process(frame, 10.5)
    echo.process(frame, 10.1)
    echo.process(frame, None)
    np.testing.assert_array_equal(canceller.fars[0], ramp[12000:12480])
    np.testing.assert_array_equal(canceller.fars[1], ramp[2400:2880])
    assert not canceller.fars[2].any()
    assert echo.untimed_frames == 1


def test_a_flush_that_restarts_the_stream_is_a_break_and_the_clock_starts_over() -> None:
    ref = FarEndReference()
    for block in range(50):  # 10 ms blocks, DAC 100 ms ahead
        ref.anchor(block * 240, 10.0 + block * 0.01 + 0.1)
    assert ref.breaks == 0
    # The stream was aborted: 150 ms of timeline was dropped, and it restarted 30 ms later.
    for block in range(50, 60):
        ref.anchor(block * 240 + 3600, 10.0 + block * 0.01 + 0.13)
    assert ref.breaks == 1
    # Only the anchors after the break place the timeline now.
    assert ref.position_at(10.0 + 55 * 0.01 + 0.13) == pytest.approx(55 * 240 + 3600, abs=1)


def test_a_reader_between_a_restart_and_its_publication_gets_a_finite_time() -> None:
    # The output callback is mid-way through `anchor(restart=True)`: it has moved its own
    # stretch start to the new anchor but not yet published that anchor. A reader fitting
    # now (its cached line is stale) must still get the previous stretch, never NaN.
    clock = SampleClock(24000, capacity=16, window=8)
    for block in range(10):
        clock.anchor(block * 240, 5.0 + block * 0.01)
    assert clock.time_at(0) == pytest.approx(5.0)
    clock._first = clock._count  # the writer's state before it publishes the slot
    clock._line_count = -1  # the reader's cache is stale
    assert clock.time_at(240) == pytest.approx(5.01)
    assert clock.index_at(5.02) == pytest.approx(480)


def test_a_restart_published_later_starts_a_new_stretch() -> None:
    clock = SampleClock(24000, capacity=16, window=8)
    for block in range(10):
        clock.anchor(block * 240, 5.0 + block * 0.01)
    clock.time_at(0)
    clock.anchor(10 * 240, 7.0, restart=True)  # the stream broke off: 2 s later
    assert clock.time_at(10 * 240) == pytest.approx(7.0)
    assert clock.time_at(11 * 240) == pytest.approx(7.01)


def _stream(ref: FarEndReference, start: int, blocks: int, dac_ahead: float, t0: float) -> None:
    """`blocks` 10 ms callbacks from timeline position `start`, each block's DAC time
    `dac_ahead` after its callback at t0 + 10 ms per block."""
    for block in range(blocks):
        ref.anchor(start + block * 240, t0 + block * 0.01 + dac_ahead)


def test_a_speaker_restart_breaks_the_timeline_however_small_the_shift() -> None:
    # At a low device latency an aborted and restarted stream meets the DAC only ~20 ms
    # sooner, under the jitter threshold; the first two callbacks of the new stream have
    # no DAC time (the speaker passes its nominal latency, here 20 ms). The restart the
    # speaker announces, not the size of the jump, starts the clock over.
    ref = FarEndReference()
    _stream(ref, 0, 200, 0.030, 10.0)
    assert ref.breaks == 0
    ref.restart()
    t = 12.0
    ref.anchor(200 * 240, t + 0.020, estimated=True)
    ref.anchor(201 * 240, t + 0.01 + 0.020, estimated=True)
    _stream(ref, 202 * 240, 5, 0.008, t + 0.02)
    assert ref.breaks == 1
    assert not ref.estimated  # the device reports DAC times: none were taken on trust
    # Already the first real anchors place the timeline, not the 200 older ones.
    assert ref.position_at(t + 0.02 + 0.008) == pytest.approx(202 * 240, abs=1)


def test_stream_start_anchors_without_dac_time_stay_out_of_the_clock() -> None:
    ref = FarEndReference()
    ref.anchor(0, 10.0 + 0.02, estimated=True)  # nominal latency: 20 ms
    ref.anchor(240, 10.01 + 0.02, estimated=True)
    assert ref.estimated
    _stream(ref, 480, 3, 0.005, 10.02)  # the device's real times: 5 ms
    assert not ref.estimated
    assert ref.position_at(10.025) == pytest.approx(480, abs=1)
    assert ref.breaks == 1  # the estimated start was a different timeline
    # Later estimated anchors (a host glitch) do not move it either.
    ref.anchor(5 * 240, 10.05 + 0.02, estimated=True)
    assert ref.position_at(10.025) == pytest.approx(480, abs=1)
    assert ref.estimated_anchors == 3 and ref.anchors == 6


def test_a_device_that_never_reports_dac_time_is_placed_by_its_nominal_latency() -> None:
    ref = FarEndReference()
    for block in range(20):
        ref.anchor(block * 240, 10.0 + block * 0.01 + 0.04, estimated=True)
    assert ref.estimated and ref.breaks == 0
    assert ref.position_at(10.05) == pytest.approx(240, abs=1)


def test_a_device_without_dac_time_is_said_once_under_debug(caplog) -> None:
    import logging

    echo = EchoControl(_Recording())
    echo.reference.write(np.zeros(RATE, dtype=np.float32))
    echo.reference.anchor(0, 10.0, estimated=True)  # the speaker used its nominal latency
    frame = np.zeros(480, dtype=np.int16)
    with caplog.at_level(logging.DEBUG, logger="realtime_cli"):
        echo.process(frame, 10.1)
        echo.process(frame, 10.12)
    lines = [r.getMessage() for r in caplog.records if "DAC time" in r.getMessage()]
    assert len(lines) == 1 and "nominal latency" in lines[0]


def test_a_restart_moves_the_pairing_by_the_jump_of_the_timeline_only() -> None:
    # The pairing has run consecutively while the microphone's ADC stamps wandered 5 ms
    # (the clock target moved, the room did not). A barge-in restarts the output stream:
    # the timeline now meets the DAC 25 ms sooner. The reference must jump by those 25 ms
    # exactly, not to the wandered clock target (a 5 ms step AEC3 would have to relearn).
    canceller, echo, ref = _ramped()
    _stream(ref, 0, 200, 0.030, 10.0)
    frame = np.zeros(480, dtype=np.int16)
    at = 10.5
    for i in range(30):
        echo.process(frame, at + i * 0.02 + (0.005 if i >= 10 else 0.0))
    continuing = int(canceller.fars[-1][0]) + 480
    assert continuing == round((10.5 - 10.03) * RATE) + 30 * 480  # no step for 5 ms
    ref.restart()
    _stream(ref, 200 * 240, 5, 0.005, 12.0)  # block 200: DAC at 12.005 s, not 12.03 s
    echo.process(frame, at + 30 * 0.02 + 0.005)
    assert int(canceller.fars[-1][0]) == continuing + 600
    assert echo.resyncs == 0 and echo.drift_steps == 0
    assert canceller.restarts == 1  # the canceller relearns after a restart...


def test_every_break_of_the_timeline_makes_the_canceller_relearn() -> None:
    canceller = _Recording()
    echo = EchoControl(canceller)
    ref = echo.reference
    ref.write(np.zeros(4 * RATE, dtype=np.float32))
    frame = np.zeros(480, dtype=np.int16)
    _stream(ref, 0, 100, 0.030, 10.0)
    echo.process(frame, 10.5)
    assert canceller.restarts == 0
    _stream(ref, 100 * 240, 100, 0.060, 11.0)  # a 30 ms jump the host made on its own
    echo.process(frame, 11.5)
    assert ref.breaks == 1 and ref.restarts == 0 and canceller.restarts == 1
    assert canceller.moves == 1  # a host's move, not a restart
    ref.restart()
    ref.anchor(200 * 240, 12.02, estimated=True)  # left out: the device has DAC times
    echo.process(frame, 12.0)
    assert canceller.restarts == 1  # not yet: the new stream has no real time yet
    _stream(ref, 201 * 240, 3, 0.005, 12.01)
    echo.process(frame, 12.02)
    assert ref.breaks == 2 and ref.restarts == 1 and canceller.restarts == 2
    assert canceller.moves == 1


def _stamps(ref: FarEndReference, start: int, offsets_ms: list[float], t0: float) -> None:
    """10 ms callbacks from block `start`, block i's DAC time off the nominal line (30 ms
    ahead of t0 + 10 ms per block) by offsets_ms[i]."""
    for i, off in enumerate(offsets_ms):
        block = start + i
        ref.anchor(block * 240, t0 + block * 0.01 + 0.030 + off / 1000)


def test_an_underrun_that_moves_the_timeline_by_13_ms_is_a_break_and_moves_the_pairing() -> None:
    # Replays what a loaded machine did (a self-interruption 2.5 s later): two callbacks
    # came late, the host played a block of silence, and from then on every block reached
    # the DAC 13 ms later. Consecutive anchors differ by 13 ms at most, under the 20 ms
    # jump threshold; the step must still be seen, the pairing move with it and the
    # canceller relearn.
    canceller, echo, ref = _ramped()
    rng = np.random.default_rng(1)
    _stamps(ref, 0, list(rng.normal(0.0, 0.1, 200)), 10.0)
    frame = np.zeros(480, dtype=np.int16)
    at = 11.5
    echo.process(frame, at)
    before = int(canceller.fars[-1][0])
    _stamps(ref, 200, [6.0, 13.0, *rng.normal(13.0, 0.1, 20)], 10.0)
    assert ref.breaks == 1 and ref.steps == 1 and ref.restarts == 0
    echo.process(frame, at + 0.02)
    # The same ADC instant now meets 13 ms (312 samples) older far-end samples.
    assert int(canceller.fars[-1][0]) == pytest.approx(before + 480 - 312, abs=5)
    assert canceller.restarts == 1
    # The new offset is the expected one now: no further breaks while it holds.
    _stamps(ref, 222, list(rng.normal(13.0, 0.1, 100)), 10.0)
    assert ref.breaks == 1


def test_jittery_stamps_and_slow_drift_are_not_steps() -> None:
    # Under load single stamps are 10 ms off either way (bursts), and two devices drift
    # apart by 0.25 ms/s: neither is a step of the timeline.
    ref = FarEndReference()
    rng = np.random.default_rng(2)
    jitter = [float(j) if rng.random() < 0.3 else 0.0 for j in rng.uniform(-10, 10, 3000)]
    drift = [b * 0.0025 for b in range(3000)]  # 0.25 ms/s, 7.5 ms in 30 s
    _stamps(ref, 0, [j + d for j, d in zip(jitter, drift, strict=True)], 10.0)
    assert ref.breaks == 0 and ref.steps == 0


def test_the_level_written_shortly_before_a_frame_does_not_rest_on_time_stamps() -> None:
    canceller = _Recording()
    echo = EchoControl(canceller)
    ref = echo.reference
    before = time.monotonic()
    ref.write(np.full(240, 0.1, dtype=np.float32))  # -20 dBFS
    ref.write(np.zeros(240, dtype=np.float32))
    after = time.monotonic()
    assert ref.recent_level_db(after, after + 0.02) == pytest.approx(-20.0, abs=0.01)
    # Written after the frame: cannot be in its echo. Long before it: its echo has died.
    assert ref.recent_level_db(before - 1.0, before - 0.9) == -120.0
    assert ref.recent_level_db(after + RECENT_WINDOW_S + 0.01, after + 1.0) == -120.0
    # The pairing's clock places this frame far from anything played (a broken timeline):
    # the canceller still learns that loud audio went to the speaker just before.
    ref.clock.anchor(0, after - 100.0)
    echo.process(np.zeros(480, dtype=np.int16), after)
    assert not canceller.fars[-1].any()
    assert canceller.recent[-1] == pytest.approx(-20.0, abs=0.01)
