"""One builder of the session object serves the profiles and `VoiceSession.connect`."""

from __future__ import annotations

import pytest

from realtime_cli.config import (
    Settings,
    TranscriptionSettings,
    VadSettings,
    build_session,
    realtime_session,
    session_config,
)
from realtime_cli.protocol import RealtimeSession, SemanticVad, ServerVad


def test_a_profile_goes_through_the_typed_builder() -> None:
    settings = Settings(
        voice="cedar",
        vad=VadSettings(type="semantic_vad", eagerness="high"),
        transcription=TranscriptionSettings(model="gpt-4o-mini-transcribe", logprobs=True),
        reasoning_effort="low",
    )
    session = realtime_session(settings)
    assert isinstance(session, RealtimeSession)
    assert session.audio.input.turn_detection == SemanticVad(  # type: ignore[union-attr]
        eagerness="high", create_response=True, interrupt_response=True
    )
    assert session.include == ["item.input_audio_transcription.logprobs"]
    # The JSON form is that object, encoded: there is no second builder to drift apart.
    assert session_config(settings) == session.to_dict()


def test_the_library_and_a_profile_build_the_same_session() -> None:
    from_library = build_session(model="gpt-realtime", voice="marin", vad=ServerVad())
    from_profile = realtime_session(
        Settings(vad=VadSettings()),
    )
    assert from_library.audio.output.voice == from_profile.audio.output.voice  # type: ignore[union-attr]
    assert isinstance(from_profile.audio.input.turn_detection, ServerVad)  # type: ignore[union-attr]


def test_a_misspelt_setting_is_an_error_naming_it() -> None:
    with pytest.raises(TypeError, match="speeed"):
        build_session(model="m", voice="marin", speeed=1.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="threshhold"):
        ServerVad(threshhold=0.3)  # type: ignore[call-arg]
