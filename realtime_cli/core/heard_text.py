"""Which words of an interrupted answer the listener heard: an estimate that never claims
more than the audio played.

The service sends an answer's transcript ahead of its audio (PROTOCOL.md section 11), so
the share of audio *received* says nothing about the words: cutting the text in that
proportion shows, and replays after a reconnect, words nobody heard. Instead the words are
aligned to the audio *played* by a speaking rate: the answer's own (text length over audio
length) once all its audio arrived, else a slow speaking rate, so the estimate errs towards
fewer words. The cut falls back to the last word that ended before it.
"""

from __future__ import annotations

__all__ = ["SLOW_CHARS_PER_S", "split_heard"]

#: Characters per second of slow speech (about 120 words a minute); synthetic voices speak
#: faster, so words counted at this rate were spoken by then.
SLOW_CHARS_PER_S = 11.0
#: Margin on the answer's own rate: the rate varies inside an answer (pauses, long words).
OWN_RATE_MARGIN = 0.9


def split_heard(
    text: str, heard_ms: int, received_ms: int, *, audio_complete: bool
) -> tuple[str, str]:
    """(heard, unheard) parts of `text` (they join back to it) after `heard_ms` of its audio
    were played; `received_ms` is the audio received, `audio_complete` whether that is all."""
    if heard_ms <= 0:
        return "", text
    if audio_complete and heard_ms >= received_ms:
        return text, ""
    if audio_complete and received_ms > 0:
        chars_per_ms = len(text) / received_ms * OWN_RATE_MARGIN
    else:
        chars_per_ms = SLOW_CHARS_PER_S / 1000
    cut = min(len(text), int(heard_ms * chars_per_ms))
    if cut < len(text):
        # Only whole words: back up to the space before the word being spoken.
        while cut > 0 and not text[cut].isspace():
            cut -= 1
    return text[:cut], text[cut:]
