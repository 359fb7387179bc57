"""What the in-process benchmarks share once Django is set up (import it after django.setup()).

- `ensure_database()`: create the PostgreSQL database DATABASE_URL names when it is missing, so
  a benchmark can be pointed at a fresh name (nothing to do on another database engine).
- `wait_until_sent()`: poll the email deliveries a worker is sending until all are finished.
"""

import time

import psycopg2
from django.conf import settings
from django.db import connection


def ensure_database():
    """Create the Postgres database DATABASE_URL names when it is missing."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        return
    admin = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    admin.close()


def wait_until_sent(deliveries, *, started: float, timeout: int):
    """Wait until the `deliveries` queryset has rows and none is still pending or sending (the
    worker has finished); SystemExit when `timeout` seconds have passed since `started`."""
    while True:
        time.sleep(0.5)
        total = deliveries.count()
        pending = deliveries.filter(state__in=["pending", "sending"]).count()
        if total and not pending:
            return
        if time.monotonic() - started > timeout:
            raise SystemExit(f"digest run gave up after {timeout} s")
