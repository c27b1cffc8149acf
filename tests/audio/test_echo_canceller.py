"""The echo cancellers on synthetic signals: no devices, 24 kHz, 20 ms frames."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from numpy.typing import NDArray

from realtime_cli.audio.echo_canceller import (
    Aec3Canceller,
    EchoCanceller,
    GateCanceller,
    PassThrough,
    block_levels_db,
    make_echo_canceller,
)
from tests.audio.signals import room_echo, speech_like, to_pcm16

RATE = 24000
FRAME = 480
ANSWER = "The quick brown fox jumps over the lazy dog. Then it rests for a while! " * 3


def _run(canceller: EchoCanceller, mic: NDArray[np.float32], far: NDArray[np.float32]):
    n = mic.size // FRAME * FRAME
    pcm = to_pcm16(mic[:n])
    out = np.empty(n, dtype=np.int16)
    for i in range(0, n, FRAME):
        out[i : i + FRAME] = canceller.process(pcm[i : i + FRAME], far[i : i + FRAME])
    return out.astype(np.float32) / 32768.0


def _db(x: NDArray[np.floating]) -> float:
    return float(10 * np.log10(np.mean(np.square(x.astype(np.float64))) + 1e-20))


@pytest.fixture(scope="module")
def answer() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    far = speech_like(ANSWER)
    return far, room_echo(far, delay_s=0.05, gain_db=-6.0)


def test_aec_removes_a_room_echo_with_no_burst_left_for_a_sensitive_detector(answer) -> None:
    far, mic = answer
    canceller = Aec3Canceller()
    out = _run(canceller, mic, far)
    settled = slice(2 * RATE, out.size)  # AEC3 converges within the first words
    removed = _db(mic[settled]) - _db(out[settled])
    assert removed >= 30.0
    # The real service's detector is believed to fire near -45 dBFS on 10 ms peaks.
    assert block_levels_db(out[settled]).max() < -50.0
    assert block_levels_db(mic[settled]).max() > -20.0  # the echo was loud
    assert canceller.echo_removed_db is not None and canceller.echo_removed_db >= 25.0


def test_residual_suppression_takes_the_loudest_leftover_echo_further_down(answer) -> None:
    far, mic = answer
    alone = _run(Aec3Canceller(residual_suppression=False), mic, far)
    both = _run(Aec3Canceller(), mic, far)
    settled = slice(2 * RATE, mic.size)
    assert block_levels_db(both[settled]).max() <= block_levels_db(alone[settled]).max() - 6.0


def test_aec_keeps_the_users_voice_over_the_answer(answer) -> None:
    far, echo = answer
    user = speech_like("hello there I am talking over you now", speed=1.3, gain_db=-6.0)
    start = 7 * RATE  # once the canceller has learnt the room (2 s of echo)
    mic = echo.copy()
    mic[start : start + user.size] += user
    out = _run(Aec3Canceller(), mic, far)
    during = slice(start, start + user.size)
    # A detector fires on the loud 10 ms blocks of speech: those come through within a few
    # dB (AEC3's own double-talk suppression takes some of the quieter ones).
    user_peaks = np.percentile(block_levels_db(user), 90)
    out_peaks = np.percentile(block_levels_db(out[during]), 90)
    assert out_peaks >= user_peaks - 8.0
    assert out_peaks > -35.0  # above even the emulator's default (insensitive) detector


def test_a_restarted_far_end_makes_aec_half_duplex_until_it_has_converged_again(
    answer,
) -> None:
    far, mic = answer
    canceller = Aec3Canceller()
    half = far.size // 2 // FRAME * FRAME
    _run(canceller, mic[:half], far[:half])
    assert canceller.converged
    canceller.far_end_restarted()
    assert not canceller.converged  # a block must be 6 dB over the predicted echo again
    _run(canceller, mic[half:], far[half:])
    assert canceller.converged  # after 2 s more of echo
    assert canceller.echo_path_db < -3.0  # what it knows of the room's level stays


def test_a_host_move_of_the_timeline_makes_aec_recheck_for_half_a_second(answer) -> None:
    far, mic = answer
    canceller = Aec3Canceller()
    split = 7 * RATE // FRAME * FRAME
    _run(canceller, mic[:split], far[:split])
    assert canceller.converged
    canceller.far_end_restarted(moved=True)
    assert not canceller.converged
    # Half a second of answer later (some of it pauses), not yet; within 1.5 s, again.
    _run(canceller, mic[split : split + RATE // 2], far[split : split + RATE // 2])
    assert not canceller.converged
    _run(
        canceller,
        mic[split + RATE // 2 : split + 2 * RATE],
        far[split + RATE // 2 : split + 2 * RATE],
    )
    assert canceller.converged
    # A move while still relearning after a restart does not shorten the restart's wait.
    canceller.far_end_restarted()
    _run(canceller, mic[split : split + RATE], far[split : split + RATE])
    canceller.far_end_restarted(moved=True)
    _run(canceller, mic[split + RATE : split + 2 * RATE], far[split + RATE : split + 2 * RATE])
    assert not canceller.converged


def test_gate_attenuates_while_the_far_end_plays_and_reopens_after_the_tail() -> None:
    words = speech_like("one two three four five six seven")
    far = np.concatenate([words, np.zeros(2 * RATE, np.float32)])
    user = speech_like("hello", gain_db=-6.0)
    mic = room_echo(far, gain_db=-6.0)
    talk_at = words.size + round(0.6 * RATE)  # past the echo tail
    mic[talk_at : talk_at + user.size] += user
    gate = GateCanceller()
    out = _run(gate, mic, far)
    playing = slice(RATE // 2, words.size)
    assert _db(mic[playing]) - _db(out[playing]) >= 35.0
    after = slice(talk_at, talk_at + user.size)
    assert abs(_db(out[after]) - _db(mic[after])) < 0.5
    assert gate.echo_removed_db is not None and gate.echo_removed_db > 35.0


def test_pass_through_changes_nothing() -> None:
    frame = to_pcm16(speech_like("hi")[:FRAME])
    assert PassThrough().process(frame, np.ones(FRAME, np.float32)) is frame
    assert PassThrough().echo_removed_db is None


def test_factory_modes() -> None:
    assert make_echo_canceller("off").mode == "off"
    assert make_echo_canceller("gate").mode == "gate"
    assert make_echo_canceller("aec").mode == "aec"
    with pytest.raises(ValueError, match="unknown echo mode"):
        make_echo_canceller("loud")  # type: ignore[arg-type]


def test_a_missing_canceller_falls_back_to_gate_with_one_line(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pywebrtc_audio", None)  # import raises ImportError
    lines: list[str] = []
    canceller = make_echo_canceller("aec", warn=lines.append)
    assert canceller.mode == "gate"
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "pywebrtc-audio" in lines[0] and "gate" in lines[0]


def _run_unpaired(canceller: Aec3Canceller, mic, far, *, lost_from: int, hint: bool):
    """`_run`, but from sample `lost_from` on the pairing sits on a stretch nothing was
    played in (the reference is silent) while the speaker goes on playing; `hint`: the
    canceller is told how loud the blocks handed to the speaker just before were."""
    n = mic.size // FRAME * FRAME
    pcm = to_pcm16(mic[:n])
    out = np.empty(n, dtype=np.int16)
    silent = np.zeros(FRAME, np.float32)
    for i in range(0, n, FRAME):
        lost = i >= lost_from
        recent = float(block_levels_db(far[max(0, i - RATE // 2) : i + FRAME]).max())
        out[i : i + FRAME] = canceller.process(
            pcm[i : i + FRAME],
            silent if lost else far[i : i + FRAME],
            recent_far_db=recent if hint else None,
        )
    return out.astype(np.float32) / 32768.0


def test_echo_is_suppressed_where_a_broken_timeline_pairs_it_with_silence(answer) -> None:
    # Replays a loaded machine: the speaker's callbacks starved for 40-300 ms at a time,
    # the timeline broke off again and again and the pairing landed on a stretch where
    # the reference says nothing played, while the microphone held the echo at -21 dBFS.
    # AEC3 has nothing to cancel with; what the speaker was handed just before (by write
    # time, no time stamp involved) must still mark those blocks as echo.
    far, mic = answer
    lost_from = 7 * RATE // FRAME * FRAME  # AEC3 has converged (2 s of echo heard)
    lost = slice(lost_from + RATE // 2, mic.size)  # the old stretch's echo has died down
    blind = _run_unpaired(Aec3Canceller(), mic, far, lost_from=lost_from, hint=False)
    canceller = Aec3Canceller()
    told = _run_unpaired(canceller, mic, far, lost_from=lost_from, hint=True)
    assert canceller.converged
    assert block_levels_db(blind[lost]).max() > -30.0  # the leak a detector takes for a user
    assert block_levels_db(told[lost]).max() < -45.0
