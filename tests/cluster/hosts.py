"""Several ``alphanode serve`` hosts on one PostgreSQL, each in its own network namespace.

Shared by the cluster tests (``tests/cluster/conftest.py``) and the cluster benchmark
(``bench/cluster.py``), so this module imports neither pytest nor the test helpers.

Each host is a real ``alphanode serve`` process in a network namespace of its own (``ip
netns`` and a veth pair on a bridge this module makes), with its own address; callers talk
to it over that address, as a load balancer would. PostgreSQL is reached over its Unix
socket, which every namespace shares (sockets live in the file system, not the network), so
the machine's server, which listens on 127.0.0.1 only, serves every host unchanged. Where
namespaces cannot be made (not root, no ``ip``), the hosts listen on loopback ports instead:
the same processes and the same database, one address.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

SOCKET_DIR = "/var/run/postgresql"
PORT = 8000
# Short intervals so the documented delays are seconds, not minutes.
HOST_ENV = {
    "ALPHANODE_SITE_URL": "http://cluster.test",
    "ALPHANODE_PAGE_CACHE_CHECK_SECONDS": "1",
    "ALPHANODE_VIEWS_FLUSH_SECONDS": "1",
    "ALPHANODE_LOG_FORMAT": "json",
}


class HostError(RuntimeError):
    """A host did not come up (its process ended, or it did not answer in time)."""


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def sweep_leftovers() -> None:
    """Remove the namespaces and bridge of an earlier run that was killed before its
    teardown (their names carry the pid of the process that made them, which is gone)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    pids = set()
    for line in listed.stdout.splitlines():
        name = line.split(" ")[0]
        found = re.fullmatch(r"an(\d+)h\d+", name)
        if found and not Path(f"/proc/{found.group(1)}").exists():
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
            pids.add(found.group(1))
    for pid in pids:
        subprocess.run(["ip", "link", "del", f"anbr{pid}"], capture_output=True, timeout=30)


@dataclass
class Network:
    """A bridge in this namespace and ``count`` namespaces wired to it, removed on close."""

    count: int
    tag: str = field(default_factory=lambda: str(os.getpid()))
    names: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"anbr{self.tag}"

    def subnet(self) -> str:
        n = int(self.tag)
        return f"10.{200 + n % 50}.{n // 50 % 250}"

    def open(self) -> None:
        sweep_leftovers()
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
    """One ``alphanode serve`` process: where it listens and how to reach it.

    Its stdout goes to ``log`` and its stderr (the server's log lines, access log included)
    to ``log`` with the suffix ``.err``, appended across restarts."""

    name: str
    base: str
    command: list[str]
    env: dict[str, str]
    log: Path
    netns: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    launched: float = 0.0  # time.monotonic() of the last launch
    ready_s: float | None = None  # seconds from the last launch until it was serving

    @property
    def err(self) -> Path:
        return self.log.with_suffix(".err")

    def cli(self, *args: str) -> subprocess.Popen[str]:
        """``alphanode ARGS`` started on this host (in its namespace, with its settings)."""
        command = [sys.executable, "-m", "alphanode", *args]
        if self.netns is not None:
            command = ["ip", "netns", "exec", self.netns, *command]
        return subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def launch(self) -> None:
        """Start the process without waiting for it to serve."""
        with self.log.open("ab") as out, self.err.open("ab") as err:
            self.proc = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=err)
        self.launched = time.monotonic()
        self.ready_s = None

    def wait_serving(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        """Return once ``path`` answers 200; HostError (with the log's tail) if the process
        ends first or ``timeout`` passes."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise HostError(
                    f"{self.name} exited with {self.proc.returncode} before {path} answered\n"
                    + self.tail()
                )
            try:
                if httpx.get(self.base + path, timeout=1).status_code == 200:
                    self.ready_s = time.monotonic() - self.launched
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait(timeout=30)
                raise HostError(
                    f"{self.base}{path} did not answer 200 in {timeout} s\n" + self.tail()
                )
            time.sleep(0.1)

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_serving(timeout=timeout)

    def tail(self, lines: int = 20) -> str:
        if not self.err.exists():
            return ""
        return "\n".join(self.err.read_text("utf-8", "replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process to end; its exit code."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self.proc = None
        return code


def socket_url(url: str) -> str:
    """The same database over the server's Unix socket (reachable from every namespace)."""
    parsed = make_url(url)
    return parsed.set(host="", port=None, query={"host": SOCKET_DIR}).render_as_string(
        hide_password=False
    )


def own_index(host_dir: Path) -> dict[str, str]:
    """The settings of a host that keeps its own tantivy index (in ``host_dir``), following
    the search change log."""
    return {"ALPHANODE_SEARCH_BACKEND": "tantivy", "ALPHANODE_SEARCH_INDEX_PATH": str(host_dir)}


@contextmanager
def running_hosts(
    count: int,
    url: str,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    index_dir: Path | None = None,
    timeout: float = 60.0,
) -> Iterator[tuple[list[Host], bool]]:
    """``count`` started hosts serving database ``url`` and whether each has its own network
    namespace (False: loopback ports); every host is stopped and the namespaces removed
    after. ``env`` adds settings to HOST_ENV; ``index_dir`` gives each host its own tantivy
    index (``index_dir/hostN.search``, kept across runs given the same directory);
    ``timeout``: how long each may take to become ready (a new index is built first)."""
    reason = namespaces_unavailable()
    network = Network(count) if reason is None else None
    hosts: list[Host] = []
    try:
        if network is not None:
            network.open()
        for i in range(count):
            host_env = {**os.environ, **HOST_ENV, **(env or {})}
            if index_dir is not None:
                host_env.update(own_index(index_dir / f"host{i + 1}.search"))
            serve = [sys.executable, "-m", "alphanode", "serve"]
            if network is not None:
                address, port = network.addresses[i], PORT
                host_env["ALPHANODE_DATABASE_URL"] = socket_url(url)
                command = ["ip", "netns", "exec", network.names[i], *serve]
            else:
                address, port = "127.0.0.1", free_port()
                host_env["ALPHANODE_DATABASE_URL"] = url
                command = serve
            command += ["--host", address, "--port", str(port)]
            host = Host(
                f"host{i + 1}",
                f"http://{address}:{port}",
                command,
                host_env,
                log_dir / f"host{i + 1}.log",
                network.names[i] if network is not None else None,
            )
            hosts.append(host)
            host.launch()  # all at once: each builds its own index (if any) meanwhile
        for host in hosts:
            host.wait_serving(timeout=timeout)
        yield hosts, network is not None
    finally:
        for host in hosts:
            if host.proc is not None and host.proc.poll() is None:
                host.stop()
        if network is not None:
            network.close()
