"""Loopback ports for the servers the fault tests start.

The suite runs in several pytest-xdist processes at once, so two fault tests may each start
their own Redis or PostgreSQL at the same moment. A fixed port shared between them let one
test stop the other's server mid-test (and a second redis-server that cannot bind exits while
the first one answers its ping), so each xdist worker gets its own port: the base port plus
the worker's number.
"""

import os


def port_for_this_worker(base: int) -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return base + int(worker.removeprefix("gw") or 0)
