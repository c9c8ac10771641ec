"""A private, throw-away PostgreSQL server for tests that must stop or restart one.

The shared server is never touched: this one lives in a temporary folder, listens on its own
port and is removed afterwards. initdb refuses to run as root, so as root the server runs as the
``postgres`` account (``runuser``).
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PREFERRED_PORTS = range(5439, 5446)


def find_bin_dir() -> Path | None:
    """Return the PostgreSQL server binaries folder (POSTGRES_BIN_DIR, initdb's on PATH, the newest installed)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    initdb = shutil.which("initdb")
    for extra in (initdb and Path(initdb).resolve().parent, os.environ.get("POSTGRES_BIN_DIR")):
        if extra:
            candidates.insert(0, str(extra))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def free_port(preferred=PREFERRED_PORTS) -> int:
    """Return a port nobody listens on, from ``preferred`` if one is free."""
    for port in preferred:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_server_binaries() -> Path:
    """Return the binaries folder; skip with the reason where there is none (fail where CI demands them)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = "needs the PostgreSQL server binaries (initdb, pg_ctl) to run a private server"
        if os.environ.get("ZONGZHI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"ZONGZHI_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    return bin_dir


class PrivatePostgreSQL:
    """One PostgreSQL cluster in a temporary folder: start, stop, restart, create databases."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="zongzhi-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *command, check=True) -> subprocess.CompletedProcess:
        full = [str(self.bin_dir / command[0]), *command[1:]]
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--", *full]
        result = subprocess.run(full, capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}\n{result.stderr}\n{self.log_tail()}")
        return result

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60", "restart"
        )

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def createdb(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"{self.url}/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)
