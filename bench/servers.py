"""The bench's environment, database and gunicorn processes.

Every process of a run (gunicorn app, gunicorn sandbox, this orchestrator) gets the
same production-like environment, so signed tab tokens and hashed tab keys made by
one are valid in the others.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "bench" / "results"  # ignored by git
VENV_BIN = Path(sys.executable).parent
DB_NAME = "bench"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
REDIS_URL = "redis://127.0.0.1:6379/2"
# Behind a TLS proxy in production; here the load generator sends the header itself.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_env(app_port: int) -> dict[str, str]:
    """Production-like settings (DEBUG off) pointed at the bench database and Redis db 2.

    Every variable settings.py reads is set explicitly: a developer's `.env` only
    fills what is unset, and must not leak DEBUG=true into the figures.
    """
    return {
        "DJANGO_SETTINGS_MODULE": "mspprocess.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEFAULT_FROM_EMAIL": "MSP Process <no-reply@mspprocess.example.com>",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "CACHE_URL": REDIS_URL,
        "HALO_SANDBOX": "true",
        "HALO_ALLOW_PRIVATE_ADDRESSES": "true",
        "SMS_BACKEND": "integrations.sandbox.devices.SandboxSmsBackend",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "PYTHONUNBUFFERED": "1",
    }


def reset_stores() -> None:
    """A fresh `bench` database and an empty Redis db 2: every run starts alike."""
    # PostgreSQL's own client tools, from the PATH, with fixed arguments.
    subprocess.run(["dropdb", *PG, "--if-exists", "--force", DB_NAME], check=True)  # noqa: S603, S607
    subprocess.run(["createdb", *PG, DB_NAME], check=True)  # noqa: S603, S607
    import redis  # the app's own dependency

    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ | env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )


@dataclass
class Server:
    """One gunicorn master and its workers, in a process group of their own."""

    name: str
    port: int
    args: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_s: float = 60) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / f"{self.name}.log", "w")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, our arguments
            # No control socket: gunicorn's default path is shared by every master
            # on the machine, and the bench must not take it from anyone.
            [
                str(VENV_BIN / "gunicorn"),
                *self.args,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=os.environ | self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() kills them all
        )
        log.close()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {LOG_DIR / self.name}.log")
            if self._healthy() and len(self.worker_pids()) >= self.expected_workers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz in {wait_s:.0f} s")

    def expected_workers(self) -> int:
        return int(self.args[self.args.index("--workers") + 1])

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as reply:  # noqa: S310
                return reply.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        stop_group(self.proc)

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return children_of(self.proc.pid)

    def all_pids(self) -> list[int]:
        return [self.proc.pid, *self.worker_pids()] if self.proc else []


def stop_group(proc: subprocess.Popen | None) -> None:
    """SIGTERM the process group `proc` leads (start_new_session made it a leader),
    then SIGKILL what is left: only the processes this bench started."""
    if proc is None or proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class OutboxWorker:
    """`manage.py deliver_outbox`, as production runs it next to the web app: a note
    the budget held back is posted by it once there is room, inside the figures."""

    env: dict[str, str]
    interval_s: float = 5.0
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / "outbox.log", "a")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "manage.py", "deliver_outbox", "--interval", str(self.interval_s)],
            cwd=ROOT,
            env=os.environ | self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def stop(self) -> None:
        stop_group(self.proc)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return sorted(found)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def app_server(env: dict[str, str], port: int, workers: int, threads: int) -> Server:
    """The app as production runs it (docs/operations.md): gthread workers, one per
    core, several threads each, so a request waiting on Halo does not hold a core."""
    args = ["mspprocess.wsgi:application", "--workers", str(workers)]
    args += ["--worker-class", "gthread", "--threads", str(threads), "--timeout", "60"]
    return Server("app", port, args, env)


def sync_app_server(env: dict[str, str], port: int, workers: int) -> Server:
    """The app with gunicorn's default sync workers, one request at a time per
    process: kept as the comparison row of the worker-model figure."""
    args = ["mspprocess.wsgi:application", "--workers", str(workers), "--timeout", "60"]
    return Server("app-sync", port, args, env)


def sandbox_server(
    env: dict[str, str], port: int, workers: int, threads: int, name: str = "sandbox"
) -> Server:
    """The Halo stand-in. Threaded, so its injected latency is latency, not a queue.
    `name` names its log: the slow neighbour's second Halo has a log of its own."""
    args = ["bench.sandbox_wsgi:application", "--workers", str(workers)]
    args += ["--worker-class", "gthread", "--threads", str(threads), "--timeout", "60"]
    return Server(name, port, args, env)
