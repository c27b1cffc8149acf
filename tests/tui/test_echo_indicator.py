"""The header shows the echo mode and, live, how much echo is being removed."""

from __future__ import annotations

from realtime_cli.tui import TalkView
from realtime_cli.tui.render import render_header
from tests.tui.scenes import console


def _header(view: TalkView) -> str:
    c = console()
    c.print(render_header(view))
    return c.export_text()


def test_no_live_microphone_no_echo_label() -> None:
    assert "echo" not in _header(TalkView())


def test_the_mode_then_the_echo_removed_once_the_assistant_spoke() -> None:
    view = TalkView()
    view.set_echo("aec", None)
    text = _header(view)
    assert "echo aec" in text and " dB" not in text.split("echo aec")[1].split("\n")[0]
    view.set_echo("aec", 38.4)
    assert "echo aec -38 dB" in _header(view)
    view.set_echo("gate", 40.0)
    assert "echo gate -40 dB" in _header(view)
