"""Scripted conversations for the view, as the core and the session would feed them."""

from __future__ import annotations

import io

from rich.console import Console

from realtime_cli.core.actions import (
    Interrupted,
    ResponseFinished,
    ResponseStarted,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
)
from realtime_cli.protocol import InputTokenDetails, OutputTokenDetails, Usage
from realtime_cli.tui import Status, TalkView

HEARD = "Sure, the forecast says "
UNHEARD = "rain until noon and sun after."
ANSWER = "It is sunny all day."


def usage(audio_out: int = 400) -> Usage:
    return Usage(
        input_tokens=1000,
        output_tokens=audio_out + 100,
        total_tokens=1100 + audio_out,
        input_token_details=InputTokenDetails(audio_tokens=1000),
        output_token_details=OutputTokenDetails(text_tokens=100, audio_tokens=audio_out),
    )


def console(height: int = 25) -> Console:
    return Console(
        file=io.StringIO(),
        record=True,
        width=80,
        height=height,
        force_terminal=True,
        color_system="truecolor",
    )


def barge_in_view() -> TalkView:
    """Two exchanges: the first answer heard in full, the second cut by the user."""
    view = TalkView(model="gpt-realtime", voice="marin", started_at=100.0)
    view.set_status(Status.LISTENING, 100.0)
    # Turn 1: the user's transcript arrives after the answer has started.
    view.feed([SpeechStarted(0)], 101.0)
    view.feed([SpeechStopped(900)], 102.0)
    view.feed([ResponseStarted("resp_1"), TranscriptDelta("assistant", "item_a1", "It is ")], 102.2)
    view.turn_latency(640, 102.5, item_id="item_a1")
    view.set_status(Status.SPEAKING, 102.5)
    view.feed(
        [
            TranscriptDelta("user", "item_u1", "What's the "),
            TranscriptDone("user", "item_u1", "What's the weather?"),
            TranscriptDelta("assistant", "item_a1", "sunny all day."),
            TranscriptDone("assistant", "item_a1", ANSWER),
            ResponseFinished("resp_1", "completed", None, usage(), 2000, 2000),
        ],
        102.6,
    )
    view.set_status(Status.LISTENING, 104.6)
    # Turn 2: interrupted half way.
    view.feed([SpeechStarted(5000)], 105.0)
    view.feed([SpeechStopped(5900)], 106.0)
    view.feed([TranscriptDone("user", "item_u2", "And tomorrow?")], 106.3)
    view.feed([ResponseStarted("resp_2"), TranscriptDelta("assistant", "item_a2", HEARD)], 106.4)
    view.turn_latency(710, 106.6, item_id="item_a2")
    view.set_status(Status.SPEAKING, 106.6)
    view.feed([TranscriptDelta("assistant", "item_a2", UNHEARD)], 106.7)
    view.feed([SpeechStarted(8000)], 108.0)
    view.feed([Interrupted("item_a2", 1200, 3000, HEARD, UNHEARD)], 108.05)
    view.barge_in_latency(85, 108.05)
    view.feed(
        [
            ResponseFinished("resp_2", "cancelled", "turn_detected", usage(), 3000, 1200),
            TranscriptDone("assistant", "item_a2", HEARD + UNHEARD),
        ],
        108.1,
    )
    view.set_mic_level(-23.0)
    return view
