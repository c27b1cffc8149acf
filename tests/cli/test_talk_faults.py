"""`rt talk` when the connection drops: with --no-reconnect it ends with one line and exit
1, and everything written so far is complete on disk; by default it reconnects and goes on."""

from __future__ import annotations

import json
import wave
from pathlib import Path

from tests.cli.conftest import rt
from tests.cli.test_faults import StartEmulator, faulty  # noqa: F401 - the fixture
from tests.cli.test_talk import DEMO


def _readable(wav: Path) -> int:
    with wave.open(str(wav)) as handle:  # a truncated or header-less file fails here
        return handle.getnframes()


def test_a_drop_without_reconnect_ends_cleanly_with_files_complete(
    faulty: StartEmulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    emu = faulty("--fault", "drop-1011")
    out, record, log = tmp_path / "out.wav", tmp_path / "rec.wav", tmp_path / "log.jsonl"
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(out), "--record", str(record),
        "--log", str(log), "--no-reconnect", "--max-seconds", "30",
        base_url=emu.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 1, run.err
    errors = [line for line in run.err.splitlines() if line.startswith("rt: error:")]
    assert len(errors) == 1 and "1011" in errors[0]
    assert "Traceback" not in run.err
    assert _readable(out) > 0  # the answer played until the drop
    assert _readable(record) > 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries and entries[-1]["dir"] in {"send", "recv"}
    assert "duration:" in run.err  # the summary was still printed


def test_a_drop_with_reconnect_goes_on(faulty: StartEmulator, tmp_path: Path) -> None:  # noqa: F811
    emu = faulty("--fault", "drop-1011")
    out = tmp_path / "out.wav"
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(out), "--max-seconds", "12",
        base_url=emu.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert _readable(out) > 0
