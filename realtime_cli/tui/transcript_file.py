"""`rt talk --transcript FILE`: the finished conversation as Markdown (`.md`) or JSON lines
(`.jsonl`): who said what, what was cut and how much of it was heard, latencies, tokens and
the estimated cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from realtime_cli.tui.state import TalkView, Turn
from realtime_cli.tui.summary import Summary, summary_rows

__all__ = ["TRANSCRIPT_FORMATS", "render_transcript_file", "transcript_format"]

#: File extensions `--transcript` accepts, and the format each one means.
TRANSCRIPT_FORMATS = {".md": "markdown", ".jsonl": "jsonl"}


def transcript_format(path: Path) -> str | None:
    """The format a transcript path asks for by its extension, or None if it names none."""
    return TRANSCRIPT_FORMATS.get(path.suffix.lower())


def _turn_record(turn: Turn) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "turn", "role": turn.role, "text": turn.text}
    if turn.item_id is not None:
        record["item_id"] = turn.item_id
    if turn.role == "user":
        # Deltas that stopped (or never came) with no completion: `text` is all there is.
        record["incomplete"] = turn.overdue
        if turn.failure is not None:
            record["failure"] = turn.failure
    if turn.role == "assistant":
        record["interrupted"] = turn.interrupted
        if turn.interrupted:
            record["heard_text"] = turn.heard_text
            record["unheard_text"] = turn.unheard_text
            record["heard_ms"] = turn.heard_ms
            record["received_ms"] = turn.received_ms
        if turn.latency_ms is not None:
            record["latency_ms"] = round(turn.latency_ms, 1)
    return record


def _summary_record(view: TalkView, summary: Summary) -> dict[str, Any]:
    return {
        "type": "summary",
        "model": view.model,
        "voice": view.voice,
        "duration_s": round(summary.duration_s, 3),
        "user_turns": summary.user_turns,
        "assistant_turns": summary.assistant_turns,
        "interruptions": summary.interruptions,
        "responses": summary.responses,
        "input_tokens": summary.input_tokens,
        "output_tokens": summary.output_tokens,
        "cost_usd": round(summary.cost.total, 6),
        "unheard_cost_usd": round(summary.cost.unheard, 6),
        "median_latency_ms": _rounded(summary.median_latency_ms),
        "median_barge_in_ms": _rounded(summary.median_barge_in_ms),
    }


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 1)


def _markdown_turn(turn: Turn) -> str:
    if turn.role == "user":
        text = turn.text.strip()
        note = turn.failure or turn.transcript_note()
        if note is None:
            return f"**You:** {text or '(no transcript)'}"
        return f"**You:** {text + ' ' if text else ''}_({note})_"
    latency = f" _(answered after {turn.latency_ms:.0f} ms)_" if turn.latency_ms else ""
    if not turn.interrupted:
        return f"**Assistant:**{latency} {turn.text.strip()}"
    heard = turn.heard_text.strip()
    unheard = turn.unheard_text.strip()
    cut = f" ~~{unheard}~~" if unheard else ""
    return (
        f"**Assistant:**{latency} {heard}{cut} _(interrupted: {turn.heard_ms / 1000:.1f} s "
        f"of {turn.received_ms / 1000:.1f} s heard)_"
    )


def render_transcript_file(view: TalkView, summary: Summary, fmt: str) -> str:
    """The transcript of `view` in `fmt` ("markdown" or "jsonl")."""
    turns = view.turns
    if fmt == "jsonl":
        lines = [json.dumps(_turn_record(t), ensure_ascii=False) for t in turns]
        lines.append(json.dumps(_summary_record(view, summary), ensure_ascii=False))
        return "\n".join(lines) + "\n"
    parts = [f"# rt talk: {view.model}" + (f", voice {view.voice}" if view.voice else ""), ""]
    parts += [_markdown_turn(t) + "\n" for t in turns]
    parts += ["## Summary", ""]
    rows = [(label, value) for label, value in summary_rows(summary) if label != "file"]
    parts += [f"- {label}: {value}" for label, value in rows]
    return "\n".join(parts) + "\n"
