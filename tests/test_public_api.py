"""The public API: a few names at the top, imported lazily, plus `realtime_cli.protocol`."""

from __future__ import annotations

import json
import subprocess
import sys

import realtime_cli


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
