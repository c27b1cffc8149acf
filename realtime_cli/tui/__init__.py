"""Rendering of a voice conversation for `rt talk`: a sans-I/O view state (`TalkView`), pure
rich renderers, a plain line-per-utterance mode, an exit summary and a thin `rich.live` adapter.
"""

from realtime_cli.tui.live import LiveScreen
from realtime_cli.tui.plain import PlainTranscript, plain_line
from realtime_cli.tui.render import (
    TalkScreen,
    mic_meter,
    push_to_talk_line,
    render_footer,
    render_header,
    render_screen,
    render_summary,
    render_turn,
)
from realtime_cli.tui.state import (
    PushToTalkState,
    Status,
    TalkView,
    Turn,
    ViewNotice,
    dbfs_from_rms,
)
from realtime_cli.tui.summary import Summary, summarize, summary_lines

__all__ = [
    "LiveScreen",
    "PlainTranscript",
    "PushToTalkState",
    "Status",
    "Summary",
    "TalkScreen",
    "TalkView",
    "Turn",
    "ViewNotice",
    "dbfs_from_rms",
    "mic_meter",
    "plain_line",
    "push_to_talk_line",
    "render_footer",
    "render_header",
    "render_screen",
    "render_summary",
    "render_turn",
    "summarize",
    "summary_lines",
]
