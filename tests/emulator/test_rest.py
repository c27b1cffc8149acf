"""The REST endpoints over a real socket, with httpx."""

from __future__ import annotations

import asyncio
import json

import httpx

from realtime_cli.emulator import Emulator, RestRequest
from tests.emulator.support import arun

AUTH = {"Authorization": "Bearer sk-test"}
OFFER = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
)


def test_client_secrets_mint_an_ephemeral_key() -> None:
    async def body() -> None:
        async with Emulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as http:
            response = await http.post(
                "/realtime/client_secrets",
                headers=AUTH,
                json={
                    "expires_after": {"anchor": "created_at", "seconds": 120},
                    "session": {"type": "realtime", "output_modalities": ["text"]},
                },
            )
            assert response.status_code == 200
            assert response.headers["x-request-id"].startswith("req_")
            body = response.json()
            assert body["value"].startswith("ek_")
            assert body["session"]["output_modalities"] == ["text"]
            assert body["session"]["audio"]["output"]["voice"] == "alloy"
            assert body["session"]["object"] == "realtime.session"
            assert body["expires_at"] - body["session"]["expires_at"] <= 0
            bad = await http.post(
                "/realtime/client_secrets",
                headers=AUTH,
                json={"session": {"type": "realtime", "modalities": ["text"]}},
            )
            assert bad.status_code == 400
            assert bad.json()["error"]["code"] == "unknown_parameter"
            ephemeral = await http.post(
                "/realtime/client_secrets",
                headers={"Authorization": f"Bearer {body['value']}"},
                json={},
            )
            assert ephemeral.status_code == 401
            recorded = [r for r in emu.received if isinstance(r, RestRequest)]
            assert (
                recorded[0].method == "POST" and recorded[0].path == "/v1/realtime/client_secrets"
            )
            assert json.loads(recorded[0].body)["expires_after"]["seconds"] == 120
            assert recorded[0].headers["authorization"] == "Bearer sk-test"

    arun(body())


def test_calls_raw_and_multipart_give_an_sdp_answer_and_location() -> None:
    async def body() -> None:
        async with Emulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as http:
            raw = await http.post(
                "/realtime/calls",
                headers={**AUTH, "Content-Type": "application/sdp"},
                content=OFFER,
            )
            assert raw.status_code == 201
            assert raw.headers["content-type"] == "application/sdp"
            location = raw.headers["location"]
            assert location.startswith("/v1/realtime/calls/rtc_")
            assert raw.text.startswith("v=0") and "a=group:BUNDLE 0 1" in raw.text
            multipart = await http.post(
                "/realtime/calls",
                headers=AUTH,
                files={
                    "sdp": (None, OFFER, "application/sdp"),
                    "session": (
                        None,
                        json.dumps({"type": "realtime", "instructions": "Hi"}),
                        "application/json",
                    ),
                },
            )
            assert multipart.status_code == 201
            call_id = multipart.headers["location"].rsplit("/", 1)[-1]
            session = emu.calls.calls[call_id].session
            assert session is not None and session.instructions == "Hi"
            not_sdp = await http.post("/realtime/calls", headers=AUTH, content="hello")
            assert not_sdp.status_code == 400 and not_sdp.json()["error"]["param"] == "sdp"

    arun(body())


def test_call_actions_auth_and_unknown_ids() -> None:
    async def body() -> None:
        async with Emulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as http:
            ringing = emu.add_incoming_call()
            accept = await http.post(
                f"/realtime/calls/{ringing}/accept",
                headers=AUTH,
                json={"type": "realtime", "model": "gpt-realtime", "instructions": "Answer."},
            )
            assert accept.status_code == 200 and accept.content == b""
            assert accept.headers["x-request-id"]
            refer = await http.post(
                f"/realtime/calls/{ringing}/refer",
                headers=AUTH,
                json={"target_uri": "tel:+14155550123"},
            )
            assert refer.status_code == 200
            call = emu.calls.calls[ringing]
            assert call.history == ["incoming", "accept", "refer"]
            assert call.refer_target == "tel:+14155550123"
            declined = emu.add_incoming_call()
            reject = await http.post(
                f"/realtime/calls/{declined}/reject", headers=AUTH, json={"status_code": 486}
            )
            assert reject.status_code == 200 and emu.calls.calls[declined].reject_status == 486
            other = emu.add_incoming_call()
            assert (
                await http.post(f"/realtime/calls/{other}/reject", headers=AUTH, json={})
            ).status_code == 200
            assert emu.calls.calls[other].reject_status == 603
            live = emu.add_incoming_call()
            hangup = await http.post(f"/realtime/calls/{live}/hangup", headers=AUTH)
            assert hangup.status_code == 200 and emu.calls.calls[live].state == "ended"
            again = await http.post(f"/realtime/calls/{live}/hangup", headers=AUTH)
            assert again.status_code == 409
            assert again.json()["error"]["code"] == "invalid_call_state"
            missing = await http.post("/realtime/calls/rtc_nope/hangup", headers=AUTH)
            assert missing.status_code == 404
            error = missing.json()["error"]
            assert set(error) == {"message", "type", "code", "param"}
            assert missing.headers["x-request-id"].startswith("req_")
            unauthorized = await http.post(
                f"/realtime/calls/{live}/hangup", headers={"Authorization": "Bearer nope"}
            )
            assert unauthorized.status_code == 401
            assert unauthorized.json()["error"]["code"] == "invalid_api_key"
            assert unauthorized.headers["x-request-id"]
            no_auth = await http.post("/realtime/client_secrets", json={})
            assert no_auth.status_code == 401
            unknown = await http.get("/realtime/whatever", headers=AUTH)
            assert unknown.status_code == 404
            assert unknown.json()["error"]["message"] == "Invalid URL (GET /v1/realtime/whatever)"

    arun(body())


def test_keep_alive_and_chunked_bodies() -> None:
    async def body() -> None:
        async with Emulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as http:

            async def chunks():
                yield b'{"session": {"type": "realtime",'
                yield b' "instructions": "chunked"}}'

            first = await http.post("/realtime/client_secrets", headers=AUTH, content=chunks())
            second = await http.post("/realtime/client_secrets", headers=AUTH, json={})
            assert first.status_code == second.status_code == 200
            assert first.json()["session"]["instructions"] == "chunked"
            assert first.json()["value"] != second.json()["value"]

    arun(body())


async def _exchange(emu: Emulator, data: bytes) -> bytes:
    """Write raw bytes, read until the emulator closes the connection."""
    reader, writer = await asyncio.open_connection(emu.host, emu.port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5.0)
    writer.close()
    return answer


def test_raw_http_pipelining_bad_heads_and_http_1_0() -> None:
    body = b'{"session": {"type": "realtime"}}'
    post = (
        b"POST /v1/realtime/client_secrets HTTP/1.1\r\nHost: x\r\n"
        b"Authorization: Bearer sk-test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )

    async def run() -> None:
        async with Emulator() as emu:
            # Two pipelined requests in one write, the second asking to close: two answers.
            last = post.replace(b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n")
            answer = await _exchange(emu, post + last)
            assert answer.count(b"HTTP/1.1 200 OK") == 2
            # A request line that is not HTTP: 400 with a JSON error, then the connection ends.
            answer = await _exchange(emu, b"NOT HTTP AT ALL\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 400 ")
            assert b'"invalid_request_error"' in answer
            # A header line without a colon is refused the same way.
            answer = await _exchange(emu, b"GET /v1/models HTTP/1.1\r\nHost x\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 400 ")
            # HTTP/1.0 without keep-alive: one answer, then the emulator closes.
            answer = await _exchange(emu, post.replace(b"HTTP/1.1", b"HTTP/1.0"))
            assert answer.startswith(b"HTTP/1.1 200 OK")
            statuses = [entry.status for entry in emu.received if isinstance(entry, RestRequest)]
            assert statuses == [200, 200, 200]

    arun(run())
