"""What `rt talk --resume FILE` seeds a new session with: the messages of an earlier
conversation, from its `--log` or its JSON-lines `--transcript`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from realtime_cli.core.log_replay import conversation_history
from realtime_cli.errors import UsageError
from realtime_cli.transport.event_log_reader import iter_event_log

__all__ = ["load_history"]

_DECODER = msgspec.json.Decoder()


def _transcript_message(entry: dict[str, Any]) -> tuple[str, str] | None:
    role = entry.get("role")
    if role not in ("user", "assistant"):
        return None
    # An interrupted answer counts as what was heard of it, as on a reconnect.
    text = entry.get("heard_text") if entry.get("interrupted") else entry.get("text")
    return (role, text) if isinstance(text, str) and text.strip() else None


def load_history(path: Path) -> list[tuple[str, str]]:
    """`(role, text)` messages from a `--log` file or a `.jsonl` transcript; one-line
    `UsageError` when the file cannot be read or holds neither."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read --resume file {path}: {exc.strerror or exc}") from exc
    entries: list[dict[str, Any]] = []
    for line in lines:
        try:
            value = _DECODER.decode(line)
        except msgspec.DecodeError:
            continue  # a line cut by a crash: the rest still counts
        if isinstance(value, dict):
            entries.append(value)
    if any("dir" in entry for entry in entries):
        messages = conversation_history(list(iter_event_log(iter(lines))))
    else:
        messages = [m for entry in entries if (m := _transcript_message(entry)) is not None]
    if not messages:
        raise UsageError(
            f"--resume {path}: no conversation found (give a `rt talk --log` file or a "
            "JSON-lines `--transcript`)"
        )
    return messages
