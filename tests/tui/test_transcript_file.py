"""`--transcript FILE`: what a user turn's record says about its transcript."""

from __future__ import annotations

import json

from realtime_cli.core.actions import (
    SpeechStarted,
    TranscriptDelta,
    TranscriptDone,
    TranscriptFailed,
    UserTurnCommitted,
)
from realtime_cli.tui import TalkView, summarize
from realtime_cli.tui.transcript_file import render_transcript_file


def _view() -> TalkView:
    view = TalkView()
    for item in ("u1", "u2", "u3"):
        view.feed([SpeechStarted(0, item_id=item), UserTurnCommitted(item, transcribed=True)], 1)
    view.feed([TranscriptDone("user", "u1", "whole sentence.")], 1.5)
    view.feed([TranscriptDelta("user", "u2", "half a sen ")], 1.6)
    view.feed([TranscriptFailed("u3", "The audio could not be transcribed.")], 1.7)
    view.close(2.0)  # u2's deltas stopped: the conversation ends with it incomplete
    return view


def test_markdown_says_which_transcripts_are_incomplete_or_failed() -> None:
    view = _view()
    lines = render_transcript_file(view, summarize(view), "markdown").splitlines()
    assert [line for line in lines if line.startswith("**You:**")] == [
        "**You:** whole sentence.",
        "**You:** half a sen _(transcript incomplete)_",
        "**You:** _(transcription failed: The audio could not be transcribed.)_",
    ]


def test_jsonl_flags_an_incomplete_transcript() -> None:
    view = _view()
    text = render_transcript_file(view, summarize(view), "jsonl")
    users = [r for r in map(json.loads, text.splitlines()) if r.get("role") == "user"]
    assert [(r["text"], r["incomplete"]) for r in users] == [
        ("whole sentence.", False),
        ("half a sen ", True),
        ("", False),
    ]
    assert users[2]["failure"] == "transcription failed: The audio could not be transcribed."
