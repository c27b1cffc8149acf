"""The Live adapter draws the view it was last given, on a recording terminal."""

from __future__ import annotations

from realtime_cli.core.actions import TranscriptDone
from realtime_cli.tui import LiveScreen, TalkView, render_summary, summarize
from tests.tui.scenes import console


def test_live_screen_draws_snapshots_of_the_view_then_the_summary() -> None:
    c = console(height=15)
    view = TalkView(started_at=0.0)
    with LiveScreen(c, fps=15) as screen:
        view.feed([TranscriptDone("user", "u1", "first words")], 1.0)
        screen.update(view)
        view.feed([TranscriptDone("assistant", "a1", "an answer")], 2.0)
        screen.update(view)
        # Not handed over: the drawing thread must not see it through a shared reference.
        view.feed([TranscriptDone("user", "u2", "never drawn")], 3.0)
    view.close(4.0)
    screen.print(render_summary(summarize(view, ["/tmp/rt/talk.wav"])))
    text = c.export_text()
    screen_part, summary_part = text.split("rt talk")
    assert "first words" in screen_part
    assert "an answer" in screen_part
    assert "never drawn" not in screen_part
    assert "/tmp/rt/talk.wav" in summary_part
