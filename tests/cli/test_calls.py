"""`rt sdp-offer`, `rt call ...` and `rt token` as subprocesses against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Emu, rt

OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def _offer(emulator: Emu, tmp_path: Path) -> str:
    run = rt("sdp-offer", "-", base_url=emulator.base_url, stdin=OFFER, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out.startswith("v=0")
    (line,) = run.err.strip().splitlines()
    assert line.startswith("call_id: rtc_")
    return line.removeprefix("call_id: ")


def test_sdp_offer_prints_the_answer_and_the_call_id(emulator: Emu, tmp_path: Path) -> None:
    _offer(emulator, tmp_path)
    offer_file = tmp_path / "offer.sdp"
    offer_file.write_text(OFFER)
    run = rt(
        "sdp-offer",
        str(offer_file),
        "--json",
        "--with-session",
        base_url=emulator.base_url,
        home=tmp_path,
    )
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["call_id"].startswith("rtc_") and data["sdp"].startswith("v=0")


def test_call_actions_confirm_in_one_line(emulator: Emu, tmp_path: Path) -> None:
    for args, words in (
        (("call", "accept"), "accepted"),
        (("call", "reject", "--status-code", "486"), "rejected with SIP 486"),
        (("call", "refer", "--target", "tel:+14155550123"), "referred to tel:+14155550123"),
        (("call", "hangup"), "hung up"),
    ):
        call_id = _offer(emulator, tmp_path)
        run = rt(*args, call_id, base_url=emulator.base_url, home=tmp_path)
        assert run.code == 0, run.err
        assert run.out == f"call {call_id}: {words}\n"


def test_call_on_an_unknown_id_fails_with_the_api_message(emulator: Emu, tmp_path: Path) -> None:
    run = rt("call", "hangup", "rtc_nope", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 1
    assert "404" in run.err and len(run.err.strip().splitlines()) == 1


def test_refer_needs_a_sip_or_tel_uri(tmp_path: Path) -> None:
    run = rt("call", "refer", "rtc_1", "--target", "http://x", base_url=None, home=tmp_path)
    assert run.code == 2 and "tel:" in run.err


def test_token_prints_an_ephemeral_key(emulator: Emu, tmp_path: Path) -> None:
    run = rt("token", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out.startswith("ek_") and run.out.count("\n") == 1
    run = rt("token", "--expires-in", "120", "--json", base_url=emulator.base_url, home=tmp_path)
    data = json.loads(run.out)
    assert data["value"].startswith("ek_") and isinstance(data["expires_at"], int)
    # the minted secret opens a session
    text = rt("text", "hi", base_url=emulator.base_url, key=data["value"], home=tmp_path)
    assert text.code == 0, text.err
