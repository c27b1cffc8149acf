"""A private PulseAudio server with virtual devices, for tests through the real PortAudio path.

Headless CI machines have no sound card. This starts `pulseaudio` as a child process on a
socket in a temporary directory with three virtual devices and points PortAudio's ALSA host
API at them through the ALSA pulse plugin (ALSA_CONFIG_PATH):

  vspeaker          output: a null sink
  vspeaker_monitor  input: what was played to vspeaker
  vmic              input: a source fed by playing into the null sink `vmic_feed`

`echo_path()` adds an acoustic echo: a module-loopback from what the speaker plays
(vspeaker.monitor) into vmic_feed, with a delay and a gain, like a laptop's speakers heard by
its own microphone; `room_noise()` adds white noise to the microphone.

Needs the Debian packages pulseaudio, pulseaudio-utils and libasound2-plugins (plus
libportaudio2). Only processes started here are stopped, by their PIDs. Each is started
through `setpriv --pdeathsig TERM` (util-linux): the kernel ends it when the process that
started it dies, so a test or bench run killed by a timeout (no `stop()`) leaves no
pulseaudio behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RATE = 48000
# A 20 ms reader on every null sink's monitor: otherwise the sink renders 2 s blocks until a
# low-latency client shows up and a new stream can stall for up to 2 s.
_KEEPALIVE_MS = 20
# PortAudio lists only the ALSA PCMs that carry a hint.
_ALSA_CONF = """\
pcm.vspeaker { type pulse device "vspeaker" handle_underrun false hint.show on }
pcm.vspeaker_monitor { type pulse device "vspeaker.monitor" handle_underrun false hint.show on }
pcm.vmic { type pulse device "vmic" handle_underrun false hint.show on }
pcm.!default { type pulse handle_underrun false hint.show on }
ctl.!default { type pulse }
"""
# Room noise on stdout (48 kHz s16le mono) until the reader goes away: argv[1] is dBFS RMS.
_NOISE = """\
import sys
import numpy as np
level = 10 ** (float(sys.argv[1]) / 20) * 32768
rng = np.random.default_rng(1)
try:
    while True:
        block = np.clip(rng.standard_normal(4800) * level, -32768, 32767).astype("<i2")
        sys.stdout.buffer.write(block.tobytes())
        sys.stdout.buffer.flush()
except (BrokenPipeError, KeyboardInterrupt):
    pass
"""
# handle_underrun false: the plugin would otherwise turn a server underrun into an ALSA xrun,
# and PortAudio's xrun recovery can restart the stream over and over.


def _dies_with_us(argv: list[str]) -> list[str]:
    """`argv` ending with this process (SIGTERM when it dies, even by SIGKILL) where
    setpriv exists. The kernel watches the thread that forks: call from the main thread."""
    if shutil.which("setpriv") is None:
        return argv
    return ["setpriv", "--pdeathsig", "TERM", "--", *argv]


def missing_reason() -> str | None:
    """Why virtual devices cannot run here, or None if they can."""
    if shutil.which("pulseaudio") is None:
        return "pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)"
    return None


class VirtualAudio:
    """Start with `start()`, stop with `stop()`; `env` holds the client environment."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "pulse.sock"
        self.env: dict[str, str] = {}
        self._saved_env: dict[str, str | None] = {}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._noise: list[subprocess.Popen[bytes]] = []

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            args, env=self._client_env(), capture_output=True, timeout=10, check=False
        )

    def _client_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def start(self) -> None:
        for tool in ("pactl", "parec"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} missing: apt-get install pulseaudio-utils")
        if not list(Path("/usr/lib").glob("*/alsa-lib/libasound_module_pcm_pulse.so")):
            raise RuntimeError("ALSA pulse plugin missing: apt-get install libasound2-plugins")
        (self.dir / "runtime").mkdir(parents=True, exist_ok=True)
        (self.dir / "state").mkdir(exist_ok=True)
        script = self.dir / "server.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name=vspeaker rate={RATE} channels=1\n"
            f"load-module module-null-sink sink_name=vmic_feed rate={RATE} channels=1\n"
            "load-module module-remap-source master=vmic_feed.monitor source_name=vmic\n"
            "set-default-sink vspeaker\nset-default-source vmic\n"
        )
        (self.dir / "asound.conf").write_text(_ALSA_CONF)
        self.env = {
            "PULSE_SERVER": f"unix:{self.socket}",
            "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{self.dir / 'asound.conf'}",
        }
        server_env = {
            **self._client_env(),
            "PULSE_RUNTIME_PATH": str(self.dir / "runtime"),
            "PULSE_STATE_PATH": str(self.dir / "state"),
            "HOME": str(self.dir),  # the cookie and any client config stay in here
        }
        log = open(self.dir / "pulse.log", "wb")  # noqa: SIM115 - the child owns it
        # -n: none of the system's modules (udev, ALSA cards, D-Bus); root only warns.
        self._procs.append(
            subprocess.Popen(
                _dies_with_us(["pulseaudio", "-n", "-F", str(script), "--daemonize=no",
                               "--exit-idle-time=-1", "--log-target=stderr"]),
                env=server_env, stdout=log, stderr=log, start_new_session=True,
            )
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while self._run("pactl", "info").returncode != 0:
            if time.monotonic() > deadline or self._procs[0].poll() is not None:
                self.stop()
                raise RuntimeError(f"pulseaudio did not start; see {self.dir / 'pulse.log'}")
            time.sleep(0.05)
        for sink in ("vspeaker", "vmic_feed"):
            self._procs.append(
                subprocess.Popen(
                    _dies_with_us(["parec", f"--device={sink}.monitor", "--raw",
                                   "--format=s16le", "--channels=1", f"--rate={RATE}",
                                   f"--latency-msec={_KEEPALIVE_MS}"]),
                    env=self._client_env(), stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True,
                )
            )  # fmt: skip
        while self._run("pactl", "list", "short", "source-outputs").stdout.count(b"\n") < 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        # Suspending and resuming drops the 2 s block the sinks may still be rendering.
        for sink in ("vspeaker", "vmic_feed"):
            self._run("pactl", "suspend-sink", sink, "1")
            self._run("pactl", "suspend-sink", sink, "0")

    def feed_microphone(self, wav: Path) -> subprocess.Popen[bytes]:
        """Play a WAV file into the virtual microphone (returns the paplay process)."""
        proc = subprocess.Popen(
            _dies_with_us(["paplay", "--device=vmic_feed", str(wav)]),
            env=self._client_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._procs.append(proc)
        return proc

    def echo_path(self, gain_db: float, delay_ms: int = 60) -> None:
        """Route the speaker's output into the microphone `delay_ms` late at `gain_db`."""
        self.echo_off()
        # adjust_time=0: a room's delay is fixed, while the loopback's rate control would
        # otherwise wander 40-90 ms for its first seconds, which no acoustic path does.
        self._check(
            "pactl", "load-module", "module-loopback", "source=vspeaker.monitor",
            "sink=vmic_feed", f"latency_msec={delay_ms}", "adjust_time=0",
            "source_dont_move=true", "sink_dont_move=true",
            "sink_input_properties=media.name=echo-path",
        )  # fmt: skip
        deadline = time.monotonic() + 5
        while (index := self._echo_sink_input()) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the echo path's loopback did not appear")
            time.sleep(0.05)
        # A plain number is a linear amplitude factor for pactl.
        self._check("pactl", "set-sink-input-volume", index, f"{10 ** (gain_db / 20):.6f}")

    def _echo_sink_input(self) -> str | None:
        current = None
        for raw in self._run("pactl", "list", "sink-inputs").stdout.decode().splitlines():
            line = raw.strip()
            if line.startswith("Sink Input #"):
                current = line.removeprefix("Sink Input #")
            elif line == 'media.name = "echo-path"':
                return current
        return None

    def echo_off(self) -> None:
        """Remove the echo path (if any)."""
        for line in self._run("pactl", "list", "short", "modules").stdout.decode().splitlines():
            fields = line.split("\t")
            if len(fields) > 2 and fields[1] == "module-loopback" and "echo-path" in line:
                self._run("pactl", "unload-module", fields[0])

    def room_noise(self, level_dbfs: float) -> None:
        """White noise at `level_dbfs` RMS into the microphone until `noise_off()`."""
        self.noise_off()
        generator = subprocess.Popen(
            _dies_with_us([sys.executable, "-c", _NOISE, str(level_dbfs)]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        player = subprocess.Popen(
            _dies_with_us(["pacat", "--playback", "--raw", "--format=s16le", f"--rate={RATE}",
                           "--channels=1", "--device=vmic_feed", "--latency-msec=50"]),
            stdin=generator.stdout, env=self._client_env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        assert generator.stdout is not None
        generator.stdout.close()  # the player holds the pipe now
        self._noise = [generator, player]
        self._procs += self._noise

    def noise_off(self) -> None:
        """Stop the room noise (if any)."""
        for proc in self._noise:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=3)
            self._procs.remove(proc)
        self._noise = []

    def _check(self, *args: str) -> None:
        result = self._run(*args)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {result.stderr.decode().strip()}")

    def use_in_this_process(self) -> Any:
        """Point this process's PortAudio at the virtual devices; returns sounddevice."""
        for key, value in self.env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        if "sounddevice" in sys.modules:
            sd = sys.modules["sounddevice"]
            # PortAudio lists devices once, at initialisation: rescan with the new config.
            sd._terminate()
            sd._initialize()
        else:
            import sounddevice as sd
        return sd

    def stop(self) -> None:
        for key, old in self._saved_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        self._saved_env.clear()
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()
