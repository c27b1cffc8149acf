"""Pure functions from a `TalkView` (or a `Summary`) to rich renderables.

The renderables are built from the view's current values and keep no reference to the view,
so a `rich.live.Live` thread may draw them while the event loop goes on changing the view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from realtime_cli.tui.sanitize import printable
from realtime_cli.tui.state import (
    MIC_FLOOR_DBFS,
    PushToTalkState,
    Status,
    TalkView,
    Turn,
    ViewNotice,
)
from realtime_cli.tui.summary import Summary, format_cost, format_duration, summary_rows

__all__ = [
    "NOTICE_LINES",
    "NOTICE_TTL_S",
    "STATUS_STYLES",
    "UNHEARD_STYLE",
    "TalkScreen",
    "echo_label",
    "mic_meter",
    "push_to_talk_line",
    "render_footer",
    "render_header",
    "render_screen",
    "render_summary",
    "render_transcript",
    "render_turn",
    "visible_notices",
]

STATUS_STYLES: dict[Status, str] = {
    Status.CONNECTING: "bold blue",
    Status.LISTENING: "bold green",
    Status.USER_SPEAKING: "bold cyan",
    Status.THINKING: "bold yellow",
    Status.SPEAKING: "bold magenta",
    Status.RECONNECTING: "bold red",
    Status.CLOSED: "dim",
}
#: States in which the header says where it is connecting.
_WAITING = (Status.CONNECTING, Status.RECONNECTING)
USER_LABEL_STYLE = "bold cyan"
USER_TEXT_STYLE = "cyan"
ASSISTANT_LABEL_STYLE = "bold magenta"
#: What the screen says about a turn rather than what was said in it.
NOTE_STYLE = "dim italic"
#: The part of an interrupted answer the listener never heard.
UNHEARD_STYLE = "strike dim"
TALKING_STYLE = "bold white on red"
NOTICE_STYLES = {"info": "dim", "warning": "yellow", "error": "bold red"}
#: Info notices fade after this long; warnings and errors stay until newer ones push them out.
NOTICE_TTL_S = 10.0
NOTICE_LINES = 3
#: The footer's last line while the conversation goes on.
CTRL_C_HINT = "Ctrl-C ends the conversation"
METER_WIDTH = 16
# Meter cells above these levels turn yellow, then red: speech peaks near -12 dBFS are
# healthy, a mic that sits near 0 dBFS is clipping.
_METER_WARN_DBFS = -12.0
_METER_HOT_DBFS = -3.0


def mic_meter(dbfs: float | None, width: int = METER_WIDTH) -> Text:
    """A bar of `width` cells for a level from `MIC_FLOOR_DBFS` (empty) to 0 dBFS (full)."""
    if dbfs is None:
        return Text("off".ljust(width), style="dim")
    fraction = (min(0.0, max(MIC_FLOOR_DBFS, dbfs)) - MIC_FLOOR_DBFS) / -MIC_FLOOR_DBFS
    filled = round(fraction * width)
    styles = [_cell_style(cell, width) if cell < filled else "dim" for cell in range(width)]
    bar = Text()
    for style, run in groupby(styles):
        bar.append(("·" if style == "dim" else "█") * len(list(run)), style=style)
    return bar


def _cell_style(cell: int, width: int) -> str:
    level = MIC_FLOOR_DBFS * (1 - (cell + 1) / width)
    if level > _METER_HOT_DBFS:
        return "red"
    return "yellow" if level > _METER_WARN_DBFS else "green"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def echo_label(view: TalkView) -> Text:
    """The echo mode and, once the assistant has spoken, how much echo it removes."""
    label = Text.assemble(("  echo ", "dim"), view.echo_mode or "off")
    if view.echo_removed_db is not None:
        label.append(f" -{max(0.0, view.echo_removed_db):.0f} dB", style="dim")
    return label


def push_to_talk_line(view: TalkView) -> Text | None:
    """What the user does next with manual turns (None when the service detects turns, and
    no key to offer once the conversation has ended)."""
    state = view.push_to_talk
    if state is None:
        return None
    key = printable(view.talk_key) if view.talk_key is not None else None
    if state is PushToTalkState.TALKING:
        line = Text(" ● talking ", style=TALKING_STYLE)
        hint = f"release or press {key} to send" if key else "sent when the input ends"
        line.append(f"  {hint}", style="bold")
        return line
    if state is PushToTalkState.SENT:
        return Text("push-to-talk: the input was sent as one turn", style="dim")
    if view.status is Status.CLOSED:
        return None
    return Text.assemble(
        ("push-to-talk: ", "dim"),
        "hold ",
        (f"{key}", "bold reverse"),
        " to talk, or press it to start and again to send",
    )


def render_header(view: TalkView) -> RenderableType:
    """Status (coloured), mic meter, model and voice, elapsed time; the last turn's latency
    and barge-in stop latency; tokens and estimated cost so far; with manual turns, the
    push-to-talk state."""
    label = view.status.value
    if view.status in _WAITING and view.server:
        label = f"{label} to {printable(view.server)} ..."
    status = Text.assemble(
        ("● ", STATUS_STYLES[view.status]),
        (label.ljust(13), STATUS_STYLES[view.status]),
        " mic ",
        mic_meter(view.mic_dbfs),
        (f" {view.mic_dbfs:>3.0f} dBFS" if view.mic_dbfs is not None else "", "dim"),
    )
    who = " · ".join(p for p in (view.model, view.voice) if p)
    identity = Text(f"{printable(who)} · {format_duration(view.elapsed_s)}", style="dim")
    latency = Text.assemble(
        ("latency ", "dim"),
        _ms(view.last_latency_ms),
        ("  stop ", "dim"),
        _ms(view.last_barge_in_ms),
    )
    if view.echo_mode is not None:
        latency.append_text(echo_label(view))
    spend = Text.assemble(
        ("tokens ", "dim"),
        f"{view.input_tokens:,}",
        (" in ", "dim"),
        f"{view.output_tokens:,}",
        (" out  ", "dim"),
        format_cost(view.cost.total),
    )
    if view.cost.unheard > 0:
        spend.append(f" ({format_cost(view.cost.unheard)} unheard)", style="dim")
    rows: list[RenderableType] = [_row(status, identity), _row(latency, spend)]
    talk = push_to_talk_line(view)
    if talk is not None:
        rows.append(talk)
    if view.question is not None:
        rows.append(
            Text.assemble(
                (" ? ", "bold reverse"), " ", printable(view.question), ("  [y/n]", "bold")
            )
        )
    return Group(*rows, Rule(style="dim"))


def _row(left: Text, right: Text) -> _Row:
    return _Row(left, right)


@dataclass(frozen=True, slots=True)
class _Row:
    """Left and right on one line when both fit; on a narrow terminal, one under the other,
    each cut at the edge (nothing of the cost or the status goes missing)."""

    left: Text
    right: Text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.left.cell_len + 1 + self.right.cell_len <= width:
            # One grid per row: a long right cell on one row must not narrow another's left.
            grid = Table.grid(expand=True, padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(ratio=1, justify="right", no_wrap=True, overflow="ellipsis")
            grid.add_row(self.left, self.right)
            yield grid
            return
        for part in (self.left, self.right):
            yield from part.wrap(console, width, overflow="fold")


def render_turn(turn: Turn) -> Text:
    """The text of one utterance: the user's tinted, an interrupted answer's unheard rest
    struck through, a still-streaming one with a cursor."""
    if turn.failure is not None:
        body = Text(printable(turn.text) + " " if turn.text else "")
        body.append(f"({printable(turn.failure)})", style="bold red")
        return body
    if turn.role == "user":
        note = turn.transcript_note()
        if not turn.text:
            return Text(f"({note})", style=NOTE_STYLE) if note else Text("…", style="dim")
        if note is not None:
            # Deltas that stopped can end in a space: one space before the note.
            body = Text(printable(turn.text).rstrip(), style=USER_TEXT_STYLE)
            body.append(f" ({note})", style=NOTE_STYLE)
            return body
        body = Text(printable(turn.text), style=USER_TEXT_STYLE)
    elif turn.interrupted:
        body = Text(printable(turn.heard_text))
        body.append(printable(turn.unheard_text), style=UNHEARD_STYLE)
        estimate = ", heard text estimated" if turn.heard_estimated else ""
        body.append(f" (interrupted at {turn.heard_ms / 1000:.1f} s{estimate})", style=NOTE_STYLE)
        return body
    else:
        body = Text(printable(turn.text))
    if not (turn.done or turn.settled):
        body.append("▍", style="dim")
    elif not body:
        body = Text("…", style="dim")
    return body


def render_transcript(turns: Sequence[Turn]) -> RenderableType:
    """Both sides of the conversation, oldest first, in a label column and a text column."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=9)
    grid.add_column(ratio=1, overflow="fold")
    for turn in turns:
        label = (
            Text("you", style=USER_LABEL_STYLE)
            if turn.role == "user"
            else Text("assistant", style=ASSISTANT_LABEL_STYLE)
        )
        grid.add_row(label, render_turn(turn))
    return grid


def visible_notices(view: TalkView, lines: int = NOTICE_LINES) -> list[ViewNotice]:
    """The latest notices worth showing now: info ones only while fresh."""
    shown = [n for n in view.notices if n.level != "info" or view.now - n.at <= NOTICE_TTL_S]
    return shown[-lines:] if lines > 0 else []


def render_footer(view: TalkView) -> RenderableType:
    """Recent notices and errors, under a rule; how to end the conversation (or that it has
    ended, on the last frame)."""
    lines: list[RenderableType] = [Rule(style="dim")]
    for notice in visible_notices(view):
        style = NOTICE_STYLES.get(notice.level, "")
        text = Text(f"{notice.level}: ", style=style)
        text.append(printable(notice.text))
        lines.append(text)
    # The last frame stays on the terminal: it must not offer to end what has ended.
    hint = "the conversation has ended" if view.status is Status.CLOSED else CTRL_C_HINT
    lines.append(Text(hint, style="dim"))
    return Group(*lines)


@dataclass(frozen=True, slots=True)
class TalkScreen:
    """The whole screen: header, the transcript's last lines that fit, footer.

    `height` overrides the console's height (the terminal's, under `Live`).
    """

    header: RenderableType
    transcript: RenderableType
    footer: RenderableType
    height: int | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        height = self.height or options.height or options.size.height
        free = options.update(height=None)
        header = console.render_lines(self.header, free, pad=False)
        footer = console.render_lines(self.footer, free, pad=False)
        room = height - len(header) - len(footer)
        body: list[list[Segment]] = []
        if room > 0:
            # Wrapping decides how many lines each turn takes: lay out, then keep the tail.
            body = console.render_lines(self.transcript, free, pad=False)[-room:]
        lines = (header + body + footer)[:height]
        for line in lines:
            yield from line
            yield Segment.line()


def render_screen(view: TalkView, *, height: int | None = None, max_turns: int = 200) -> TalkScreen:
    """The screen for `view`; `height` defaults to the console's at draw time; only the last
    `max_turns` turns are laid out (each takes a line at least, so the terminal's height is
    enough)."""
    turns = view.turns[-max_turns:] if max_turns > 0 else []
    return TalkScreen(render_header(view), render_transcript(turns), render_footer(view), height)


def render_summary(summary: Summary) -> RenderableType:
    """The end-of-conversation summary as a small panel."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in summary_rows(summary):
        grid.add_row(label, Text(printable(value)))
    return Panel(grid, title="rt talk", title_align="left", expand=False)
