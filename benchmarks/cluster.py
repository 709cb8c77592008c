"""A throwaway local PostgreSQL cluster for the benchmarks, kept between runs.

One copy of what benchmarks/tpch/run.py and benchmarks/saas/run.py each had: initdb on first
use (trust auth, C locale, the given server settings), started with pg_ctl on a free port of
127.0.0.1 (the last port reused when free), or found already running; run as the postgres
user when we are root. Standard library only.

    cluster = LocalCluster(workdir / "pg", data=workdir / "pg" / "data", settings=SERVER_SETTINGS)
    dsn = cluster.start()   # host=127.0.0.1 port=N user=postgres dbname=postgres
    ...
    cluster.stop()          # the data directory stays for the next run
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

# Memory, durability and WAL only: the planner's cost settings (work_mem, random_page_cost,
# effective_cache_size, parallelism, jit) stay at their defaults, so costs compare with other
# PostgreSQL measurements.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class LocalCluster:
    """A cluster whose data directory is `data` (default <root>/data), its log and port file in `root`."""

    def __init__(self, root: Path, data: Path | None = None, settings: Mapping[str, str] = SERVER_SETTINGS,
                 log: Callable[[str], None] = _log) -> None:
        self.root = root
        self.data = data if data is not None else root / "data"
        self.log = root / "server.log"
        self.settings = dict(settings)
        self._say = log
        self.bindir = find_bindir()
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        self.port: int | None = None

    def _pg(self, tool: str, *args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
        cmd = self.prefix + [os.path.join(self.bindir, tool), *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            tail = _tail(self.log)
            raise SystemExit(f"{tool} {' '.join(args)} failed: {(res.stderr or res.stdout).strip()}"
                             + (f" | server log: {tail}" if tail else ""))
        return res

    def start(self) -> str:
        """Start (initdb first when needed) or find the running server; its DSN."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._say(f"cluster: initdb {self.data}")
            self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync")
            conf = dict(self.settings, listen_addresses="127.0.0.1", unix_socket_directories=str(self.root))
            auto = self.data / "postgresql.auto.conf"
            with open(auto, "a") as f:
                f.writelines(f"{k} = '{v}'\n" for k, v in conf.items())
            if self.as_root:
                shutil.chown(auto, "postgres", "postgres")
        if self._pg("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0:
            self.port = int((self.data / "postmaster.pid").read_text().splitlines()[3])
            self._say(f"cluster: already running on port {self.port}")
        else:
            port_file = self.root / "port"
            last = int(port_file.read_text()) if port_file.exists() else None
            for attempt in range(3):  # the free port can be taken before the server binds it
                port = last if attempt == 0 and last and _port_free(last) else _free_port()
                res = self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120",
                               "-o", f"-p {port}", "start", check=False, timeout=180)
                if res.returncode == 0:
                    self.port = port
                    port_file.write_text(str(port))
                    break
            else:
                raise SystemExit(f"pg_ctl start failed: {_tail(self.log)}")
            self._say(f"cluster: started {self.data} on port {self.port} (log {self.log})")
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "stop", "-m", "fast", "-w", check=False)
        self._say(f"cluster: stopped ({self.data} kept for the next run)")

    def stop_command(self) -> str:
        return " ".join(self.prefix + [f"{self.bindir}/pg_ctl", "-D", str(self.data), "stop"])


def server(dsn: str | None, make: Callable[[], LocalCluster]) -> tuple[str, LocalCluster | None]:
    """The server a benchmark runs on: `dsn` when given, else the local cluster `make` builds,
    started; with the cluster to stop afterwards (None for a given DSN)."""
    if dsn:
        return dsn, None
    cluster = make()
    return cluster.start(), cluster


def find_bindir() -> str:
    """The newest PostgreSQL's bin directory with initdb and pg_ctl."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    usable = [d for d in candidates if d and os.path.isfile(os.path.join(d, "initdb"))
              and os.path.isfile(os.path.join(d, "pg_ctl"))]
    if not usable:
        raise SystemExit("no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin); or pass --dsn")

    def version(d: str) -> tuple[int, ...]:
        m = re.search(r"(\d+)(?:\.(\d+))?", subprocess.run([os.path.join(d, "pg_ctl"), "--version"],
                                                           capture_output=True, text=True).stdout)
        return tuple(int(g) for g in m.groups() if g) if m else (0,)

    return max(usable, key=version)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""
