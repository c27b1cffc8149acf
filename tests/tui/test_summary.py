"""The summary shown when a conversation ends."""

from __future__ import annotations

from pathlib import Path

from realtime_cli.tui import TalkView, render_summary, summarize, summary_lines
from tests.tui.scenes import barge_in_view, console


def test_summary_counts_turns_tokens_cost_and_files() -> None:
    view = barge_in_view()
    view.close(160.0)
    summary = summarize(view, [Path("/tmp/rt/talk.wav"), "/tmp/rt/events.jsonl"])
    assert (summary.user_turns, summary.assistant_turns, summary.interruptions) == (3, 2, 1)
    assert summary.duration_s == 60.0
    assert summary.median_latency_ms == 675
    lines = summary_lines(summary)
    assert lines == [
        "duration: 1:00",
        "turns: 3 you, 2 assistant (1 interrupted)",
        "tokens: 2,000 in, 1,000 out (2 responses)",
        f"cost: ${view.cost.total:.4f} estimated (${view.cost.unheard:.4f} on unheard audio)",
        "latency: 675 ms median",
        "barge-in stop: 85 ms median",
        "file: /tmp/rt/talk.wav",
        "file: /tmp/rt/events.jsonl",
    ]
    assert all("\x1b" not in line for line in lines)


def test_summary_renderable_holds_the_same_facts() -> None:
    view = barge_in_view()
    view.close(160.0)
    c = console()
    c.print(render_summary(summarize(view, ["/tmp/rt/talk.wav"])))
    text = c.export_text()
    for line in summary_lines(summarize(view, ["/tmp/rt/talk.wav"])):
        label, value = line.split(": ", 1)
        assert any(label in row and value in row for row in text.splitlines()), line


def test_an_empty_conversation_has_a_short_summary() -> None:
    view = TalkView(started_at=5.0)
    view.close(3605.0)
    assert summary_lines(summarize(view)) == [
        "duration: 1:00:00",
        "turns: 0 you, 0 assistant (0 interrupted)",
        "tokens: 0 in, 0 out (0 responses)",
        "cost: $0.0000 estimated ($0.0000 on unheard audio)",
    ]
