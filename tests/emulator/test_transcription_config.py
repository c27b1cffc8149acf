"""`audio.input.transcription` is checked as the service does (PROTOCOL.md section 3.1):
the model list and which model takes `delay`, `languages`, `keywords` and `prompt`; a refused
update is refused whole, nothing of it applied."""

from __future__ import annotations

import json
from typing import Any

import pytest

from realtime_cli.emulator.ids import IdFactory
from realtime_cli.emulator.session import SessionMachine
from realtime_cli.emulator.session_config import TRANSCRIPTION_MODELS, default_session
from realtime_cli.protocol import Error, RealtimeSession, SessionUpdated

PATH = "session.audio.input.transcription"


def _machine() -> SessionMachine:
    session = default_session("realtime", session_id="sess_x", expires_at=100, model="gpt-realtime")
    return SessionMachine(session, ids=IdFactory(), speed=10.0)


def _update(m: SessionMachine, transcription: dict[str, Any], kind: str = "realtime") -> Any:
    session = {
        "type": kind,
        "audio": {"input": {"transcription": transcription}},
        **({"instructions": "Applied?"} if kind == "realtime" else {}),
    }
    events = m.receive(
        json.dumps({"type": "session.update", "event_id": "evt_t", "session": session}), 0.0
    )
    while (deadline := m.next_deadline()) is not None:
        events += m.advance(deadline)
    (event,) = events
    return event


@pytest.mark.parametrize(
    ("transcription", "param"),
    [
        ({"model": "bogus"}, f"{PATH}.model"),
        ({"model": "whisper-1", "delay": "low"}, f"{PATH}.delay"),
        ({"model": "gpt-4o-transcribe", "delay": "minimal"}, f"{PATH}.delay"),
        ({"delay": "high"}, f"{PATH}.delay"),
        ({"model": "gpt-realtime-whisper", "delay": "eventually"}, f"{PATH}.delay"),
        ({"model": "whisper-1", "languages": ["en", "de"]}, f"{PATH}.languages"),
        ({"model": "gpt-4o-mini-transcribe", "keywords": ["rt"]}, f"{PATH}.keywords"),
        ({"model": "gpt-realtime-whisper", "prompt": "tech words"}, f"{PATH}.prompt"),
        ({"model": "gpt-4o-transcribe-diarize", "prompt": "names"}, f"{PATH}.prompt"),
        ({"model": "whisper-1", "language": "english"}, f"{PATH}.language"),
        ({"model": "gpt-transcribe", "languages": ["en", "en-US"]}, f"{PATH}.languages[1]"),
    ],
)
def test_a_refused_transcription_refuses_the_whole_update(
    transcription: dict[str, Any], param: str
) -> None:
    m = _machine()
    error = _update(m, transcription)
    assert isinstance(error, Error)
    assert error.error.type == "invalid_request_error" and error.error.code == "invalid_value"
    assert error.error.param == param and error.error.event_id == "evt_t"
    # Nothing of the update was applied: not the transcription, not the instructions.
    assert isinstance(m.session, RealtimeSession)
    assert m.session.instructions != "Applied?"
    assert m.session.to_dict()["audio"]["input"]["transcription"] is None


@pytest.mark.parametrize(
    "transcription",
    [
        *({"model": model} for model in TRANSCRIPTION_MODELS),
        {"model": "gpt-realtime-whisper", "delay": "xhigh", "language": "de"},
        {"model": "gpt-transcribe", "languages": ["en", "fr"], "keywords": ["rt", "emulator"]},
        {"model": "gpt-live-transcribe", "keywords": ["Oslo"], "prompt": "place names"},
        {"model": "whisper-1", "language": "de", "prompt": "Äpfel"},
        {},
    ],
)
def test_a_valid_transcription_is_applied(transcription: dict[str, Any]) -> None:
    m = _machine()
    updated = _update(m, transcription)
    assert isinstance(updated, SessionUpdated)
    echoed = updated.session.to_dict()["audio"]["input"]["transcription"]
    assert echoed == transcription


def test_transcription_sessions_are_checked_too() -> None:
    session = default_session("transcription", session_id="sess_t", expires_at=100)
    m = SessionMachine(session, ids=IdFactory(), speed=10.0)
    error = _update(m, {"model": "gpt-4o-transcribe", "delay": "low"}, kind="transcription")
    assert isinstance(error, Error) and error.error.param == f"{PATH}.delay"
