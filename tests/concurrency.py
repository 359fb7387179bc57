"""Running calls at the same instant, for tests of races on real database connections."""

import threading

from django.db import connection


def run_together(*calls):
    """Start every call at the same instant in its own thread (each on its own database
    connection, closed afterwards); return what each raised, or None, in the calls' order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
