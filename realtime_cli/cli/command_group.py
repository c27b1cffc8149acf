"""`rt config` and `rt call`: command groups whose `--help` lists each subcommand's summary
whole, wrapped to the terminal, rather than cut to fit one line with "..." (click's way)."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

__all__ = ["WholeSummaryGroup"]


class WholeSummaryGroup(TyperGroup):
    """A `TyperGroup` listing its commands with their whole first sentence."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The `Commands` section: name and summary, the summary wrapped, never cut."""
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                # No useful limit: click stops at the end of the first sentence anyway.
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
