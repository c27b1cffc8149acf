"""`rt talk` on a real pseudo-terminal against the emulator: the live screen as a user sees it.

Stdout is a terminal, so `rt talk` draws with rich's Live (not --plain); the output is
replayed on a small terminal model and the final screen is read back, with its attributes.
"""

from __future__ import annotations

import json
import re
import termios
from pathlib import Path
from typing import Any

import numpy as np

from realtime_cli.emulator.synth import silence, speak
from tests.audio.virtual_audio import VirtualAudio
from tests.cli.conftest import Emu, StartEmulator
from tests.cli.emulator_thread import EmulatorThread
from tests.cli.pty_run import PtyRun, rt_env
from tests.cli.spoken import write_wav
from tests.cli.terminal import Terminal

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"


def _talk(emulator: Emu, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> PtyRun:
    return PtyRun(
        "talk", "--output-file", str(tmp_path / "reply.wav"), "--max-seconds", "30",
        "--transcribe", "gpt-4o-mini-transcribe", "--log", str(tmp_path / "log.jsonl"), *args,
        env=rt_env(emulator.base_url, tmp_path, env),
    )  # fmt: skip


def _line(terminal: Terminal, pattern: str) -> str:
    found = [line for line in terminal.lines() if re.search(pattern, line)]
    assert found, f"no line matches {pattern!r}:\n{terminal.text()}"
    return found[-1]


def _sent(log: Path) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [e["event"] for e in entries if e["dir"] == "send" and "event" in e]


def _assert_clean_exit(run: PtyRun) -> None:
    code = run.finish()
    assert code == 0, run.terminal.text()
    assert "Traceback" not in run.raw
    # The run drew and redrew in place: rich's Live, not plain lines.
    assert "\x1b[1A" in run.raw and "\x1b[2K" in run.raw


def _assert_summary(terminal: Terminal, turns: str) -> None:
    screen = terminal.text()
    assert "╭─ rt talk" in screen
    assert re.search(rf"│ turns +{re.escape(turns)}", screen), screen
    assert re.search(r"│ file +\S*reply\.wav", screen), screen
    # The summary comes after the last frame of the live screen, which ends with its footer
    # (saying so: it no longer offers Ctrl-C).
    assert screen.index("the conversation has ended") < screen.index("╭─ rt talk")
    assert "Ctrl-C ends the conversation" not in screen


def test_live_screen_shows_the_conversation_and_the_summary(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    run = _talk(emulator, tmp_path, "--input-file", str(DEMO))
    pty_runs.append(run)
    _assert_clean_exit(run)
    term = run.terminal
    assert _line(term, r"^● ").startswith("● closed")
    assert "gpt-realtime · marin" in _line(term, r"^● ")
    assert re.search(r"^latency \d+ ms  stop -", _line(term, r"^latency "))
    you = _line(term, r"^you ")
    answer = _line(term, r"^assistant ")
    assert re.fullmatch(r"you +Speech of [\d.]+ seconds\.", you)
    assert re.fullmatch(r"assistant +You said: Speech of [\d.]+ seconds\.", answer)
    assert term.lines().index(you) < term.lines().index(answer)
    # The header followed the conversation as it went.
    assert run.statuses[0] == "listening"
    assert "user speaking" in run.statuses
    assert run.statuses[-1] == "closed"
    assert "push-to-talk" not in term.text()
    _assert_summary(term, "1 you, 1 assistant (0 interrupted)")
    assert term.styled("strike") == []


def test_the_header_does_not_flick_back_to_listening_while_the_answer_is_due(
    start_emulator: StartEmulator, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    """The service's answer starts a few hundred ms after the user stops (`rt emulator`'s
    own speed, live timing): the header goes from "user speaking" to the answer, not back to
    "listening" in between."""
    run = _talk(start_emulator("--speed", "5"), tmp_path, "--input-file", str(DEMO))
    pty_runs.append(run)
    _assert_clean_exit(run)
    spoken = run.statuses.index("user speaking")
    answered = run.statuses.index("speaking")
    assert run.statuses[spoken + 1 : answered] in ([], ["thinking"]), run.statuses
    assert run.statuses[answered:] == ["speaking", "listening", "closed"], run.statuses


def test_barge_in_strikes_through_exactly_the_unheard_words(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    first = speak("Tell me a long story please.").samples
    second = speak("Stop, that is enough.").samples
    # The answer starts ~0.6 s after the first utterance; the second cuts in 0.8 s later.
    mic = tmp_path / "in.wav"
    write_wav(mic, np.concatenate([silence(300), first, silence(1400), second]))
    run = _talk(emulator, tmp_path, "--input-file", str(mic))
    pty_runs.append(run)
    _assert_clean_exit(run)
    term = run.terminal
    cut = _line(term, r"\(interrupted at \d+\.\d s, heard text estimated\)$")
    assert cut.startswith("assistant ")
    struck = term.styled("strike")
    assert len(struck) == 1, struck
    unheard = struck[0]
    assert unheard.strip()
    # The struck run is the end of the answer's text, just before the interruption note.
    assert cut.index(unheard) + len(unheard) == cut.index(" (interrupted at")
    # rich asked the terminal for strike-through (SGR 9), alone or with other attributes.
    assert any(9 in params for params in run.terminal.sgr)
    assert re.search(r"\x1b\[(?:\d+;)*9(?:;\d+)*m", run.raw)
    assert re.search(r"stop \d+ ms", _line(term, r"^latency "))
    _assert_summary(term, "2 you, 2 assistant (1 interrupted)")


def test_push_to_talk_with_an_input_file_sends_it_as_one_turn(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    run = _talk(emulator, tmp_path, "--vad", "none", "--input-file", str(DEMO))
    pty_runs.append(run)
    run.wait_for(lambda t: "● talking" in t.text(), "push-to-talk 'talking' state")
    assert "sent when the input ends" in _line(run.terminal, "● talking")
    _assert_clean_exit(run)
    term = run.terminal
    assert "push-to-talk: the input was sent as one turn" in term.text()
    # One turn, the whole file: the emulator transcribes it as one utterance of its length.
    assert re.fullmatch(r"you +Speech of 4\.\d seconds\.", _line(term, r"^you "))
    assert _line(term, r"^assistant ").split(None, 1)[1].startswith("You said: Speech of 4.")
    assert "user speaking" in run.statuses
    _assert_summary(term, "1 you, 1 assistant (0 interrupted)")
    types = [e["type"] for e in _sent(tmp_path / "log.jsonl")]
    assert types.count("input_audio_buffer.commit") == 1
    assert types.count("response.create") == 1
    commit = types.index("input_audio_buffer.commit")
    appends = [i for i, t in enumerate(types) if t == "input_audio_buffer.append"]
    assert appends and max(appends) < commit < types.index("response.create")


# ---- live microphone, keys typed on the terminal ---------------------------------------------


def _cbreak(modes: list[Any]) -> bool:
    lflag = modes[3]
    return not lflag & termios.ICANON and not lflag & termios.ECHO and bool(lflag & termios.ISIG)


def test_push_to_talk_with_space_on_a_live_microphone_then_ctrl_c(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun], virtual_audio: VirtualAudio
) -> None:
    run = _talk(
        emulator, tmp_path, "--vad", "none", "--input-device", "vmic", env=virtual_audio.env
    )
    pty_runs.append(run)
    assert not _cbreak(run.initial_modes)
    run.wait_for(lambda t: "hold SPACE to talk" in t.text(), "the push-to-talk hint")
    assert _cbreak(run.modes())  # keys are read one by one, unechoed; Ctrl-C stays a signal
    # The hint comes before the connection; the microphone starts once connected, and the
    # speech fed below must not play into a stream not yet open.
    run.wait_for(lambda t: "● listening" in t.text(), "the connected session")
    run.write(b" ")
    run.wait_for(lambda t: "● talking" in t.text(), "the talking state")
    assert "release or press SPACE to send" in _line(run.terminal, "● talking")
    assert _line(run.terminal, r"^● ").startswith("● user speaking")
    virtual_audio.feed_microphone(DEMO).wait(timeout=30)
    run.write(b" ")
    answered = re.compile(r"^assistant +You said: Speech of [\d.]+ seconds\.$", re.M)
    run.wait_for(lambda t: bool(answered.search(t.text())), "the whole answer")
    # Both on one screen: a read can end in the middle of a frame.
    run.wait_for(
        lambda t: "● listening" in t.text() and "hold SPACE to talk" in t.text(),
        "the end of the answer, ready for the next turn",
    )
    run.write(b"\x03")  # Ctrl-C, through the terminal's line discipline
    _assert_clean_exit(run)
    term = run.terminal
    assert re.fullmatch(r"you +Speech of \d+\.\d seconds\.", _line(term, r"^you "))
    assert _line(term, r"^assistant ").split(None, 1)[1].startswith("You said: Speech of")
    _assert_summary(term, "1 you, 1 assistant (0 interrupted)")
    # The terminal got its settings back.
    assert run.modes() == run.initial_modes
    types = [e["type"] for e in _sent(tmp_path / "log.jsonl")]
    assert types.count("input_audio_buffer.commit") == 1
    assert types.count("response.create") == 1
    # Nothing of the microphone went out after the turn was sent.
    assert types.index("input_audio_buffer.commit") > max(
        i for i, t in enumerate(types) if t == "input_audio_buffer.append"
    )


def test_with_the_echo_gate_a_key_interrupts_the_assistant(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
    pty_runs: list[PtyRun],
    virtual_audio: VirtualAudio,
) -> None:
    # Half duplex: the microphone is muted while the assistant speaks, so the talk key is
    # what interrupts it.
    scripted_emulator.call(lambda e: e.script.queue_reply("This is a long answer. " * 30))
    log = tmp_path / "log.jsonl"
    run = PtyRun(
        "talk", "--echo", "gate", "--input-device", "vmic", "--output-device", "vspeaker",
        "--max-seconds", "40", "--log", str(log),
        env=rt_env(scripted_emulator.base_url, tmp_path, virtual_audio.env),
    )  # fmt: skip
    pty_runs.append(run)
    run.wait_for(lambda t: "press SPACE to interrupt" in t.text(), "the echo gate's hint")
    # The hint comes before the connection: speech fed earlier could miss the microphone.
    run.wait_for(lambda t: "● listening" in t.text(), "the connected session")
    virtual_audio.feed_microphone(DEMO).wait(timeout=30)
    run.wait_for(lambda t: "● speaking" in t.text(), "the assistant speaking")
    run.write(b" ")
    run.wait_for(lambda t: "● listening" in t.text(), "the answer stopped")
    run.write(b"\x03")
    assert run.finish() == 0, run.terminal.text()
    sent = [e["type"] for e in _sent(log)]
    assert "conversation.item.truncate" in sent, sent
    assert re.search(r"turns +1 you, 1 assistant \(1 interrupted\)", run.terminal.text())
