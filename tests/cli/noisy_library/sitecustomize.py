"""Loaded by the `rt` under test (PYTHONPATH): writes what ALSA writes, straight to fd 2.

A thread prints `snd_pcm_recover underrun occurred` to file descriptor 2 every 50 ms, the
way the C library does from PortAudio's audio thread, bypassing Python's sys.stderr.
"""

import os
import threading
import time

LINE = b"ALSA lib pcm.c:8740:(snd_pcm_recover) underrun occurred\n"


def _noise() -> None:
    while True:
        time.sleep(0.05)
        os.write(2, LINE)


threading.Thread(target=_noise, daemon=True).start()
