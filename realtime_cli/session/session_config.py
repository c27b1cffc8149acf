"""The GA session object for the usual voice settings: model, voice, VAD, transcription."""

from __future__ import annotations

from typing import Literal

from realtime_cli.protocol import (
    AudioFormat,
    AudioTranscription,
    InputAudioConfig,
    NoiseReduction,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    SemanticVad,
    ServerVad,
)

__all__ = ["Vad", "build_session"]

Vad = Literal["server", "semantic", "none"] | ServerVad | SemanticVad | None


def _turn_detection(vad: Vad) -> ServerVad | SemanticVad | None:
    if vad == "server":
        return ServerVad()
    if vad == "semantic":
        return SemanticVad()
    if vad == "none" or vad is None:
        return None
    return vad


def build_session(
    *,
    model: str,
    voice: str,
    instructions: str | None,
    vad: Vad,
    transcription: str | None,
    noise_reduction: str | None,
    output_modality: str,
) -> RealtimeSession:
    """The GA session object for the usual voice settings."""
    audio_input = InputAudioConfig(format=AudioFormat.pcm(), turn_detection=_turn_detection(vad))
    if transcription:
        audio_input.transcription = AudioTranscription(model=transcription)
    if noise_reduction:
        audio_input.noise_reduction = NoiseReduction(type=noise_reduction)
    session = RealtimeSession(
        model=model,
        output_modalities=[output_modality],
        audio=RealtimeAudioConfig(
            input=audio_input, output=OutputAudioConfig(format=AudioFormat.pcm(), voice=voice)
        ),
    )
    if instructions is not None:
        session.instructions = instructions
    return session
