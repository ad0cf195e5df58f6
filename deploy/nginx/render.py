#!/usr/bin/env python3
"""Fill in deploy/nginx/exam-engine.conf's @NAME@ placeholders and print the site file.

Standard library only, so it runs with the system python3 on the proxy machine:

    python3 deploy/nginx/render.py --server-name exam.lan --node 127.0.0.1:8001 \
        --node 127.0.0.1:8002 > /etc/nginx/sites-available/exam-engine.conf

Exits 2 naming any placeholder left unfilled, rather than print a config nginx would reject
with a less helpful message (or, worse, accept)."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "exam-engine.conf"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def port_of(listen: str) -> int:
    """The port of an nginx `listen` value: `443`, `10.0.0.5:443`, `[::]:443`."""
    return int(listen.rsplit(":", 1)[-1]) if ":" in listen else int(listen)


def render(template: str, *, server_name: str, nodes: list[str], cert: str, key: str, http_listen: str = "80",
           https_listen: str = "443", access_log: str = "/var/log/nginx/exam-engine.access.log") -> str:
    https_port = port_of(https_listen)
    values = {
        "SERVER_NAME": server_name,
        "HTTP_LISTEN": http_listen,
        "HTTPS_LISTEN": https_listen,
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "TLS_CERT": cert,
        "TLS_KEY": key,
        "UPSTREAM_SERVERS": "\n".join(f"    server {node} max_fails=1 fail_timeout=10s;" for node in nodes),
        "ACCESS_LOG": access_log,
    }
    # The header comment (up to the first blank line) documents the placeholders themselves.
    body = template.split("\n\n", 1)[1]
    missing = sorted({name for name in PLACEHOLDER.findall(body) if name not in values})
    if missing:
        raise KeyError(f"no value for placeholder(s): {', '.join(missing)}")
    return "# Rendered from deploy/nginx/exam-engine.conf by render.py; edit the template.\n" + \
        PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-name", default="exam.lan", help="name(s) in the certificate (default exam.lan)")
    parser.add_argument("--node", action="append", dest="nodes", metavar="HOST:PORT",
                        help="an exam-engine node; repeat per node (default 127.0.0.1:8001)")
    parser.add_argument("--cert", default="/etc/exam-engine/tls/exam-engine.crt", help="certificate chain (PEM)")
    parser.add_argument("--key", default="/etc/exam-engine/tls/exam-engine.key", help="private key (PEM)")
    parser.add_argument("--http-listen", default="80", help="nginx listen value for HTTP (redirect only)")
    parser.add_argument("--https-listen", default="443", help="nginx listen value for HTTPS")
    parser.add_argument("--access-log", default="/var/log/nginx/exam-engine.access.log")
    args = parser.parse_args(argv)
    try:
        text = render(TEMPLATE.read_text(encoding="utf-8"), server_name=args.server_name,
                      nodes=args.nodes or ["127.0.0.1:8001"], cert=args.cert, key=args.key,
                      http_listen=args.http_listen, https_listen=args.https_listen, access_log=args.access_log)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
