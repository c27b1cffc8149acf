"""Audio test configuration: the shared virtual devices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audio.virtual_audio import VirtualAudio, missing_reason


@pytest.fixture(scope="session")
def virtual_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualAudio]:
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    va = VirtualAudio(Path(tmp_path_factory.mktemp("vaudio")))
    va.start()
    va.use_in_this_process()
    try:
        yield va
    finally:
        va.stop()
