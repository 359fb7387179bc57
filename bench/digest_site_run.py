"""Benchmark: scale_report's daily digest run alone, on any site bench/generate_large_site.py
made, through a real Celery worker (prefork, --workers processes, email to the loopback SMTP
sink), and its cost per member: wall time, and the CPU time of the worker's processes (read
from /proc just before the worker stops), which a machine busy with other work changes far
less than the wall time. (Not their Postgres backends': Celery's Django fixup closes each
task's connection when the task ends; bench/digest_profile.py measures a sender's backend.)
Broker and cache on REDIS_URL (default Redis database 6: set your own when others run
benchmarks beside you).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_<name>_site REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/digest_site_run.py [--workers 2]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("CACHE_URL", redis_url)
os.environ.setdefault("ENGAGEMENT_REDIS_URL", redis_url)

import scale_report  # noqa: E402  (sets up Django with production settings)

from members.models import User  # noqa: E402
from tests.engagement import worker as engagement_worker  # noqa: E402

CPU: dict[str, float] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_peak(peak_rss_bytes):
    """Worker.peak_rss_bytes, which run_digest calls once every delivery is finished and before
    the worker stops, also taking the CPU time of the worker's processes."""

    def wrapper(self):
        pids = [self.process.pid, *engagement_worker._children(self.process.pid)]
        CPU["worker"] = sum(cpu_seconds(pid) for pid in pids)
        return peak_rss_bytes(self)

    return wrapper


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    members = User.objects.count()
    engagement_worker.Worker.peak_rss_bytes = measured_peak(engagement_worker.Worker.peak_rss_bytes)
    started = time.monotonic()
    scale_report.run_digest(args.workers)
    print(
        f"CPU per member: worker processes {CPU['worker'] * 1000 / members:.2f} ms (incl. start-up); "
        f"whole call incl. setting preferences and restoring them {time.monotonic() - started:.1f} s "
        f"for {members:,} members"
    )


if __name__ == "__main__":
    main()
