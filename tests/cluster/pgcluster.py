"""Throwaway PostgreSQL servers for the replica tests: a primary made by ``initdb`` and a
streaming replica made from it by ``pg_basebackup``, each in a temporary directory with its
own port and Unix socket, run as the ``postgres`` user and removed afterwards.

The machine's own server is left alone (its ``pg_hba.conf`` has no replication entry, and a
test has no business changing it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.conftest import need
from tests.web.conftest import free_port


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_major)
    return found[-1].parent if found else None


def _major(path: Path) -> int:
    part = path.parts[-3]
    return int(part) if part.isdigit() else 0


def _as_postgres(*args: str, timeout: float = 120) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=timeout
    )


@dataclass
class Server:
    """One PostgreSQL server in ``data`` listening on ``socket``/``port`` only."""

    bin: Path
    data: Path
    socket: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket} port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.socket}&port={self.port}"

    def configure(self, extra: str = "") -> None:
        conf = (
            f"port = {self.port}\nlisten_addresses = ''\n"
            f"unix_socket_directories = '{self.socket}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
            "fsync = off\nshared_buffers = 16MB\n" + extra
        )
        (self.data / "postgresql.conf").write_text(conf)
        (self.data / "pg_hba.conf").write_text("local all all trust\nlocal replication all trust\n")
        shutil.chown(self.data / "postgresql.conf", "postgres", "postgres")
        shutil.chown(self.data / "pg_hba.conf", "postgres", "postgres")

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["runuser", "-u", "postgres", "--", str(self.bin / "postgres"), "-D", str(self.data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL in {self.data} did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
            self.proc.wait(timeout=60)
        self.proc = None


class Pair:
    """A primary and one streaming replica of it; ``close`` stops both and removes them."""

    def __init__(self) -> None:
        bin_dir = server_bin()
        need(os.geteuid() == 0, "the replica test runs PostgreSQL servers as the postgres user")
        need(bin_dir is not None, "no PostgreSQL server is installed (/usr/lib/postgresql)")
        need(shutil.which("runuser") is not None, "runuser (util-linux) is not installed")
        assert bin_dir is not None
        self.root = Path(tempfile.mkdtemp(prefix="alphanode-pg-", dir="/tmp"))
        shutil.chown(self.root, "postgres", "postgres")
        socket = self.root / "sock"
        socket.mkdir()
        shutil.chown(socket, "postgres", "postgres")
        self.primary = Server(bin_dir, self.root / "primary", socket, free_port())
        self.replica = Server(bin_dir, self.root / "replica", socket, free_port())

    def open(self) -> None:
        p = self.primary
        _as_postgres(str(p.bin / "initdb"), "-D", str(p.data), "-U", "postgres", "--auth=trust")
        p.configure()
        p.start()
        r = self.replica
        _as_postgres(
            str(r.bin / "pg_basebackup"),
            "-h", str(p.socket), "-p", str(p.port), "-U", "postgres",
            "-D", str(r.data), "-X", "stream", "-R", "-c", "fast",
        )  # fmt: skip
        r.configure(f"primary_conninfo = '{p.conninfo()}'\n")
        (r.data / "standby.signal").touch()
        r.start()

    def close(self) -> None:
        for server in (self.replica, self.primary):
            try:
                server.stop()
            except (subprocess.SubprocessError, OSError):
                if server.proc is not None:
                    server.proc.kill()
        shutil.rmtree(self.root, ignore_errors=True)
