"""deploy/nginx/exam-engine.conf, rendered by render.py and run by a real nginx in front of
two real nodes: TLS, the HTTP redirect, proxied websockets, stickiness and fail-over."""
from __future__ import annotations

import http.client
import json
import ssl
from typing import Any

import pytest
import requests
import socketio

from exam_engine.delivery.models import LoginRecord
from tests.deploy.conftest import DEPLOY, Proxy
from tests.exam_engine.delivery.conftest import prepare_sitting


def get_from(proxy: Proxy, source: str, path: str, method: str = "GET", body: Any = None) -> int:
    """One HTTPS request sent from SOURCE (any 127.0.0.0/8 address is local), as if from
    another terminal of the room; returns the status."""
    context = ssl.create_default_context(cafile=str(proxy.cert))
    conn = http.client.HTTPSConnection("127.0.0.1", proxy.https_port, source_address=(source, 0),
                                       context=context, timeout=10)
    try:
        payload = None if body is None else json.dumps(body)
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def https(proxy: Proxy) -> requests.Session:
    """A session that trusts the test's CA, as a terminal trusts the centre's LAN CA."""
    session = requests.Session()
    # Not the environment's CA bundle or proxies: requests lets REQUESTS_CA_BUNDLE override
    # a session's own `verify`.
    session.trust_env = False
    session.verify = str(proxy.cert)
    return session


def refusals(proxy: Proxy, transport: str, auth: Any) -> list[Any]:
    """The connect_error payloads of a /candidate connection through nginx that must fail."""
    errors: list[Any] = []
    client = socketio.Client(reconnection=False, http_session=https(proxy))
    client.on("connect_error", errors.append, namespace="/candidate")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(proxy.url, namespaces=["/candidate"], auth=auth, transports=[transport], wait_timeout=10)
    client.disconnect()
    return [e["data"] if isinstance(e, dict) and "data" in e else e for e in errors]


def test_health_over_tls_with_security_headers(proxy: Proxy) -> None:
    with https(proxy) as session:
        response = session.get(f"{proxy.url}/healthz", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "nginx/" not in response.headers.get("Server", "")  # server_tokens off


def test_plain_http_redirects_to_https_keeping_the_path(proxy: Proxy) -> None:
    with https(proxy) as session:
        response = session.get(f"http://127.0.0.1:{proxy.http_port}/candidate/?lang=id",
                               allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{proxy.https_port}/candidate/?lang=id"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_forged_token_is_refused_by_the_node_through_nginx(proxy: Proxy, transport: str) -> None:
    """The refusal comes from the app's /candidate namespace, so the connection (a websocket
    upgrade, or the polling requests) really reached a node through nginx."""
    errors = refusals(proxy, transport, {"token": "forged.token.value"})
    assert [e.get("code") for e in errors] == ["invalid_token"]
    handshakes = [line for line in proxy.access_log.read_text().splitlines() if f"transport={transport}" in line]
    if transport == "websocket":
        assert any(" 101 " in line for line in handshakes)  # 101 Switching Protocols: upgraded


def test_a_candidate_connects_over_wss_and_gets_its_state(engine, proxy: Proxy) -> None:  # type: ignore[no-untyped-def]
    """The whole path: login over HTTPS, then the socket over wss passes the app's
    same-origin check, which needs nginx's Host and X-Forwarded-Proto."""
    sitting = prepare_sitting(engine, 1)
    number, pin = sitting.candidates[0]
    with https(proxy) as session:
        login = session.post(f"{proxy.url}/candidate/api/login", timeout=10, json={
            "number": number, "pin": pin, "session_pin": sitting.session_pin, "terminal": "T1"})
    assert login.status_code == 200, login.text
    states: list[Any] = []
    client = socketio.Client(reconnection=False, http_session=https(proxy))
    client.on("state", states.append, namespace="/candidate")
    client.connect(proxy.url, namespaces=["/candidate"], auth={"token": login.json()["token"]},
                   transports=["websocket"], wait_timeout=10)
    try:
        for _ in range(100):
            if states:
                break
            client.sleep(0.1)
        assert states and states[0]["status"] == "waiting"
    finally:
        client.disconnect()


def test_each_terminal_sticks_to_one_node_and_the_room_is_spread(proxy: Proxy) -> None:
    """hash on the full address: ip_hash would send this whole /24 to one node."""
    terminals = [f"127.0.0.{n}" for n in range(10, 30)]
    for _ in range(3):
        for address in terminals:
            assert get_from(proxy, address, "/healthz?sticky") == 200
    served = proxy.upstreams("/healthz?sticky")
    assert sorted(served) == sorted(terminals)
    assert all(len(set(nodes)) == 1 for nodes in served.values()), served
    assert {nodes[0] for nodes in served.values()} == {f"127.0.0.1:{n.port}" for n in proxy.nodes}


def test_a_dead_node_s_terminals_are_served_by_the_other(proxy: Proxy) -> None:
    assert get_from(proxy, "127.0.0.1", "/healthz?before") == 200
    [first] = proxy.upstreams("/healthz?before")["127.0.0.1"]
    proxy.node_at(first).kill()  # SIGKILL, as a crash or a pulled plug
    assert get_from(proxy, "127.0.0.1", "/healthz?after") == 200
    [after] = proxy.upstreams("/healthz?after")["127.0.0.1"]
    # nginx tried the dead node, then the live one ("dead, live"), or went straight there.
    assert after.split(", ")[-1] != first


def test_the_app_records_the_terminal_s_address_not_the_proxy_s(engine, proxy: Proxy) -> None:  # type: ignore[no-untyped-def]
    status = get_from(proxy, "127.0.0.9", "/candidate/api/login", "POST",
                      {"number": "NOPE", "pin": "000000", "session_pin": "000000", "terminal": "T9"})
    assert status in (401, 403, 404)
    with engine.db.session() as session:
        assert [r.ip for r in session.query(LoginRecord).filter_by(terminal="T9")] == ["127.0.0.9"]


def test_render_refuses_to_leave_a_placeholder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("render", DEPLOY / "nginx" / "render.py")
    assert spec is not None and spec.loader is not None
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    template = (DEPLOY / "nginx" / "exam-engine.conf").read_text(encoding="utf-8")
    text = render.render(template, server_name="exam.lan", nodes=["127.0.0.1:8001"], cert="/c", key="/k")
    assert "@" not in text.replace("@@", "") and "server 127.0.0.1:8001 " in text
    assert "return 301 https://$host$request_uri;" in text  # port 443: no suffix
    with pytest.raises(KeyError, match="NODE_COUNT"):
        render.render(template + "\n# @NODE_COUNT@\n", server_name="x", nodes=[], cert="/c", key="/k")
