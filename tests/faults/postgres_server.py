"""A PostgreSQL server of the fault tests' own, on its own port, that they stop and start.

The shared PostgreSQL (5432) is never touched: `initdb` makes a cluster in a temporary folder
owned by the postgres user, `pg_ctl` runs it on PORT with its socket in that folder, and one
database is migrated there (`manage.py migrate` in a subprocess) to serve as the template of
each test's own database. `use_database` points this process's Django connection at it, so
factories write there, and the worker and web processes get its URL.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.db import DatabaseError, connection

from .ports import port_for_this_worker

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = port_for_this_worker(int(os.environ.get("FAULTS_PG_PORT", "5491")))  # chosen for these tests: not 5432


def _port_or_free(port: int) -> int:
    """PORT, unless something already listens there (a run killed before its cleanup): then
    any free loopback port, so a leftover never makes these tests talk to the wrong server."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


def available() -> str | None:
    """Why these tests cannot run here, or None (in CI a missing piece fails instead)."""
    if connection.vendor != "postgresql":
        return "The database fault tests run with DATABASE_URL on Postgres (the worker shares the database)"
    if not (BIN / "initdb").exists():
        return f"No PostgreSQL binaries in {BIN}"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is needed to run PostgreSQL as the postgres user"
    return None


def skip_or_fail_unless_available() -> None:
    if (reason := available()) is not None:
        if os.environ.get("CI") and connection.vendor == "postgresql":
            pytest.fail(reason)
        pytest.skip(reason)


class PostgresServer:
    def __init__(self, port: int = PORT):
        self.port = _port_or_free(port)
        self.root = Path(tempfile.mkdtemp(prefix="cop-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o755)

    def init(self) -> "PostgresServer":
        _as_postgres(str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def running(self) -> bool:
        try:
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "status")
        except subprocess.CalledProcessError:
            return False
        return True

    def stop(self, mode: str = "fast") -> None:
        """fast: what `systemctl restart postgresql` does (sessions are ended, commits kept)."""
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str) -> None:
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    def migrate(self, name: str) -> None:
        self.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": self.url(name), "CELERY_BROKER_URL": ""}
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=PROJECT, env=env, check=True, capture_output=True
        )


@pytest.fixture(scope="session")
def postgres_server():
    """Our own running server with a migrated template database. initdb and the migrations take
    a while, so one server serves every module of this test process (the modules using it share
    an xdist_group, so one worker runs them all); each test gets a fresh copy of the template
    (`fault_database`), and a test that left the server stopped gets it started again."""
    skip_or_fail_unless_available()
    server = PostgresServer().init()
    try:
        server.start()
        server.migrate("cop_faults_template")
        yield server
    finally:
        server.destroy()


@contextmanager
def use_database(server: PostgresServer, name: str):
    """Point Django's default connection in this process at `name` on `server`, and back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(NAME=name, HOST="127.0.0.1", PORT=str(server.port), USER="postgres", PASSWORD="")
    try:
        yield
    finally:
        close_quietly()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def close_quietly() -> None:
    try:
        connection.close()
    except DatabaseError:
        pass  # the server went away under it


@pytest.fixture
def fault_database(postgres_server, django_db_blocker):
    """A fresh copy of the migrated template on our server; this process writes there. Yields
    its URL (for the worker and web processes)."""
    name = f"cop_faults_{uuid.uuid4().hex[:8]}"
    if not postgres_server.running():
        postgres_server.start()
    postgres_server.execute(f'CREATE DATABASE "{name}" TEMPLATE cop_faults_template')
    with django_db_blocker.unblock(), use_database(postgres_server, name):
        yield postgres_server.url(name)
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def retry_while_down(read, timeout: float = 60):
    """Run `read` (a query of the test's own), reconnecting while the server restarts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read()
        except DatabaseError:
            if time.monotonic() > deadline:
                raise
            close_quietly()
            time.sleep(0.2)
