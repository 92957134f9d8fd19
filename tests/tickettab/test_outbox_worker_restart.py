"""The outbox worker across a PostgreSQL restart, against a real cluster of its own.

The test starts a private PostgreSQL cluster (initdb + pg_ctl, trust auth, a spare
port, a temporary directory), never the suite's own server. In it: the app's schema,
the Halo sandbox served by `manage.py runserver`, and `manage.py deliver_outbox` as
the worker. A note is delivered, PostgreSQL is stopped until the worker has failed
a pass, started again, and a second note is queued: the worker must still be alive,
say that it recovered, and both notes must reach the sandbox's ticket exactly once.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as the postgres user when
    we are root (initdb refuses root)."""

    bin: Path
    dir: Path
    port: int
    as_user: list[str] = field(default_factory=list)

    def pg(self, *args: str, timeout: float = 30) -> None:
        cmd = [*self.as_user, str(self.bin / args[0]), *args[1:]]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)  # noqa: S603

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")
        self.pg("pg_ctl", "-D", str(self.dir / "data"), "-o", opts, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def url(self, db: str = "outbox") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.url().replace("postgres://", "postgresql://")) as conn:
            return list(conn.execute(query, params).fetchall())


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    pg_bin = _pg_bin()
    if pg_bin is None or not (pg_bin / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    as_user: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="outbox-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser: initdb refuses root")
        as_user = [runuser, "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres", "postgres")
    c = Cluster(pg_bin, tmp, _spare_port(), as_user)
    try:
        c.pg("initdb", "-D", str(tmp / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        c.start()
        c.pg("createdb", "-h", "127.0.0.1", "-p", str(c.port), "-U", "postgres", "outbox")
        yield c
    finally:
        # Not running when initdb failed, or already stopped.
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            c.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)


class App:
    """manage.py against the private cluster: commands, the sandbox and the worker."""

    def __init__(self, db_url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "DEBUG": "1",  # runserver over plain http, no TLS redirect
            "HALO_SANDBOX": "1",
            "HALO_ALLOW_PRIVATE_ADDRESSES": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("CACHE_URL", None)  # each process its own cache: not the suite's Redis
        self.procs: list[subprocess.Popen] = []

    def run(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(  # noqa: S603
            [*MANAGE, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self.tmp / f"{name}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(  # noqa: S603
                [*MANAGE, *args], env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.procs.append(proc)
        return proc, log

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


SEED = """
from integrations import services
from integrations.sandbox import services as sandbox
from mspprocess.core.models import Tenant
sandbox.ensure_seeded()
sandbox.create_application("worker-test", "worker-test-secret", permissions=("all",))
tenant = Tenant.objects.create(name="Restart MSP", slug="restart-msp")
conn = services.connection_for(tenant)
services.save_credentials(conn, {{"resource_server": "{halo}", "client_id": "worker-test",
    "client_secret": "worker-test-secret"}}, by=None)
"""

# A verification whose note waits for the worker: the background send is switched off.
NOTE = """
from mspprocess.core.models import Tenant
from tests.tickettab.conftest import agent
from tickettab import outbox, verification
from tickettab.context import Contact
outbox.send_soon = lambda note_id: None
tenant = Tenant.objects.get(slug="restart-msp")
contact = Contact(halo_user_id=201, name="Jane Doe", first_name="Jane",
    email="jane.doe@example.com", mobile="+61 491 570 156")
v = verification.record_override(tenant, contact, 1001, agent(tenant.pk), "{reason}")
print(v.note.marker)
"""


@pytest.fixture
def app(cluster: Cluster) -> Iterator[App]:
    tmp = Path(tempfile.mkdtemp(prefix="outbox-app-"))
    a = App(cluster.url(), tmp)
    try:
        yield a
    finally:
        a.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_it_survives_a_postgresql_restart_and_posts_each_note_once(
    cluster: Cluster, app: App
) -> None:
    started = time.monotonic()
    app.run("migrate", "--noinput")
    web_port = _spare_port()
    web, web_log = app.start("web", "runserver", f"127.0.0.1:{web_port}", "--noreload")
    app.run("shell", "-c", SEED.format(halo=f"http://127.0.0.1:{web_port}/sandbox/halo"))
    _wait_for("the sandbox to answer", lambda: _answers(web_port), 20)

    def sent(marker: str) -> bool:
        try:
            rows = cluster.sql("SELECT status FROM tickettab_note WHERE marker = %s", marker)
        except psycopg.OperationalError:
            return False
        return rows == [("sent",)]

    worker, worker_log = app.start("worker", "deliver_outbox", "--interval", "0.3")
    first = app.run("shell", "-c", NOTE.format(reason="Before the restart")).split()[-1]
    _wait_for("the first note to be sent", lambda: sent(first), 20)

    cluster.stop("fast")
    _wait_for(
        "the worker to meet the stopped database",
        lambda: "database unavailable" in worker_log.read_text(),
        15,
    )
    time.sleep(1.5)  # a few failed passes, backing off
    cluster.start()
    _wait_for("the worker to recover", lambda: "recovered after" in worker_log.read_text(), 40)
    assert worker.poll() is None, worker_log.read_text()[-3000:]

    second = app.run("shell", "-c", NOTE.format(reason="After the restart")).split()[-1]
    _wait_for("the second note to be sent", lambda: sent(second), 20)
    assert worker.poll() is None, "the worker exited"
    assert web.poll() is None, web_log.read_text()[-3000:]

    (table,) = cluster.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE %s",
        "%sandboxaction",
    )[0]
    for marker in (first, second):
        query = f"SELECT count(*) FROM {table} WHERE note LIKE %s"  # noqa: S608
        (posted,) = cluster.sql(query, f"%{marker}%")[0]
        assert posted == 1, f"note {marker} posted {posted} times"

    log = worker_log.read_text()
    failures = [line for line in log.splitlines() if "database unavailable" in line]
    assert 1 <= len(failures) <= 20  # one line per failed pass, backing off
    assert log.count("recovered after") == 1
    # The heartbeat reached the database again once it was back.
    (outcome,) = cluster.sql("SELECT outcome FROM tickettab_workerheartbeat")[0]
    assert outcome.startswith(("ok", "running"))
    assert time.monotonic() - started < 60
