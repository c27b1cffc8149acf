"""`rt devices` and `rt doctor` as subprocesses, on virtual sound devices and on fake PortAudios.

The virtual devices (tests/audio/virtual_audio.py) include `vspeaker_monitor`, an input that
hears whatever is played on `vspeaker`: with those two the doctor hears its own chirp, as a
laptop's microphone hears its speakers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.audio.virtual_audio import VirtualAudio, missing_reason

CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"RT_CONFIG", "RT_PROFILE", "PULSE_SERVER", "ALSA_CONFIG_PATH", "PYTHONPATH"}
}


def _rt(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "realtime_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def vaudio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualAudio]:
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    va = VirtualAudio(tmp_path_factory.mktemp("vaudio-cli"))
    va.start()
    try:
        yield va
    finally:
        va.stop()


@pytest.fixture
def env(vaudio: VirtualAudio, tmp_path: Path) -> dict[str, str]:
    """The virtual devices' environment, and no user config file."""
    return {**CLEAN_ENV, **vaudio.env, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def _config(tmp_path: Path, audio: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[profiles.default.audio]\n{audio}\n")
    return path


def _by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries}


@pytest.mark.virtual_audio
def test_devices_json_lists_the_devices_and_marks_the_profiles(
    env: dict[str, str], tmp_path: Path
) -> None:
    config = _config(tmp_path, 'input_device = "vspeaker_monitor"\noutput_device = "vspeaker"')
    result = _rt("devices", "--json", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["profile"] == "default"
    assert report["warnings"] == []
    inputs, outputs = _by_name(report["inputs"]), _by_name(report["outputs"])
    assert {"vmic", "vspeaker_monitor"} <= set(inputs)
    assert "vspeaker" in outputs
    monitor = inputs["vspeaker_monitor"]
    assert monitor["selected"] is True
    assert monitor["hostapi"] == "ALSA"
    assert monitor["channels"] >= 1
    assert monitor["default_samplerate"] > 0
    assert report["selected"] == {
        "input": monitor["index"],
        "output": outputs["vspeaker"]["index"],
    }
    assert [e["name"] for e in report["inputs"] if e["selected"]] == ["vspeaker_monitor"]
    assert sum(e["default"] for e in report["inputs"]) == 1
    assert sum(e["default"] for e in report["outputs"]) == 1
    assert set(monitor) == {
        "index", "name", "hostapi", "channels", "default_samplerate", "default", "selected",
    }  # fmt: skip


@pytest.mark.virtual_audio
def test_devices_text_stars_the_selected_devices(env: dict[str, str], tmp_path: Path) -> None:
    config = _config(tmp_path, 'input_device = "vmic"')
    result = _rt("devices", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    outputs_at = lines.index("Outputs:")
    assert lines[0] == "Inputs (* = used by profile 'default'):"
    starred_inputs = [line for line in lines[1:outputs_at] if line.startswith(" *")]
    assert len(starred_inputs) == 1
    assert " vmic " in starred_inputs[0]
    assert "ALSA" in starred_inputs[0]
    assert "Hz" in starred_inputs[0]
    # No output_device: the system default output is the one in use.
    starred_outputs = [line for line in lines[outputs_at + 1 :] if line.startswith(" *")]
    assert len(starred_outputs) == 1
    assert starred_outputs[0].endswith("default")


@pytest.mark.virtual_audio
def test_devices_still_lists_when_the_profile_names_a_missing_device(
    env: dict[str, str], tmp_path: Path
) -> None:
    config = _config(tmp_path, 'input_device = "no such mic"')
    result = _rt("devices", "--json", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["selected"]["input"] is None
    assert not any(e["selected"] for e in report["inputs"])
    assert "no input device matches 'no such mic'" in report["warnings"][0]
    assert "rt: warning: profile 'default': audio.input_device:" in result.stderr


@pytest.mark.virtual_audio
def test_doctor_hears_its_own_chirp_through_the_speaker_monitor(env: dict[str, str]) -> None:
    result = _rt(
        "doctor", "--json", "--input-device", "vspeaker_monitor",
        "--output-device", "vspeaker", "--seconds", "1", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {
        "profile", "input", "output", "microphone", "chirp", "echo", "barge_in_dbfs",
        "recommendation", "echo_cancellation", "warnings",
    }  # fmt: skip
    assert report["input"]["name"] == "vspeaker_monitor"
    assert report["output"]["name"] == "vspeaker"
    assert report["input"]["rate"] >= 8000
    assert report["output"]["rate"] >= 8000
    echo = report["echo"]
    assert echo["heard"] is True
    # The monitor is a lossless path: the echo is as loud as the chirp, a few buffers late.
    assert 0 < echo["latency_ms"] < 500
    assert echo["level_dbfs"] == pytest.approx(report["chirp"]["rms_dbfs"], abs=1.0)
    assert echo["gain_db"] == pytest.approx(0.0, abs=1.0)
    assert echo["snr_db"] > 40
    assert report["recommendation"]["action"] == "headphones"
    assert report["recommendation"]["lower_by_db"] > 20
    # A lossless echo path is loud, but a pure delay: echo cancellation takes it below the
    # barge-in level, measured on played speech (10 ms frame peaks).
    cancellation = report["echo_cancellation"]
    assert cancellation["echo_peak_dbfs"] > -20
    assert cancellation["residual_peak_dbfs"] < report["barge_in_dbfs"]
    assert cancellation["mode"] == "aec"
    assert echo["speech_echo_peak_dbfs"] == pytest.approx(echo["speech_echo_dbfs"] + 8.0, abs=0.2)
    # Nothing plays before the chirp, and a monitor of a silent sink is exactly zero.
    microphone = report["microphone"]
    assert microphone["all_zeros"] is False
    assert microphone["silent_before_chirp"] is True
    assert 0.5 < microphone["seconds"] < 1.5
    assert any("digitally silent until the chirp" in w for w in report["warnings"])


@pytest.mark.virtual_audio
def test_doctor_on_a_silent_microphone_warns_and_still_exits_0(env: dict[str, str]) -> None:
    # Nothing feeds vmic, so it delivers exact zeros, like a muted or forbidden microphone.
    result = _rt(
        "doctor", "--input-device", "vmic", "--output-device", "vspeaker", "--seconds", "1", env=env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("input:  ")
    assert "vmic (ALSA)" in lines[0]
    assert lines[1].startswith("output: ")
    assert "vspeaker (ALSA)" in lines[1]
    assert lines[2].startswith("microphone: -120.0 dBFS RMS")
    assert "echo: the test chirp was not heard" in lines
    assert lines[-1].startswith("advice: fix the microphone first")
    assert "rt: warning: the microphone delivered only zeros" in result.stderr
    assert "no permission" in result.stderr


@pytest.mark.virtual_audio
def test_doctor_rejects_an_unknown_device(env: dict[str, str]) -> None:
    result = _rt("doctor", "--input-device", "no such mic", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "rt: error: no input device matches 'no such mic'; see 'rt devices'"
    )


FAKE_MISSING = 'raise OSError("PortAudio library not found")\n'
FAKE_EMPTY = """\
from types import SimpleNamespace
default = SimpleNamespace(device=[-1, -1])
def query_hostapis(): return ({"name": "ALSA"},)
def query_devices(): return []
"""


def _fake_sounddevice(tmp_path: Path, source: str) -> dict[str, str]:
    (tmp_path / "sounddevice.py").write_text(source)
    return {**CLEAN_ENV, "PYTHONPATH": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "x")}


@pytest.mark.parametrize("command", ["devices", "doctor"])
def test_missing_portaudio_is_one_line_with_the_install_commands(
    command: str, tmp_path: Path
) -> None:
    result = _rt(command, env=_fake_sounddevice(tmp_path, FAKE_MISSING))
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("rt: error: PortAudio library not found")
    assert "apt-get install libportaudio2" in line
    assert "brew install portaudio" in line


@pytest.mark.parametrize("command", ["devices", "doctor"])
def test_no_devices_is_one_line_and_json_still_json(command: str, tmp_path: Path) -> None:
    result = _rt(command, "--json", env=_fake_sounddevice(tmp_path, FAKE_EMPTY))
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("rt: error: no audio devices found")
    # A script reading --json gets a JSON object with the same error, not nothing.
    report = json.loads(result.stdout)
    assert line == f"rt: error: {report['error']}"
    empty = {"inputs": [], "outputs": []} if command == "devices" else {"input": None}
    assert report.items() >= empty.items()


def test_the_cli_loads_no_audio_code_until_an_audio_command_runs() -> None:
    code = (
        "import sys, realtime_cli.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('realtime_cli.audio', "
        "'sounddevice'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_help_lists_both_commands() -> None:
    result = _rt("--help", env=CLEAN_ENV)
    assert result.returncode == 0
    assert "devices" in result.stdout
    assert "doctor" in result.stdout
