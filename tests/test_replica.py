"""Read replicas against a real PostgreSQL streaming replica: the test makes a throwaway primary
(initdb) and a replica of it (pg_basebackup -R, streaming) on free ports under a temporary
directory, as the `postgres` user, migrates the primary, and drives the project in a child
process configured with DATABASE_URL and FUGONG_REPLICA_URL:

- a list/statistics page's reads go to the replica, and the replica really is one (it refuses
  writes, it has the rows written on the primary by streaming);
- a client that just wrote reads from the primary (read-your-writes), and so does the rest of
  a request after its first write;
- the worker (roll-forward outside a request) never reads from the replica;
- with the replica stopped the page still answers, from the primary, and /healthz says so.

Skipped, with the reason, without PostgreSQL 15's server binaries or a way to run them as
`postgres`.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fugong.core.replicas import COOKIE, ReplicaRouter, replica_reads, replica_status
from fugong.registry.models import Enterprise

pytestmark = pytest.mark.slow

BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parent.parent
NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "postgres", "createdb")


def _why_not() -> str:
    missing = [b for b in NEEDED if not (BIN / b).exists()]
    if missing:
        return f"PostgreSQL 15 server binaries missing in {BIN}: {', '.join(missing)}"
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        return "the throwaway clusters run as `postgres`: needs root (runuser) or that user"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is missing (util-linux)"
    return ""


needs_postgres = pytest.mark.skipif(bool(_why_not()), reason=_why_not() or "ready")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *cmd], check=check, capture_output=True, text=True, timeout=180)


class Clusters:
    """A primary and its streaming replica, started; `stop_replica()` and `close()`."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fugong-replica-"))
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.primary, self.replica = self.dir / "primary", self.dir / "replica"
        self.ports = {"primary": free_port(), "replica": free_port()}
        self.started: list[Path] = []

    def _conf(self, data: Path, port: int) -> list[str]:
        return [
            "-o",
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off",
        ]

    def start(self, data: Path, port: int) -> None:
        log = self.dir / f"{data.name}.log"
        as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120",
                    *self._conf(data, port), "start")  # fmt: skip
        self.started.append(data)

    def make(self) -> None:
        as_postgres(str(BIN / "initdb"), "-D", str(self.primary), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        with open(self.primary / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        with open(self.primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.start(self.primary, self.ports["primary"])
        as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]),
                    "-U", "postgres", "fugong")  # fmt: skip
        as_postgres(str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p",
                    str(self.ports["primary"]), "-U", "postgres", "-D", str(self.replica),
                    "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        self.start(self.replica, self.ports["replica"])

    def url(self, which: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[which]}/fugong"

    def stop(self, data: Path) -> None:
        as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop",
                    check=False)  # fmt: skip

    def close(self) -> None:
        for data in reversed(self.started):
            self.stop(data)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def clusters():
    made = Clusters()
    try:
        made.make()
        yield made
    finally:
        made.close()


def child_env(clusters: Clusters, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "FUGONG_"))}
    env.update(
        DATABASE_URL=clusters.url("primary"),
        FUGONG_REPLICA_URL=clusters.url("replica"),
        DJANGO_SETTINGS_MODULE="fugong.settings",
        FUGONG_REPLICA_CHECK_SECONDS="0",
        FUGONG_READ_YOUR_WRITES_SECONDS="3",
        FUGONG_HEALTH_NETWORKS="127.0.0.1/32",  # the test client's address sees the checks
        FUGONG_TEST_REPLICA_DIR=str(clusters.replica),
        FUGONG_TEST_PG_BIN=str(BIN),
        FUGONG_TEST_PG_DIR=str(clusters.dir),
        **extra,
    )
    return env


@needs_postgres
def test_it_reads_lists_from_a_real_streaming_replica_and_falls_back(clusters):
    env = child_env(clusters)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    probe = subprocess.run(
        [sys.executable, "-m", "tests.replica_probe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-5000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])

    # the replica is a replica: in recovery, refusing writes, fed by streaming
    assert seen["in_recovery"] is True
    assert "read-only" in seen["replica_write_error"]
    assert seen["streamed"] is True
    assert seen["status_text"] == "ok" and seen["healthz_up"] == "ok"

    # the enterprise list of a command-centre officer is read from the replica
    page = seen["list_on_replica"]
    assert page["status"] == 200 and page["names_shown"] is True
    assert page["replica_queries"] > 0, page
    assert page["primary_reads_after_auth"] == 0, page

    # a client that wrote reads from the primary until the window passes
    wrote = seen["after_a_write"]
    assert wrote["status"] == 200 and wrote["cookie_set"] is True
    assert wrote["next_page_replica_queries"] == 0, wrote
    assert wrote["after_the_window_replica_queries"] > 0, wrote

    # inside one request, the reads after its first write go to the primary
    assert seen["same_request"] == ["replica", "default", "default"]

    # the worker's roll-forward, outside any request, never touches the replica
    assert seen["worker_replica_queries"] == 0
    assert seen["worker_primary_queries"] > 0

    # the replica stopped: the page answers, from the primary, and the status says why
    down = seen["replica_down"]
    assert down["status_text"] == "down"
    assert down["healthz"] == "degraded: down, reads on the primary"
    assert down["status"] == 200 and down["names_shown"] is True
    assert down["replica_queries"] == 0


def test_without_a_replica_everything_reads_the_primary(cast, login):
    router = ReplicaRouter()
    assert replica_status() == "" and router.db_for_read(Enterprise) is None
    with replica_reads() as reads:
        assert reads.replica is False and router.db_for_read(Enterprise) is None
        assert router.db_for_write(Enterprise) == "default"
    c = login(cast.yanji)
    assert c.get("/enterprises/").status_code == 200
    response = c.post("/profile/", {"name": "集成"})  # a write: no cookie without a replica
    assert response.status_code == 200 and COOKIE not in response.cookies


@pytest.mark.parametrize("name", ["FUGONG_REPLICA_URL", "DATABASE_REPLICA_URL"])
def test_the_replica_setting_and_its_alias(name):
    env = {k: v for k, v in os.environ.items() if not k.endswith("REPLICA_URL")}
    env[name] = "postgres://u@replica-7:5432/fugong"
    env["DJANGO_SETTINGS_MODULE"] = "fugong.settings"
    code = "from django.conf import settings as s; print(s.DATABASES['replica']['HOST'])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "replica-7"
