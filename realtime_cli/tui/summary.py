"""What a conversation added up to, shown when `rt talk` ends (Ctrl-C or end of input)."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from realtime_cli.core.pricing import Cost
from realtime_cli.tui.state import TalkView

__all__ = ["Summary", "format_cost", "format_duration", "summarize", "summary_lines"]


@dataclass(frozen=True, slots=True)
class Summary:
    """The totals of one conversation; `files` are the paths the session wrote."""

    duration_s: float
    user_turns: int
    assistant_turns: int
    interruptions: int
    responses: int
    input_tokens: int
    output_tokens: int
    cost: Cost
    median_latency_ms: float | None
    median_barge_in_ms: float | None
    files: tuple[str, ...] = ()
    #: Lines the sound libraries printed to stderr (kept off the screen; --debug shows them).
    library_messages: int = 0


def summarize(
    view: TalkView, files: Sequence[str | os.PathLike[str]] = (), library_messages: int = 0
) -> Summary:
    """The summary of `view` (call `view.close(now)` first so the last turns count)."""
    return Summary(
        duration_s=view.elapsed_s,
        user_turns=view.user_turns,
        assistant_turns=view.assistant_turns,
        interruptions=view.interruptions,
        responses=view.responses,
        input_tokens=view.input_tokens,
        output_tokens=view.output_tokens,
        cost=view.cost,
        median_latency_ms=statistics.median(view.latencies_ms) if view.latencies_ms else None,
        median_barge_in_ms=(
            statistics.median(view.barge_in_latencies_ms) if view.barge_in_latencies_ms else None
        ),
        files=tuple(os.fspath(f) for f in files),
        library_messages=library_messages,
    )


def format_cost(dollars: float) -> str:
    """Dollars with enough digits for the small sums of one conversation."""
    return f"${dollars:.4f}" if dollars < 1 else f"${dollars:.2f}"


def format_duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_rows(summary: Summary) -> list[tuple[str, str]]:
    """(label, value) pairs shared by the plain and the rich summary."""
    rows = [
        ("duration", format_duration(summary.duration_s)),
        (
            "turns",
            f"{summary.user_turns} you, {summary.assistant_turns} assistant"
            f" ({summary.interruptions} interrupted)",
        ),
        (
            "tokens",
            f"{summary.input_tokens:,} in, {summary.output_tokens:,} out"
            f" ({summary.responses} {'response' if summary.responses == 1 else 'responses'})",
        ),
        (
            "cost",
            f"{format_cost(summary.cost.total)} estimated"
            f" ({format_cost(summary.cost.unheard)} on unheard audio)",
        ),
    ]
    if summary.median_latency_ms is not None:
        rows.append(("latency", f"{summary.median_latency_ms:.0f} ms median"))
    if summary.median_barge_in_ms is not None:
        rows.append(("barge-in stop", f"{summary.median_barge_in_ms:.0f} ms median"))
    rows += [("file", path) for path in summary.files]
    if summary.library_messages:
        rows.append(
            ("sound library", f"{summary.library_messages} messages on stderr (--debug shows them)")
        )
    return rows


def summary_lines(summary: Summary) -> list[str]:
    """The summary as plain text lines (no escape codes)."""
    return [f"{label}: {value}" for label, value in summary_rows(summary)]
