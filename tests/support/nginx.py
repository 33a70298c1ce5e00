"""deploy/nginx.conf run by a real nginx on loopback, in front of hub processes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port

PROXY_CONF = Path(__file__).parents[2] / "deploy" / "nginx.conf"
SERVER_LINE = re.compile(r"^(\s*)server\s+hub:8000\s+(.*?)\s*;\s*$", re.MULTILINE)
LISTEN_LINE = re.compile(r"^(\s*)listen\s+80\s*;\s*$", re.MULTILINE)


def nginx_binary() -> str | None:
    """nginx from PATH or the sbin directories distributions install it in."""
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")


def render(conf: str, hubs: list[str], port: int) -> str:
    """The production file with its one ``server hub:8000 … resolve`` line turned into a line
    per hub address (same parameters, no DNS) and its ``listen 80`` into ``port`` on
    loopback; everything else is exactly as deployed."""
    servers = SERVER_LINE.findall(conf)
    assert len(servers) == 1, "deploy/nginx.conf should name the hub service in one server line"
    indent, parameters = servers[0]
    kept = " ".join(word for word in parameters.split() if word != "resolve")
    lines = "\n".join(f"{indent}server {hub} {kept};" for hub in hubs)
    conf = SERVER_LINE.sub(lambda _: lines, conf)
    conf, listens = LISTEN_LINE.subn(rf"\g<1>listen 127.0.0.1:{port};", conf)
    assert listens == 1, "deploy/nginx.conf should listen on port 80 once"
    return conf


def main_conf(work: Path, included: Path) -> str:
    """What the nginx image's own nginx.conf provides around conf.d, for an unprivileged
    nginx in the foreground with its files in ``work``."""
    temp = "\n".join(
        f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return (
        f"daemon off;\nmaster_process on;\nworker_processes 1;\npid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} notice;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}\n    uwsgi_temp_path {work / 'uwsgi'};\n"
        f"    scgi_temp_path {work / 'scgi'};\n    include {included};\n}}\n"
    )


@dataclass
class Proxy:
    """A running nginx: its address and its access log (one JSON object a line)."""

    url: str
    access_log: Path


@contextmanager
def nginx_proxy(binary: str, hubs: list[str], work: Path) -> Iterator[Proxy]:
    """deploy/nginx.conf in front of ``hubs`` (host:port each) until the block ends."""
    port = free_port()
    conf = work / "kotahub.conf"
    conf.write_text(render(PROXY_CONF.read_text(), hubs, port))
    main = work / "nginx.conf"
    main.write_text(main_conf(work, conf))
    command = [binary, "-p", str(work), "-c", str(main), "-e", str(work / "error.log")]
    if os.geteuid() == 0:  # workers would switch to "nobody", who cannot use the temp paths
        command += ["-g", "user root;"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    access_log = work / "access.log"
    with access_log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    proxy = Proxy(f"http://127.0.0.1:{port}", access_log)
    try:
        _wait_listening(proxy.url, process)
        yield proxy
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_listening(url: str, process: subprocess.Popen[bytes], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, "nginx stopped at start-up"
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"nginx did not listen at {url}"
            time.sleep(0.05)
