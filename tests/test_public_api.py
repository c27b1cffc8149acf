"""The public API: a few names at the top, imported lazily, plus `realtime_cli.protocol`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import get_args, get_type_hints

import realtime_cli
from realtime_cli.core import actions


def test_every_public_name_imports_and_is_the_real_thing() -> None:
    from realtime_cli.config import load_settings
    from realtime_cli.emulator import Emulator
    from realtime_cli.session import ResponseBuilder, VoiceSession, tool
    from realtime_cli.transport import RealtimeConnection, RestClient

    assert set(realtime_cli.__all__) >= {
        "VoiceSession", "tool", "ResponseBuilder", "RealtimeConnection", "RestClient",
        "Emulator", "load_settings",
    }  # fmt: skip
    for name in realtime_cli.__all__:
        assert getattr(realtime_cli, name) is not None
    assert realtime_cli.VoiceSession is VoiceSession
    assert realtime_cli.tool is tool and realtime_cli.ResponseBuilder is ResponseBuilder
    assert realtime_cli.RealtimeConnection is RealtimeConnection
    assert realtime_cli.RestClient is RestClient and realtime_cli.Emulator is Emulator
    assert realtime_cli.load_settings is load_settings


def test_import_realtime_cli_is_cheap_and_unknown_names_fail() -> None:
    code = (
        "import sys, json, realtime_cli\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('realtime_cli'))))\n"
        "try:\n    realtime_cli.nope\nexcept AttributeError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert json.loads(out[0]) == ["realtime_cli"]  # nothing else until a name is used
    assert out[1] == "module 'realtime_cli' has no attribute 'nope'"


#: Core actions a voice session acts on itself (sends, plays, runs, totals) and never hands
#: its user as they are; every other action it passes on unchanged (`_perform`'s last branch).
_ACTED_ON = {
    actions.Send,
    actions.PlayAudio,
    actions.AudioDone,
    actions.FlushPlayback,
    actions.RunTool,
    actions.CancelTool,
    actions.ResponseFinished,
    actions.FollowUpDropped,
}
#: The modules that put events on a session's stream.
_EMITTERS = ("voice_session", "tool_runner", "audio_pump", "mcp_progress")


def _constructed_in_emit_calls() -> set[str]:
    """Names of the classes built for `emit(...)` calls in the session's modules: in the call,
    or in a variable of the same function (`done = ResponseDone(...)`; `emit(done)`)."""
    names: set[str] = set()
    for module in _EMITTERS:
        source = (Path(realtime_cli.__file__).parent / "session" / f"{module}.py").read_text()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            built: dict[str, str] = {}
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name)
                ):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            built[target.id] = node.value.func.id
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr not in ("emit", "_emit") or not node.args:
                    continue
                arg = node.args[0]
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
                    names.add(arg.func.id)
                elif isinstance(arg, ast.Name) and arg.id in built:
                    names.add(built[arg.id])
    return names


def test_every_event_a_voice_session_emits_is_exported_at_the_top_and_by_the_session() -> None:
    from realtime_cli import session
    from realtime_cli.session import VoiceEvent
    from realtime_cli.session.mcp_progress import McpTracker

    declared = set(get_args(VoiceEvent))
    # What the session emits: the core's actions it passes on, the events it builds itself,
    # and the MCP tracker's.
    passed_on = set(get_args(actions.Action)) - _ACTED_ON
    built = _constructed_in_emit_calls()
    mcp = set(get_args(get_type_hints(McpTracker.feed)["return"].__args__[0]))
    assert passed_on <= declared
    assert built <= {cls.__name__ for cls in declared}, built
    assert mcp <= declared
    assert {"AudioDelta", "ResponseDone", "ToolCalled", "ToolCompleted", "Notice"} <= built
    emitted = passed_on | mcp | {cls for cls in declared if cls.__name__ in built}
    assert emitted == declared  # VoiceEvent names nothing the session never emits
    for cls in sorted(emitted, key=lambda c: c.__name__):
        assert cls.__name__ in realtime_cli.__all__, cls.__name__
        assert getattr(realtime_cli, cls.__name__) is cls
        assert cls.__name__ in session.__all__ and getattr(session, cls.__name__) is cls
    assert realtime_cli.VoiceEvent is VoiceEvent
    assert "VoiceEvent" in realtime_cli.__all__
