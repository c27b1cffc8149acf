"""What the `rt talk` screen shows, as plain data: fed the core's actions and the session's
facts, with the time passed in. No rich, no clock reads, no I/O.

Feeding contract (the session adapter):
- `feed(actions, now)` with every batch the core returns (actions the view does not show,
  such as `Send` or `PlayAudio`, are ignored);
- `set_status(Status.SPEAKING, now)` when the first audio of a response reaches the speaker
  and `set_status(Status.LISTENING, now)` when playback has drained; the view derives the
  other states (user speaking, thinking) from the actions itself;
- `set_mic_level(dbfs)` (or `set_mic_rms(rms)`), `turn_latency(ms, now, item_id=...)`,
  `barge_in_latency(ms, now)`, `notice(text, now, level=...)` as those facts arrive (and
  `withdraw(text)` when one no longer holds);
- with manual turns (push-to-talk), `set_push_to_talk(key)` once, then `talk_started(now)`
  and `talk_ended(now, committed=...)` as the user's turn starts and ends;
- `tick(now)` before a redraw that is not caused by an input, `close(now)` at the end.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from realtime_cli.core.actions import (
    Action,
    HeardRevised,
    Interrupted,
    Notice,
    ResponseFailed,
    ResponseFinished,
    ResponseStarted,
    RunTool,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    TranscriptFailed,
    UserTurnCommitted,
)
from realtime_cli.core.pricing import Cost, estimate_cost, revise_heard
from realtime_cli.protocol import Usage

__all__ = [
    "MIC_FLOOR_DBFS",
    "PushToTalkState",
    "Status",
    "TalkView",
    "Turn",
    "ViewNotice",
    "dbfs_from_rms",
]

#: The quietest level the meter shows; anything below reads as silence.
MIC_FLOOR_DBFS = -60.0
#: How long a user turn's transcript is waited for after the commit (the service sends it
#: 0.5-1.4 s after, during the answer): plain output holds later lines back meanwhile, so
#: lines keep turn order; past it, what came is final and marked incomplete.
TRANSCRIPT_WAIT_S = 5.0


class Status(StrEnum):
    """What the conversation is doing right now."""

    CONNECTING = "connecting"
    LISTENING = "listening"
    USER_SPEAKING = "user speaking"
    THINKING = "thinking"
    SPEAKING = "speaking"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class PushToTalkState(StrEnum):
    """The user's side of a conversation with manual turns."""

    #: Waiting for the user to start a turn.
    READY = "ready"
    #: The microphone goes out; the next press (or the end of the input) sends the turn.
    TALKING = "talking"
    #: No key and nothing more to send: the input file was the one turn.
    SENT = "sent"


# Playback is known to be idle in these states, so a finished assistant transcript can no
# longer be cut short by a barge-in.
_IDLE = frozenset({Status.LISTENING, Status.THINKING, Status.CLOSED})


def dbfs_from_rms(rms: float) -> float:
    """Convert an RMS level of float samples (0..1) to dBFS, floored at `MIC_FLOOR_DBFS`."""
    if rms <= 0.0 or math.isnan(rms):
        return MIC_FLOOR_DBFS
    return max(MIC_FLOOR_DBFS, min(0.0, 20.0 * math.log10(rms)))


@dataclass(eq=False)
class Turn:
    """One utterance: the user's or the assistant's, its text streaming in.

    `settled` turns are final: the user's transcript is complete, or the assistant's item was
    heard to its end or cut short (then `interrupted`, with `heard_text` and `unheard_text`).
    """

    role: str
    item_id: str | None
    text: str = ""
    done: bool = False
    response_id: str | None = None
    interrupted: bool = False
    heard_text: str = ""
    unheard_text: str = ""
    heard_ms: int = 0
    received_ms: int = 0
    latency_ms: float | None = None
    settled: bool = False
    #: The heard part is an estimate (aligned to the audio played by speaking rate).
    heard_estimated: bool = False
    #: A user turn whose audio is not transcribed (transcription off).
    untranscribed: bool = False
    #: A user turn whose transcript had not come (or stopped) within `TRANSCRIPT_WAIT_S`
    #: of its commit, or by the end of the conversation.
    overdue: bool = False
    #: Why this turn has no (complete) text: a failed transcription, a failed or
    #: incomplete response, in the service's words.
    failure: str | None = None
    #: When the turn appeared (plain output waits a little for late user transcripts).
    started_at: float = 0.0
    #: When the service committed the user's audio (the transcript is due from then on).
    committed_at: float | None = None
    #: Already handed out by `take_settled`.
    taken: bool = False

    def transcript_note(self) -> str | None:
        """What a user line says after (or instead of) a transcript that is missing or
        partial; None when there is nothing to say. The one decision behind `--plain`, the
        live screen and the transcript file."""
        if self.role != "user" or self.failure is not None:
            return None
        if self.untranscribed and not self.text:
            return "not transcribed"
        if self.overdue:
            # Deltas can stop with no completion and no error (the service's reported stall).
            if self.text:
                return "transcript incomplete"
            return f"no transcript after {TRANSCRIPT_WAIT_S:g} s"
        return None


@dataclass(frozen=True, slots=True)
class ViewNotice:
    """A line for the footer: `level` is info, warning or error; `at` is when it arrived."""

    text: str
    level: str
    at: float


@dataclass
class TalkView:
    """The state of one voice conversation as the screen shows it."""

    model: str = "gpt-realtime"
    voice: str | None = None
    started_at: float = 0.0
    #: Oldest turns are forgotten beyond this (counters and cost keep counting).
    max_turns: int = 500
    now: float = 0.0
    status: Status = Status.CONNECTING
    #: Where the session connects (host:port), shown while connecting.
    server: str | None = None
    mic_dbfs: float | None = None
    turns: list[Turn] = field(default_factory=list)
    notices: deque[ViewNotice] = field(default_factory=lambda: deque(maxlen=50))
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Cost = field(default_factory=lambda: Cost(0.0))
    latencies_ms: list[float] = field(default_factory=list)
    barge_in_latencies_ms: list[float] = field(default_factory=list)
    responses: int = 0
    user_turns: int = 0
    assistant_turns: int = 0
    interruptions: int = 0
    active_response: str | None = None
    #: None when the service detects the turns (VAD); else the push-to-talk state.
    push_to_talk: PushToTalkState | None = None
    #: The key that starts and sends a turn, as shown (None: the turn is the input file).
    talk_key: str | None = None
    #: A yes/no question waiting for the user (a tool to confirm, an MCP approval).
    question: str | None = None
    #: Echo handling of the microphone (aec, gate, off; None: not a live microphone) and how
    #: much echo it removes while the assistant speaks (dB, None before it has spoken).
    echo_mode: str | None = None
    echo_removed_db: float | None = None
    _by_item: dict[str, Turn] = field(default_factory=dict, init=False, repr=False)
    _pending_latency: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.now = max(self.now, self.started_at)

    # ---- derived facts ---------------------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        """Seconds since the conversation started."""
        return max(0.0, self.now - self.started_at)

    @property
    def last_latency_ms(self) -> float | None:
        """Speech end to first audio heard, of the latest turn that has one."""
        return self.latencies_ms[-1] if self.latencies_ms else None

    @property
    def last_barge_in_ms(self) -> float | None:
        """Speech start to silent output, of the latest barge-in."""
        return self.barge_in_latencies_ms[-1] if self.barge_in_latencies_ms else None

    def take_settled(self) -> list[Turn]:
        """The turns that became final since the last call, in conversation order.

        A user turn still waiting for its transcript holds the later ones back for up to
        `TRANSCRIPT_WAIT_S` (the transcript is late on the service, often after the
        answer), so each line lands in its turn."""
        taken: list[Turn] = []
        for turn in self.turns:
            if turn.taken:
                continue
            if not turn.settled:
                if turn.role != "user" or turn.item_id is None or self.status is Status.CLOSED:
                    continue
                break  # its transcript is still due
            turn.taken = True
            taken.append(turn)
        return taken

    # ---- inputs from the session -----------------------------------------------------------

    def tick(self, now: float) -> None:
        """Let time pass (elapsed time, notice expiry, overdue transcripts)."""
        self.now = max(self.now, now)
        self._expire_transcripts()

    def set_status(self, status: Status, now: float) -> None:
        """The session knows better: first audio heard (speaking), playback drained
        (listening), connection lost (reconnecting) or ready (listening)."""
        self.tick(now)
        self.status = status
        if status in _IDLE:
            self._settle_idle()
        self._expire_transcripts()

    def set_mic_level(self, dbfs: float | None) -> None:
        """The microphone's current level in dBFS (`None` when the mic is closed)."""
        self.mic_dbfs = None if dbfs is None else max(MIC_FLOOR_DBFS, min(0.0, dbfs))

    def set_echo(self, mode: str, removed_db: float | None) -> None:
        """The echo mode in use and its live figure."""
        self.echo_mode = mode
        self.echo_removed_db = removed_db

    def set_mic_rms(self, rms: float) -> None:
        """The microphone's current RMS level of float samples (0..1)."""
        self.mic_dbfs = dbfs_from_rms(rms)

    def turn_latency(self, ms: float, now: float, item_id: str | None = None) -> None:
        """User speech end to the first audio of the answer reaching the speaker; `item_id`
        is the assistant item that audio belongs to."""
        self.tick(now)
        self.latencies_ms.append(ms)
        if item_id is not None:
            self._assistant_turn(item_id).latency_ms = ms
        else:
            # The transcript usually trails the audio: the next assistant turn gets it.
            self._pending_latency = ms

    def barge_in_latency(self, ms: float, now: float) -> None:
        """User speech start to silent output, for the latest barge-in."""
        self.tick(now)
        self.barge_in_latencies_ms.append(ms)

    def notice(self, text: str, now: float, level: str = "info") -> None:
        """A message for the footer (reconnects, device changes, warnings)."""
        self.tick(now)
        self.notices.append(ViewNotice(text, level, self.now))

    def withdraw(self, text: str) -> None:
        """Take notices that no longer hold (a warning about a state that is over) off the
        footer."""
        kept = [n for n in self.notices if n.text != text]
        self.notices.clear()
        self.notices.extend(kept)

    def set_push_to_talk(self, key: str | None) -> None:
        """Manual turns: `key` starts and sends a turn (None: the whole input is one turn)."""
        self.talk_key = key
        self.push_to_talk = PushToTalkState.READY

    def talk_started(self, now: float) -> None:
        """The user started a turn (push-to-talk)."""
        self.tick(now)
        self.push_to_talk = PushToTalkState.TALKING
        self.status = Status.USER_SPEAKING
        self._speech_placeholder()

    def talk_ended(self, now: float, *, committed: bool) -> None:
        """The user's turn ended: `committed` (an answer follows) or discarded as too short."""
        self.tick(now)
        self.push_to_talk = (
            PushToTalkState.READY if self.talk_key is not None else PushToTalkState.SENT
        )
        if committed:
            if self.status is Status.USER_SPEAKING:
                self.status = Status.THINKING
            return
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "user" and last.item_id is None and not last.text:
            self.turns.pop()
            self.user_turns -= 1
        if self.status is Status.USER_SPEAKING:
            self.status = Status.LISTENING
        self.notices.append(ViewNotice("too short to send: nothing was sent", "info", self.now))

    def close(self, now: float) -> None:
        """The conversation ended: everything still streaming is final as it stands, and the
        microphone is off (the last frame stays on the terminal)."""
        self.tick(now)
        self.status = Status.CLOSED
        self.mic_dbfs = None
        self._expire_transcripts()
        for turn in self.turns:
            if not turn.settled and (turn.text or turn.role == "assistant"):
                turn.done = True
                self._settle(turn)

    def feed(self, actions: Iterable[Action], now: float) -> None:
        """Apply the core's actions (any that the screen does not show are ignored)."""
        self.tick(now)
        for action in actions:
            self._apply(action)

    # ---- internals -------------------------------------------------------------------------

    def _apply(self, action: Action) -> None:
        match action:
            case TranscriptDelta(role="user"):
                turn = self._user_turn(action.item_id)
                turn.text += action.text
            case TranscriptDone(role="user"):
                self._user_done(action.item_id, action.text)
            case TranscriptFailed():
                turn = self._user_turn(action.item_id)
                turn.failure = f"transcription failed: {action.message}"
                turn.done = True
                self._settle(turn)
            case UserTurnCommitted():
                self._committed(action)
            case TranscriptDelta():
                turn = self._assistant_turn(action.item_id)
                if not turn.interrupted:
                    turn.text += action.text
            case TranscriptDone():
                self._assistant_done(action.item_id, action.text)
            case Interrupted():
                self._interrupted(action)
            case SpeechStarted():
                self.status = Status.USER_SPEAKING
                self._speech_placeholder(action.item_id)
            case SpeechStopped():
                if self.status is Status.USER_SPEAKING:
                    self.status = Status.THINKING
            case ResponseStarted():
                # A new response means the previous ones are over, heard or cut.
                for turn in self.turns:
                    if turn.role == "assistant" and not turn.settled:
                        self._settle(turn)
                self.active_response = action.response_id
                if self.status is Status.LISTENING:
                    self.status = Status.THINKING
            case ResponseFinished():
                self._response_finished(action)
            case ResponseFailed():
                self._response_failed(action)
            case HeardRevised():
                self._heard_revised(action)
            case ServerError():
                self.notices.append(ViewNotice(_error_text(action), "error", self.now))
            case Notice():
                self.notices.append(ViewNotice(action.text, action.level, self.now))
            case RunTool():
                self.notices.append(ViewNotice(f"running tool {action.name}", "info", self.now))
            case _:
                pass

    def _append(self, turn: Turn) -> Turn:
        turn.started_at = self.now
        self.turns.append(turn)
        if turn.role == "user":
            self.user_turns += 1
        else:
            self.assistant_turns += 1
        if turn.item_id is not None:
            self._by_item[turn.item_id] = turn
        if len(self.turns) > self.max_turns:
            dropped = self.turns.pop(0)
            if dropped.item_id is not None:
                self._by_item.pop(dropped.item_id, None)
        return turn

    def _speech_placeholder(self, item_id: str | None = None) -> None:
        last = self.turns[-1] if self.turns else None
        # A false start leaves an empty placeholder: reuse it rather than pile up.
        reuse = (
            last is not None
            and last.role == "user"
            and not last.text
            and not last.settled
            and last.item_id in (None, item_id)
        )
        if last is not None and reuse:
            if item_id is not None and last.item_id is None:
                last.item_id = item_id
                self._by_item[item_id] = last
            return
        if item_id is not None and item_id in self._by_item:
            return
        self._append(Turn("user", item_id))

    def _user_turn(self, item_id: str) -> Turn:
        """The user turn of `item_id`. The service names the item at `speech_started` and
        at the commit, before any transcript, so transcripts (late, and not always in
        order) are matched by id, never by position."""
        turn = self._by_item.get(item_id)
        if turn is not None:
            return turn
        # Manual turns: the newest placeholder (push-to-talk) is the one being committed.
        for placeholder in reversed(self.turns):
            if placeholder.role == "user" and placeholder.item_id is None:
                placeholder.item_id = item_id
                self._by_item[item_id] = placeholder
                return placeholder
        return self._append(Turn("user", item_id))

    def _committed(self, action: UserTurnCommitted) -> None:
        turn = self._user_turn(action.item_id)
        turn.committed_at = self.now
        if not action.transcribed and not turn.text:
            turn.untranscribed = True
            turn.done = True
            self._settle(turn)

    def _user_done(self, item_id: str, text: str) -> None:
        turn = self._user_turn(item_id)
        turn.text = text
        turn.done = True
        if text.strip():
            turn.overdue = False  # came after all: complete, on screen and in the file
        if not text.strip() and not turn.settled:
            # Noise transcribed to nothing: not an utterance.
            if turn in self.turns:
                self.turns.remove(turn)
            self._by_item.pop(item_id, None)
            self.user_turns -= 1
            return
        self._settle(turn)

    def _assistant_turn(self, item_id: str) -> Turn:
        turn = self._by_item.get(item_id)
        if turn is None:
            turn = self._append(Turn("assistant", item_id, response_id=self.active_response))
            if self._pending_latency is not None:
                turn.latency_ms, self._pending_latency = self._pending_latency, None
        return turn

    def _assistant_done(self, item_id: str, text: str) -> None:
        turn = self._assistant_turn(item_id)
        turn.done = True
        if turn.interrupted:
            # Text that arrives after the cut was never heard: it belongs to the unheard rest.
            if text.startswith(turn.heard_text) and len(text) > len(turn.text):
                turn.unheard_text = text[len(turn.heard_text) :]
                turn.text = text
            return
        # Not final yet: its audio may still be playing and can be cut. It settles when the
        # session reports playback idle, the next response starts, or the response had no audio.
        turn.text = text

    def _interrupted(self, action: Interrupted) -> None:
        turn = self._assistant_turn(action.item_id)
        if not turn.interrupted:
            self.interruptions += 1
        turn.interrupted = True
        turn.heard_text = action.heard_text
        turn.unheard_text = action.unheard_text
        turn.heard_ms = action.heard_ms
        turn.received_ms = action.received_ms
        turn.heard_estimated = action.estimated
        full = action.heard_text + action.unheard_text
        if len(full) >= len(turn.text):
            turn.text = full
        self._settle(turn)

    def _response_finished(self, action: ResponseFinished) -> None:
        self.responses += 1
        if self.active_response == action.response_id:
            self.active_response = None
        if action.usage is not None:
            self._add_usage(action.usage, action)
        if action.generated_audio_ms == 0:
            # Nothing to play (text only, or cut before any audio): final now.
            for turn in self.turns:
                if turn.response_id == action.response_id and not turn.settled:
                    turn.done = True
                    self._settle(turn)
            if self.status is Status.THINKING:
                self.status = Status.LISTENING

    def _response_failed(self, action: ResponseFailed) -> None:
        """A failed or incomplete answer is shown in its turn, in the service's words."""
        what = action.reason or action.code or action.status
        text = f"response {action.status} ({what})"
        if action.message:
            text += f": {action.message}"
        if action.retry_after_s is not None:
            text += f" [retry in {action.retry_after_s:.1f} s]"
        turns = [t for t in self.turns if t.response_id == action.response_id]
        turn = (
            turns[-1]
            if turns
            else self._append(Turn("assistant", None, response_id=action.response_id))
        )
        turn.failure = text
        turn.done = True
        self._settle(turn)
        level = "error" if action.status == "failed" else "warning"
        self.notices.append(ViewNotice(text, level, self.now))

    def _heard_revised(self, action: HeardRevised) -> None:
        """Audio cut after its response finished: more of the cost went to unheard audio."""
        self.cost = revise_heard(
            self.cost,
            action.usage,
            self.model,
            generated_ms=action.generated_audio_ms,
            heard_before_ms=action.heard_before_ms,
            heard_ms=action.heard_audio_ms,
        )

    def _add_usage(self, usage: Usage, action: ResponseFinished) -> None:
        if isinstance(usage.input_tokens, int):
            self.input_tokens += usage.input_tokens
        if isinstance(usage.output_tokens, int):
            self.output_tokens += usage.output_tokens
        heard = (
            action.heard_audio_ms / action.generated_audio_ms
            if action.generated_audio_ms > 0
            else 1.0
        )
        self.cost = self.cost + estimate_cost(usage, self.model, heard_fraction=heard)

    def _expire_transcripts(self) -> None:
        """User turns whose transcript stopped coming: final with what came, marked overdue.

        Due `TRANSCRIPT_WAIT_S` after the commit (or after speech started, for a turn never
        committed and no longer spoken); at the end of the conversation, at once."""
        for turn in self.turns:
            if turn.settled or turn.role != "user" or turn.item_id is None:
                continue
            if self.status is Status.CLOSED:
                due = bool(turn.text)  # nothing came at all: no line to mark
            elif turn.committed_at is not None:
                due = self.now - turn.committed_at >= TRANSCRIPT_WAIT_S
            else:
                speaking = self.status is Status.USER_SPEAKING
                due = not speaking and self.now - turn.started_at >= TRANSCRIPT_WAIT_S
            if due:
                turn.overdue = True
                turn.done = True
                self._settle(turn)

    def _settle_idle(self) -> None:
        for turn in self.turns:
            if turn.role == "assistant" and turn.done and not turn.settled:
                self._settle(turn)

    def _settle(self, turn: Turn) -> None:
        turn.settled = True


def _error_text(action: ServerError) -> str:
    error = action.error
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    parts = [p for p in (code, message) if isinstance(p, str) and p]
    return "server error: " + (": ".join(parts) if parts else "unknown")
