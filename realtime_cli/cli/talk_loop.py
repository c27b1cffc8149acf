"""The running `rt talk`: microphone -> session -> speaker, with the view kept up to date.

Three tasks: the microphone pump (frames to the session, the level to the view), the event
consumer (voice events to the view), and a watcher (playback status, latencies, the end of a
headless run). Whatever ends the run, the devices are closed, the recording and the event
log are flushed, the terminal's settings are restored, and a summary is printed.

With manual turns (`--vad none`) the pump sends only what `PushToTalk` lets through and
commits when it says so; the talk key comes from a `KeyReader` on the terminal, and a headless
input file is one turn, committed when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from rich.rule import Rule

from realtime_cli.audio import Microphone, Speaker
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.cli.keys import KeyReader, key_name
from realtime_cli.cli.mcp_approvals import McpApprovals, mcp_progress_line
from realtime_cli.cli.output_paths import stopped_writing
from realtime_cli.cli.questions import Questions
from realtime_cli.cli.stderr_capture import StderrCapture
from realtime_cli.cli.talk_turns import Outgoing, PushToTalk, TurnChange
from realtime_cli.core import Interrupted, SpeechStopped
from realtime_cli.errors import RtError
from realtime_cli.protocol import RealtimeSession
from realtime_cli.session import (
    AudioDelta,
    McpApprovalRequested,
    McpProgress,
    Notice,
    ReconnectPolicy,
    ResponseDone,
    ToolCalled,
    ToolCompleted,
    ToolSpec,
    VoiceSession,
)
from realtime_cli.transport import ConnectOptions, EventLog
from realtime_cli.tui import LiveScreen, PlainTranscript, Status, TalkView
from realtime_cli.tui.render import push_to_talk_line, render_summary, render_transcript
from realtime_cli.tui.summary import Summary, summarize, summary_lines
from realtime_cli.tui.transcript_file import render_transcript_file, transcript_format

__all__ = ["TalkRun"]

#: A headless run ends when nothing has been pending or playing for this long after the
#: input ran out (server VAD needs its silence, then the answer needs to start).
IDLE_END_S = 1.5
WATCH_S = 0.05
#: Said when the microphone sends only exact zeros (taken back when sound comes).
SILENT_MIC = (
    "the microphone delivers only digital silence (muted, noise-gated, or no permission?); "
    "still listening - `rt doctor` checks it"
)
#: The service's answer to a turn it detected starts (`response.created`) a few hundred ms
#: after the user stops: "thinking" holds this long for it rather than flicking back to
#: "listening" in between (no answer by then: none is coming, back to "listening").
ANSWER_DUE_S = 2.0
#: Cancels the running tool calls (a barge-in leaves them running).
CANCEL_KEY = "c"
#: Keys that end a live conversation as Ctrl-C does.
QUIT_KEYS = ("q", "Q")
_PLAIN_CHANGES = {
    TurnChange.STARTED: "[talking]",
    TurnChange.COMMITTED: "[sent]",
    TurnChange.DISCARDED: "[too short: nothing sent]",
}


@dataclass
class TalkRun:
    """Everything one `rt talk` needs, already resolved.

    `push_to_talk`: manual turns. Live, `key_fd` (a terminal) gives the talk key; headless,
    the whole input is one turn.
    """

    options: ConnectOptions
    session: RealtimeSession
    microphone: Microphone
    speaker: Speaker
    plain: bool
    auto_barge_in: bool = True
    reconnect: bool = True
    headless: bool = False
    max_seconds: float | None = None
    event_log: EventLog | None = None
    files: list[Path] = field(default_factory=list)
    #: What writes `files` (a WavSpeaker, a StereoRecorder): its `write_error` ends the run.
    sinks: list[Any] = field(default_factory=list)
    #: `--transcript`: the finished conversation is written here (.md or .jsonl).
    transcript: Path | None = None
    #: What the sound libraries printed to fd 2 meanwhile (counted in the summary).
    library_noise: StderrCapture | None = None
    clock: Callable[[], float] = time.monotonic
    close_callbacks: list[Callable[[], Any]] = field(default_factory=list)
    push_to_talk: bool = False
    key_fd: int | None = None
    talk_key: str = " "
    #: Command tools from the user's config (any other `ToolSpec` works too).
    tools: list[ToolSpec] = field(default_factory=list)
    #: Where tool confirmations and MCP approvals are asked; keys come from `key_fd`.
    questions: Questions | None = None
    #: The microphone's echo control (None: WAV devices or a library caller's own).
    echo: EchoControl | None = None
    #: An earlier conversation to start from (`--resume`), as `(role, text)` messages.
    history: list[tuple[str, str]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def stop(self) -> None:
        """End the run as Ctrl-C does (call from the event loop)."""
        self._stop.set()

    async def run(self) -> None:
        """Hold the conversation until Ctrl-C, the end of a headless input, or max_seconds."""
        model = self.session.model if isinstance(self.session.model, str) else "gpt-realtime"
        voice = getattr(getattr(self.session.audio, "output", None), "voice", None)
        self.view = TalkView(
            model=model, voice=voice if isinstance(voice, str) else None, started_at=self.clock()
        )
        if self.echo is not None:
            self.view.set_echo(self.echo.mode, None)
        self._plain = PlainTranscript(self.view, sys.stdout) if self.plain else None
        self._speech_end: float | None = None
        self._warned_silent = False
        #: The microphone has sent something other than exact zeros (then: after a warning).
        self._mic_sound = False
        self._mic_back = False
        self._transcript_error: str | None = None
        self._awaiting_answer = False
        self._first_audio_item: str | None = None
        self._screen = None if self.plain else LiveScreen()
        self._turns: PushToTalk[Any] | None = PushToTalk() if self.push_to_talk else None
        self._keys: KeyReader | None = None
        self._ptt_keys = False
        self._voice: VoiceSession | None = None
        self._interrupt: asyncio.Task[None] | None = None  # a gate key's barge-in
        #: Tool calls running now: a headless run waits for them (and for their answers).
        self._tools_running: set[str] = set()
        if self.questions is not None:
            self.questions.attach(self._show_question, self._tell)
        self._approvals = McpApprovals(self.questions or Questions("never", can_ask=False))
        stop = self._stop
        self._install_signals(stop)
        self._connected = False
        self.view.server = urlsplit(self.options.url()).netloc or None
        failure: BaseException | None = None
        if self._screen is not None:
            self._screen.start()
        try:
            self._open_keys()
            self._refresh()
            voice_session = await self._connect(stop)
            self._connected = True
            try:
                self._voice = voice_session
                if self.history:
                    restored = await voice_session.restore(self.history)
                    self.view.notice(f"resumed: {restored} earlier messages", self.clock())
                self.view.set_status(Status.LISTENING, self.clock())
                self._refresh()
                await self._converse(voice_session, stop)
            finally:
                await voice_session.close()
        except BaseException as exc:
            failure = exc
        finally:
            await self._close()
        if failure is not None and not isinstance(failure, asyncio.CancelledError):
            raise failure
        if (error := self._write_error()) is not None:
            raise RtError(error)

    async def _connect(self, stop: asyncio.Event) -> VoiceSession:
        """Open the session; Ctrl-C while it connects ends the run at once (KeyboardInterrupt)."""
        opening = asyncio.ensure_future(
            VoiceSession.connect_with(
                self.options,
                self.session,
                speaker=self.speaker,
                tools=self.tools,
                auto_barge_in=self.auto_barge_in,
                reconnect=ReconnectPolicy(enabled=self.reconnect),
                event_log=self.event_log,
                clock=self.clock,
            )
        )
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({opening, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not opening.done():
            opening.cancel()
            await asyncio.gather(opening, return_exceptions=True)
            raise KeyboardInterrupt
        return opening.result()

    def _write_transcript(self, path: Path, summary: Summary) -> None:
        fmt = transcript_format(path) or "markdown"
        try:
            path.write_text(render_transcript_file(self.view, summary, fmt), encoding="utf-8")
        except OSError as exc:
            self._transcript_error = stopped_writing(path, exc)

    def _write_error(self) -> str | None:
        """The first output file that stopped growing (a full disk), as one line."""
        if self._transcript_error is not None:
            return self._transcript_error
        sinks = [*self.sinks, self.event_log]
        for sink in sinks:
            error = getattr(sink, "write_error", None)
            if error is not None:
                return stopped_writing(getattr(sink, "path", None) or "the log", error)
        return None

    @property
    def _gated(self) -> bool:
        # Half duplex: the microphone is muted while the assistant speaks, so a key interrupts.
        return self.echo is not None and self.echo.mode == "gate" and self._turns is None

    def _open_keys(self) -> None:
        live_keys = not self.headless and self.key_fd is not None
        # Questions (tool confirmations, MCP approvals) are answered in headless runs too.
        asks = self.questions is not None and self.questions.can_ask and self.key_fd is not None
        self._ptt_keys = self._turns is not None and live_keys
        if (live_keys or asks) and self.key_fd is not None:
            # `q` quits in every mode; with manual turns the talk key starts and sends a turn,
            # with the echo gate it interrupts; y/n answer a question and `c` cancels tools.
            self._keys = KeyReader(self.key_fd, self._on_key)
            self._keys.open()
        if self._gated and live_keys:
            self._tell(
                "echo gate: the microphone is muted while the assistant speaks; press "
                f"{key_name(self.talk_key)} to interrupt"
            )
        if self._turns is None:
            return
        self.view.set_push_to_talk(key_name(self.talk_key) if live_keys else None)
        if live_keys:
            line = push_to_talk_line(self.view)
            if self._plain is not None and line is not None:
                print(line.plain, file=sys.stderr, flush=True)
        self._refresh()

    def _show_question(self, text: str | None) -> None:
        self.view.question = text
        if text is not None and self._plain is not None:
            print(f"rt: ? {text} [y/n]", file=sys.stderr, flush=True)
        self._refresh()

    def _tell(self, text: str, level: str = "info") -> None:
        """A line about tools at work: on stderr with --plain (stdout is the transcript),
        else in the live screen's notices."""
        if self._plain is not None:
            prefix = "rt: " if level == "info" else f"rt: {level}: "
            print(f"{prefix}{text}", file=sys.stderr, flush=True)
        else:
            self.view.notice(text, self.clock(), level=level)
        self._refresh()

    def _on_key(self, key: str) -> None:
        if self.questions is not None and self.questions.key(key):
            return
        if key in QUIT_KEYS:
            self.stop()
            return
        if key == CANCEL_KEY and self._tools_running and self._voice is not None:
            count = self._voice.cancel_tools()
            self._tell(f"cancelled {count} running tool call{'s' if count != 1 else ''}")
            return
        if self._gated and key == self.talk_key and self._voice is not None:
            # Half duplex: the muted microphone cannot interrupt, the key does.
            self._interrupt = asyncio.get_running_loop().create_task(self._voice.barge_in())
            return
        if self._turns is None or not self._ptt_keys or key != self.talk_key:
            return
        self._turns.press(self.clock())
        self._show_turn_changes()

    def _show_turn_changes(self) -> None:
        if self._turns is None:
            return
        changes = self._turns.take_changes()
        for change in changes:
            now = self.clock()
            if change is TurnChange.STARTED:
                self.view.talk_started(now)
            else:
                self.view.talk_ended(now, committed=change is TurnChange.COMMITTED)
            if self._plain is not None and self._ptt_keys:
                # No header in plain mode: the state goes where the summary goes.
                print(_PLAIN_CHANGES[change], file=sys.stderr, flush=True)
        if changes:
            self._refresh()

    def _install_signals(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

    async def _converse(self, session: VoiceSession, stop: asyncio.Event) -> None:
        input_done = asyncio.Event()
        pump = asyncio.create_task(self._pump(session, input_done))
        consume = asyncio.create_task(self._consume(session))
        watch = asyncio.create_task(self._watch(session, input_done, stop))
        stopper = asyncio.create_task(stop.wait())
        tasks = {pump, consume, watch, stopper}
        try:
            timeout = self.max_seconds
            while True:
                done, _ = await asyncio.wait(
                    tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if not done or stopper in done or watch in done:
                    return  # max_seconds, Ctrl-C, or the headless input is done
                for task in done:
                    if task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                    tasks.discard(task)
                if consume in done:
                    return  # the session ended
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _frames(self) -> AsyncIterator[Any]:
        async for frame in self.microphone:
            samples = np.asarray(frame, dtype=np.float32)
            rms = float(np.sqrt(np.mean(samples * samples))) / 32768.0 if samples.size else 0.0
            self.view.set_mic_rms(rms)
            self._mic_sound = self._mic_sound or rms > 0.0
            if self.echo is not None:
                self.view.set_echo(self.echo.mode, self.echo.echo_removed_db)
            yield frame

    async def _pump(self, session: VoiceSession, input_done: asyncio.Event) -> None:
        try:
            if self._turns is None:
                await session.stream_audio_pcm16(self._frames())
            else:
                await self._pump_turns(session, self._turns)
        finally:
            input_done.set()

    async def _pump_turns(self, session: VoiceSession, turns: PushToTalk[Any]) -> None:
        if not self._ptt_keys:
            turns.start(self.clock())  # no key: the whole input is the turn
        async for frame in self._frames():
            await self._send(session, turns.feed(frame, self.clock()))
        # The input ended (not Ctrl-C, which cancels this task): what was said is the turn.
        await self._send(session, turns.finish(self.clock()))

    async def _send(self, session: VoiceSession, out: Outgoing[Any]) -> None:
        for frame in out.tail:
            await session.send_pcm16(frame)
        if out.commit:
            self._speech_end = self.clock()
            self._awaiting_answer = True
            self._first_audio_item = None
            await session.commit()
        # Shown once committed: the watcher must not see "thinking" with no response pending.
        self._show_turn_changes()
        if out.barge_in and self.auto_barge_in:
            # Talking over the assistant interrupts it, as the server's VAD would have.
            await session.barge_in()
        for frame in out.frames:
            await session.send_pcm16(frame)

    async def _consume(self, session: VoiceSession) -> None:
        async for event in session.events():
            now = self.clock()
            if isinstance(event, AudioDelta):
                if self._first_audio_item is None and self._awaiting_answer:
                    self._first_audio_item = event.item_id
                continue
            if isinstance(event, ResponseDone):
                self.view.feed([event.finished()], now)
            elif isinstance(event, ToolCalled):
                self._tools_running.add(event.call_id)
                hint = f"; press {CANCEL_KEY} to cancel it" if self._keys is not None else ""
                self.view.notice(f"tool {event.name}({event.arguments}) running{hint}", now)
            elif isinstance(event, ToolCompleted):
                self._tools_running.discard(event.call_id)
                self.view.notice(f"tool {event.name} -> {event.output[:80]}", now)
            elif isinstance(event, McpProgress):
                text, level = mcp_progress_line(event)
                self._tell(text, level)
            elif isinstance(event, McpApprovalRequested):
                self._approvals.spawn(session, event)
            else:
                self.view.feed([event], now)
                if isinstance(event, SpeechStopped):
                    self._speech_end = now
                    self._awaiting_answer = True
                    self._first_audio_item = None
                elif isinstance(event, Interrupted) and session.barge_in_ms:
                    self.view.barge_in_latency(session.barge_in_ms[-1], now)
                elif isinstance(event, Notice) and "reconnect" in event.details:
                    started = event.details["reconnect"] == "started"
                    self.view.set_status(Status.RECONNECTING if started else Status.LISTENING, now)
            self._refresh()

    async def _watch(
        self, session: VoiceSession, input_done: asyncio.Event, stop: asyncio.Event
    ) -> None:
        idle_since: float | None = None
        while not stop.is_set():
            await asyncio.sleep(WATCH_S)
            now = self.clock()
            item = self._first_audio_item
            if item is not None and self._awaiting_answer and self.speaker.played_ms(item) > 0:
                self._awaiting_answer = False
                if self._speech_end is not None:
                    self.view.turn_latency((now - self._speech_end) * 1000, now, item)
            unplayed = [
                t
                for t in session.core.tracks.values()
                if not t.interrupted and self.speaker.played_ms(t.item_id) < t.received_ms
            ]
            sounding = any(self.speaker.played_ms(t.item_id) > 0 for t in unplayed)
            answer_due = (
                self._awaiting_answer
                and self._speech_end is not None
                and now - self._speech_end < ANSWER_DUE_S
            )
            busy = (
                bool(unplayed)
                or session.core.response_pending
                or bool(self._tools_running)
                or self._approvals.pending
                or answer_due
            )
            status = self.view.status
            if sounding and status not in (Status.SPEAKING, Status.USER_SPEAKING):
                self.view.set_status(Status.SPEAKING, now)
            elif not busy and status in (Status.SPEAKING, Status.THINKING):
                self.view.set_status(Status.LISTENING, now)
            self.view.tick(now)
            self._warn_if_silent(now)
            self._refresh()
            if self._write_error() is not None:
                return  # a full disk: stop here, with the files valid up to this point
            if self.headless and input_done.is_set():
                idle_since = None if busy else (idle_since or now)
                if idle_since is not None and now - idle_since >= IDLE_END_S:
                    return

    def _warn_if_silent(self, now: float) -> None:
        # A muted or noise-gated microphone sends exact zeros: say so once, keep listening;
        # once it sends sound (unmuted), the warning no longer holds: take it back.
        if not self._warned_silent:
            if getattr(self.microphone, "silent", False):
                self._warned_silent = True
                self._mic_sound = False  # what takes the warning back is sound after it
                if self._plain is not None:
                    print(f"rt: warning: {SILENT_MIC}", file=sys.stderr, flush=True)
                else:
                    self.view.notice(SILENT_MIC, now, level="warning")
        elif self._mic_sound and not self._mic_back:
            self._mic_back = True
            self.view.withdraw(SILENT_MIC)
            self._tell("the microphone delivers sound now")

    def _refresh(self) -> None:
        if self._plain is not None:
            self._plain.flush()
        elif self._screen is not None:
            self._screen.update(self.view)

    async def _close(self) -> None:
        now = self.clock()
        await self._approvals.close()
        if self._keys is not None:
            self._keys.close()
        if not self._connected:
            # Nothing happened: no empty WAV left behind, and an earlier file at the same
            # path (last run's answer) stays as it was.
            for sink in self.sinks:
                sink.discard()
        with contextlib.suppress(Exception):
            await self.microphone.close()
        with contextlib.suppress(Exception):
            await self.speaker.close()
        for callback in self.close_callbacks:
            with contextlib.suppress(Exception):
                callback()
        if self.event_log is not None:
            self.event_log.close()
        self.view.close(now)
        if not self._connected:
            # No summary of zeros.
            if self._screen is not None:
                self._screen.stop()
            return
        noise = self.library_noise.mark() if self.library_noise is not None else 0
        files = [*self.files, *([self.transcript] if self.transcript else [])]
        summary = summarize(self.view, [str(f) for f in files], noise)
        if self.transcript is not None:
            self._write_transcript(self.transcript, summary)
        if self._plain is not None:
            self._plain.flush()
            for line in summary_lines(summary):
                print(line, file=sys.stderr)
        elif self._screen is not None:
            self._screen.update(self.view)
            self._screen.stop()
            if self._screen.cropped(self.view):
                # The last frame shows only what fitted: the whole conversation stays behind.
                self._screen.print(Rule("the whole conversation", style="dim"))
                self._screen.print(render_transcript(self.view.turns))
            self._screen.print(render_summary(summary))
