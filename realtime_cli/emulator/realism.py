"""How closely the emulator imitates the live service: timing, streaming shape, failures.

Two modes. `Realism.exact()` (the in-process `Emulator`'s default, used by tests that need
fixed replies) answers in the same tick, transcribes right after the commit and sends each
transcript word with its audio. `Realism.measured()` (the default of `rt emulator` and
`make demo`) follows what was measured on the service (PROTOCOL.md section 11):

- latency: `session.updated` 260 ms after `session.update`, `response.created` 280 ms and
  the first delta 480 ms after `response.create`, `committed` 150 ms after a commit,
  `rate_limits.updated` 40 ms after `response.done`, a refused commit's `error` 0.8-1 s
  late (and, a guess, every other refusal too); all scaled by `5 / speed`, since the
  figures were measured on a service streaming about five times faster than real time;
- input transcription 0.5-1.4 s after the commit (so two quick turns may complete out of
  order), `""` for silence;
- text and transcript deltas as token pieces with a leading space and `obfuscation`, the
  transcript running ahead of the audio;
- replies that read like answers (see `answers`), tool calls chosen by meaning;
- with `failure_rate`, a seeded share of responses fail or stop, and the same share of
  input transcriptions fail or stall (see `faults`).
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

__all__ = ["Realism", "token_pieces"]

#: The speed at which the latency figures were measured (the emulator's default).
MEASURED_SPEED = 5.0


@dataclass(frozen=True, kw_only=True)
class Realism:
    """The emulator's imitation settings; build with `exact()` or `live()`."""

    live: bool
    session_updated_s: float = 0.0
    response_created_s: float = 0.0
    first_delta_s: float = 0.0
    committed_s: float = 0.0
    rate_limits_s: float = 0.04
    #: A refused event's `error` comes this late, after later events (measured for a
    #: commit; the same for every refusal is a guess).
    error_s: tuple[float, float] = (0.0, 0.0)
    transcription_s: tuple[float, float] = (0.0, 0.0)
    #: Milliseconds of speech the audio transcript runs ahead of the audio.
    transcript_lead_ms: float = 0.0
    #: Share of responses that fail or stop, and of input transcriptions that fail or
    #: stall, on their own (seeded), 0 to 1.
    failure_rate: float = 0.0
    seed: int = 0

    @classmethod
    def exact(cls) -> Realism:
        """Same-tick replies, aligned transcripts, fixed texts: what unit tests assert on."""
        return cls(live=False)

    @classmethod
    def measured(
        cls, speed: float = MEASURED_SPEED, *, failure_rate: float = 0.0, seed: int = 0
    ) -> Realism:
        """The service's measured timing and streaming shape, scaled to `speed`."""
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate must be between 0 and 1")
        scale = MEASURED_SPEED / speed
        return cls(
            live=True,
            session_updated_s=0.26 * scale,
            response_created_s=0.28 * scale,
            first_delta_s=0.48 * scale,
            committed_s=0.15 * scale,
            rate_limits_s=0.04 * scale,
            error_s=(0.8 * scale, 1.0 * scale),
            transcription_s=(0.5 * scale, 1.4 * scale),
            # A guess: the capture shows text well ahead of audio, not by how much.
            transcript_lead_ms=2000.0,
            failure_rate=failure_rate,
            seed=seed,
        )

    def rng(self, connection: int) -> random.Random:
        """The random source of one connection: same seed, same session, same choices."""
        return random.Random(self.seed * 1_000_003 + connection)


_TOKEN = re.compile(r"\s*[\w']+|\s*[^\w\s]|\s+")


def token_pieces(text: str) -> list[str]:
    """Split text like a tokenizer's deltas: words with their leading space, punctuation
    apart, long words in pieces (`"Hi"`, `" there"`, `","`, `" trans"`, `"cript"`).
    The pieces join back to the text."""
    pieces: list[str] = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        while len(piece.strip()) > 7:
            cut = len(piece) - len(piece.lstrip()) + 5
            pieces.append(piece[:cut])
            piece = piece[cut:]
        pieces.append(piece)
    return pieces


def obfuscation(rng: random.Random, delta: str) -> str:
    """Padding like the service's `obfuscation` field (it hides the delta's length)."""
    size = max(1, 16 - len(delta))
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))
