"""Deterministic ids (`event_000001`, `item_000002`, ...) from per-prefix counters.

Real ids are random; counters make every emulator run reproducible, so a test can name
the ids it expects.
"""

from __future__ import annotations

__all__ = ["IdFactory"]


class IdFactory:
    """Mints `<prefix>_<n>` ids, one counter per prefix."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        """The next id with this prefix (`event`, `item`, `resp`, `sess`, `call`, ...)."""
        count = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = count
        return f"{prefix}_{count:06d}"
