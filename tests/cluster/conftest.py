"""Several ``alphanode serve`` hosts on one PostgreSQL, each in its own network namespace.

Each host is a real ``alphanode serve`` process in a network namespace of its own (``ip
netns`` and a veth pair on a bridge the fixture makes), with its own address; the test talks
to it over that address, as a load balancer would. PostgreSQL is reached over its Unix
socket, which every namespace shares (sockets live in the file system, not the network), so
the machine's server, which listens on 127.0.0.1 only, serves every host unchanged. Where
namespaces cannot be made (not root, no ``ip``), the hosts listen on loopback ports instead:
the same processes and the same database, one address. PostgreSQL missing skips locally
and fails under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url

from alphanode.services import accounts
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from tests.conftest import make_site, postgres_database
from tests.helpers import wait_until_serving
from tests.web.conftest import free_port

SOCKET_DIR = "/var/run/postgresql"
PORT = 8000
PASSWORD = "correct horse battery staple"
# Short intervals so the documented delays are seconds, not minutes.
HOST_ENV = {
    "ALPHANODE_SITE_URL": "http://cluster.test",
    "ALPHANODE_PAGE_CACHE_CHECK_SECONDS": "1",
    "ALPHANODE_VIEWS_FLUSH_SECONDS": "1",
    "ALPHANODE_LOG_FORMAT": "json",
}


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def namespaces_unavailable() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_NET_ADMIN"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    probe = f"anprobe{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"ip netns add failed: {exc}"
    _run("ip", "netns", "del", probe)
    return None


@dataclass
class Network:
    """A bridge in this namespace and ``count`` namespaces wired to it, removed on close."""

    count: int
    tag: str = field(default_factory=lambda: f"{os.getpid() % 100000}")
    names: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"anbr{self.tag}"

    def subnet(self) -> str:
        n = int(self.tag)
        return f"10.{200 + n % 50}.{n // 50 % 250}"

    def open(self) -> None:
        net = self.subnet()
        _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("ip", "addr", "add", f"{net}.1/24", "dev", self.bridge)
        _run("ip", "link", "set", self.bridge, "up")
        for i in range(1, self.count + 1):
            ns, outer, inner = f"an{self.tag}h{i}", f"av{self.tag}h{i}", f"av{self.tag}n{i}"
            _run("ip", "netns", "add", ns)
            self.names.append(ns)
            _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            _run("ip", "link", "set", inner, "netns", ns)
            _run("ip", "link", "set", outer, "master", self.bridge, "up")
            _run("ip", "-n", ns, "addr", "add", f"{net}.{10 + i}/24", "dev", inner)
            _run("ip", "-n", ns, "link", "set", inner, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            self.addresses.append(f"{net}.{10 + i}")

    def close(self) -> None:
        for ns in self.names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)


@dataclass
class Host:
    """One ``alphanode serve`` process: where it listens and how to reach it."""

    name: str
    base: str
    command: list[str]
    env: dict[str, str]
    log: Path
    netns: str | None = None
    proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> subprocess.Popen[str]:
        """``alphanode ARGS`` started on this host (in its namespace, with its settings)."""
        command = [sys.executable, "-m", "alphanode", *args]
        if self.netns is not None:
            command = ["ip", "netns", "exec", self.netns, *command]
        return subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.PIPE
            )
        wait_until_serving(self.base, self.proc, "/readyz", timeout=60)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process to end; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        if self.proc.stderr:
            (self.log.with_suffix(".err")).write_bytes(self.proc.stderr.read())
            self.proc.stderr.close()
        self.proc = None
        return code


@dataclass
class Cluster:
    """Hosts serving one PostgreSQL database; ``url`` is how the test itself reaches it."""

    url: str
    settings: Settings
    hosts: list[Host]
    isolated: bool
    tokens: dict[str, str]


def socket_url(url: str) -> str:
    """The same database over the server's Unix socket (reachable from every namespace)."""
    parsed = make_url(url)
    return parsed.set(host="", port=None, query={"host": SOCKET_DIR}).render_as_string(
        hide_password=False
    )


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_admin: Engine | None, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    """Three hosts on one fresh PostgreSQL database (``@pytest.mark.hosts(n)`` for n)."""
    marker = request.node.get_closest_marker("hosts")
    count = int(marker.args[0]) if marker else 3
    with postgres_database(postgres_admin) as url:
        settings = Settings.load(env={}, database_url=url)
        engine = open_database(settings)
        site = make_site(settings, engine)
        accounts.add_user(site, "rita", "reviewer", PASSWORD)
        tokens = {
            "import": accounts.create_token(engine, "importer", ["import"]),
            "review": accounts.create_token(engine, "reviewbot", ["review"]),
        }
        engine.dispose()
        reason = namespaces_unavailable()
        network = Network(count) if reason is None else None
        if network is not None:
            network.open()
        hosts: list[Host] = []
        try:
            for i in range(count):
                env = {**os.environ, **HOST_ENV}
                serve = [sys.executable, "-m", "alphanode", "serve"]
                if network is not None:
                    address, port = network.addresses[i], PORT
                    env["ALPHANODE_DATABASE_URL"] = socket_url(url)
                    command = ["ip", "netns", "exec", network.names[i], *serve]
                else:
                    address, port = "127.0.0.1", free_port()
                    env["ALPHANODE_DATABASE_URL"] = url
                    command = serve
                command += ["--host", address, "--port", str(port)]
                host = Host(
                    f"host{i + 1}",
                    f"http://{address}:{port}",
                    command,
                    env,
                    tmp_path / f"host{i + 1}.log",
                    network.names[i] if network is not None else None,
                )
                host.start()
                hosts.append(host)
            yield Cluster(url, settings, hosts, network is not None, tokens)
        finally:
            for host in hosts:
                if host.proc is not None and host.proc.poll() is None:
                    host.stop()
            if network is not None:
                network.close()
