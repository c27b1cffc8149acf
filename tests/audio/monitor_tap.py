"""What reached a virtual speaker, recorded outside PortAudio: `parec` on the sink's monitor,
each chunk stamped with `time.monotonic()` when it arrived (an upper bound of when it was
played), so that audio at the monitor can be put on the same clock as the client."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import numpy as np
from numpy.typing import NDArray

MONITOR_RATE = 48000


class MonitorTap:
    """Records `source` (a PulseAudio source, e.g. `vspeaker.monitor`) as int16 at 48 kHz."""

    def __init__(self, env: dict[str, str], source: str = "vspeaker.monitor") -> None:
        self.rate = MONITOR_RATE
        self._proc = subprocess.Popen(
            ["parec", f"--device={source}", "--raw", "--format=s16le", f"--rate={self.rate}",
             "--channels=1", "--latency-msec=5"],
            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._chunks: list[tuple[float, bytes]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while chunk := os.read(fd, 480):  # 5 ms
            self._chunks.append((time.monotonic(), chunk))

    def mark(self) -> int:
        """The index of the next sample to arrive (to find a moment in the recording)."""
        return sum(len(c) for _, c in list(self._chunks)) // 2

    def samples_since(self, index: int) -> NDArray[np.int16]:
        """What has arrived from sample `index` on (while recording)."""
        raw = b"".join(c for _, c in list(self._chunks))
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")[index:]

    def stop(self) -> NDArray[np.int16]:
        """Stop recording; every sample so far."""
        self._proc.terminate()
        try:
            self._proc.wait(3)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._thread.join(3)
        raw = b"".join(c for _, c in self._chunks)
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")

    def arrival(self, index: int) -> float:
        """`time.monotonic()` when sample `index` was read (it was played at or before)."""
        end = 0
        for t, chunk in self._chunks:
            end += len(chunk) // 2
            if end > index:
                return t - (end - 1 - index) / self.rate
        raise IndexError(index)
