"""A real nginx, rendered from deploy/nginx/exam-engine.conf, in front of two real nodes.

Everything nginx writes (pid, logs, temp files) stays in tmp_path: nginx runs with `-p`
(prefix), `-c` (a small main config that includes the rendered site file) and `-e` (the
error log, which nginx opens before it reads any config)."""
from __future__ import annotations

import datetime
import gc
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from exam_engine.node import ServerProcess, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RENDER = DEPLOY / "nginx" / "render.py"
NGINX_HINT = ("nginx is not installed: `apt-get install -y nginx-light` (scripts/test installs it); "
              "this test is not skipped, since a skipped deploy test looks like a passing one")


def nginx_binary() -> str:
    """nginx lives in /usr/sbin, which is not on every user's PATH."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        pytest.fail(NGINX_HINT, pytrace=False)
    return found


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost that is its own CA, as a LAN CA's would be
    trusted by the terminals; the clients verify against it rather than skip verification."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "exam-engine test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "exam-engine.crt", folder / "exam-engine.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def main_config(prefix: Path, site: Path) -> str:
    """What /etc/nginx/nginx.conf provides on a server, pointed into PREFIX."""
    # As root the workers would switch to `nobody`, which cannot enter pytest's 0700 folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {prefix / 'temp' / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} info;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n{temp}    include {site};\n}}\n")


@dataclass
class Proxy:
    prefix: Path
    cert: Path
    http_port: int
    https_port: int
    nodes: list[ServerProcess]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def upstreams(self, path: str, timeout: float = 5.0) -> dict[str, list[str]]:
        """Client address -> the `$upstream_addr` of each logged request for PATH. nginx logs a
        request after answering it, so a line may lag the response: wait for one."""
        deadline = time.monotonic() + timeout
        while True:
            served: dict[str, list[str]] = {}
            for line in self.access_log.read_text(encoding="utf-8").splitlines():
                if f" {path}" in line:
                    served.setdefault(line.split(" ", 1)[0], []).append(
                        line.split(" upstream=", 1)[1].split(" urt=")[0])
            if served or time.monotonic() > deadline:
                return served
            time.sleep(0.05)

    def node_at(self, address: str) -> ServerProcess:
        return next(n for n in self.nodes if f"127.0.0.1:{n.port}" == address)


def run_nginx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nginx_binary(), *args], check=False, capture_output=True, text=True, timeout=30)


def wait_listening(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nginx not listening on {port} after {timeout} s")


@pytest.fixture(autouse=True)
def collect_client_sockets() -> Iterator[None]:
    """Refused python-socketio clients leave their sockets to the garbage collector; collect
    them here so the ResourceWarning does not surface in the next test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def nodes(engine) -> Iterator[list[ServerProcess]]:  # type: ignore[no-untyped-def]
    """Two single-worker nodes on one SQLite instance: enough to show nginx spreading and
    failing over (several nodes in production share PostgreSQL and Redis instead)."""
    started = [ServerProcess(engine.settings.instance_path, env={"EXAM_ENGINE_PROXY_HOPS": "1"}) for _ in range(2)]
    # Side by side: each start and stop waits on gunicorn for a second or two.
    with ThreadPoolExecutor(len(started)) as pool:
        try:
            list(pool.map(ServerProcess.start, started))
            yield started
        finally:
            list(pool.map(ServerProcess.stop, started))


@pytest.fixture
def proxy(tmp_path: Path, nodes: list[ServerProcess]) -> Iterator[Proxy]:
    prefix = tmp_path / "nginx"
    (prefix / "temp").mkdir(parents=True)
    cert, key = self_signed(prefix)
    proxy = Proxy(prefix, cert, free_port(), free_port(), nodes)
    rendered = subprocess.run(
        [sys.executable, str(RENDER), "--server-name", "localhost", "--cert", str(cert), "--key", str(key),
         "--http-listen", f"127.0.0.1:{proxy.http_port}", "--https-listen", f"127.0.0.1:{proxy.https_port}",
         "--access-log", str(proxy.access_log), *[a for n in nodes for a in ("--node", f"127.0.0.1:{n.port}")]],
        capture_output=True, text=True, check=True, timeout=30)
    site = prefix / "exam-engine.conf"
    site.write_text(rendered.stdout, encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, site), encoding="utf-8")
    args = ("-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"))
    checked = run_nginx("-t", *args)
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr  # e.g. a directive deprecated or ignored
    proxy.process = subprocess.Popen([nginx_binary(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(proxy.https_port, proxy.process, prefix / "error.log")
        yield proxy
    finally:
        proxy.process.terminate()  # SIGTERM: nginx's fast shutdown of master and workers
        proxy.process.wait(timeout=10)
