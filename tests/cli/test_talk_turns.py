"""Push-to-talk turn logic, fed presses, frames and times by hand."""

from __future__ import annotations

from realtime_cli.cli.talk_turns import Outgoing, PushToTalk, TurnChange

FRAME = 480  # 20 ms at 24 kHz
R = 0.15  # the repeat window used below


class Frame:
    """A microphone frame that remembers when it was captured."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __len__(self) -> int:
        return FRAME

    def __repr__(self) -> str:
        return f"Frame({self.at:.2f})"


class Mic:
    """Feeds a frame every 20 ms and collects what the turn logic sends, in order."""

    def __init__(self, turns: PushToTalk[Frame]) -> None:
        self.turns = turns
        self.t = 0.0
        self.log: list[str | float] = []  # frame times, "commit", "barge-in"

    def record(self, out: Outgoing[Frame]) -> None:
        self.log += [f.at for f in out.tail]
        self.log += ["commit"] if out.commit else []
        self.log += ["barge-in"] if out.barge_in else []
        self.log += [f.at for f in out.frames]

    def run_until(self, end: float) -> None:
        while self.t < end - 1e-9:
            self.t = round(self.t + 0.02, 6)
            self.record(self.turns.feed(Frame(self.t), self.t))

    def sent(self) -> list[float]:
        return [x for x in self.log if isinstance(x, float)]


def test_nothing_is_sent_before_the_key() -> None:
    mic = Mic(PushToTalk(repeat_s=R))
    mic.run_until(1.0)
    assert mic.log == []
    assert mic.turns.take_changes() == []


def test_tap_to_start_tap_to_send() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    mic = Mic(turns)
    mic.run_until(0.5)
    turns.press(0.5)
    assert turns.talking and turns.take_changes() == [TurnChange.STARTED]
    mic.run_until(1.5)
    turns.press(1.5)
    assert turns.ending and turns.talking  # not yet: it could be the start of a held key
    mic.run_until(2.0)
    assert not turns.talking
    assert turns.take_changes() == [TurnChange.COMMITTED]
    # The frames captured while talking, in order, then one commit; nothing after the tap.
    sent = mic.sent()
    assert sent[0] == 0.52 and sent[-1] == 1.5
    assert sent == sorted(sent) and len(sent) == 50
    assert mic.log.index("commit") == len(mic.log) - 1
    assert mic.log[0] == "barge-in"  # a new turn interrupts the assistant (if it talks)
    assert turns.turns_committed == 1


def test_held_key_talks_until_the_repeats_stop() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    mic = Mic(turns)
    turns.press(0.0)
    mic.run_until(0.5)
    # After the keyboard's repeat delay (0.5 s), auto-repeats every 40 ms until 2.0 s.
    for i in range(38):
        turns.press(0.5 + i * 0.04)
        mic.run_until(0.54 + i * 0.04)
        assert turns.talking
    assert turns.take_changes() == [TurnChange.STARTED]
    mic.run_until(2.5)
    assert turns.take_changes() == [TurnChange.COMMITTED]
    sent = mic.sent()
    # The first repeat looked like a second tap; the next one proved the key held, so what
    # was captured in between went out too: no gap in the audio.
    assert sent == [round(0.02 * k, 6) for k in range(1, len(sent) + 1)]
    assert 1.98 <= sent[-1] <= 2.0 + R
    assert mic.log.count("commit") == 1


def test_a_turn_too_short_to_commit_sends_nothing() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    mic = Mic(turns)
    turns.press(0.0)
    mic.run_until(0.06)  # 3 frames: 60 ms, under the API's 100 ms
    assert turns.finish(0.06) == Outgoing([], commit=False, barge_in=False)
    assert mic.sent() == []
    assert "commit" not in mic.log
    assert turns.take_changes() == [TurnChange.STARTED, TurnChange.DISCARDED]
    assert turns.turns_committed == 0


def test_nothing_captured_nothing_committed() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    turns.press(0.0)
    turns.press(1.0)  # the microphone delivered nothing in between
    out = turns.feed(Frame(2.0), 2.0)
    assert not turns.talking
    assert out.frames == [] and not out.commit
    assert turns.take_changes() == [TurnChange.STARTED, TurnChange.DISCARDED]


def test_the_first_100_ms_are_held_back_then_sent_in_order() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    turns.press(0.0)
    outs = [turns.feed(Frame(t / 50), t / 50) for t in range(1, 7)]
    assert [len(o.frames) for o in outs] == [0, 0, 0, 0, 5, 1]
    assert [f.at for f in outs[4].frames] == [0.02, 0.04, 0.06, 0.08, 0.1]


def test_a_key_still_repeating_after_the_input_ended_does_not_open_a_turn() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    mic = Mic(turns)
    turns.press(0.0)
    mic.run_until(0.5)
    turns.press(0.5)
    turns.press(0.54)  # held
    mic.run_until(0.56)
    mic.record(turns.finish(0.56))  # the microphone closed
    turns.press(0.58)
    assert not turns.talking
    assert turns.take_changes() == [TurnChange.STARTED, TurnChange.COMMITTED]
    assert mic.log[-1] == "commit"


def test_the_next_turn_starts_after_the_commit_of_the_previous() -> None:
    turns: PushToTalk[Frame] = PushToTalk(repeat_s=R)
    mic = Mic(turns)
    turns.press(0.0)
    mic.run_until(1.0)
    turns.press(1.0)
    mic.run_until(1.16)  # no second press within R: the tap ends the turn
    assert not turns.talking
    turns.press(1.17)
    mic.run_until(2.0)
    turns.press(2.0)
    mic.run_until(2.5)
    assert turns.take_changes() == [
        TurnChange.STARTED,
        TurnChange.COMMITTED,
        TurnChange.STARTED,
        TurnChange.COMMITTED,
    ]
    first, second = mic.log.index("commit"), len(mic.log) - 1
    assert mic.log[second] == "commit"
    assert mic.log[1:first] == [round(0.02 * k, 6) for k in range(1, 51)]
    between = mic.log[first + 1 : second]
    assert between[0] == "barge-in"
    assert between[1:] == [round(0.02 * k, 6) for k in range(59, 101)]
    assert turns.turns_committed == 2


def test_a_whole_input_is_one_turn() -> None:
    turns: PushToTalk[Frame] = PushToTalk()
    turns.start(0.0)
    outs = [turns.feed(Frame(t / 50), t / 50) for t in range(1, 101)]
    end = turns.finish(2.0)
    assert end.commit and end.frames == [] and end.tail == []
    assert sum(len(o.frames) for o in outs) == 100
    assert not any(o.commit for o in outs)
    assert turns.take_changes() == [TurnChange.STARTED, TurnChange.COMMITTED]
