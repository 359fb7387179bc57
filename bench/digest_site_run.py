"""Benchmark: scale_report's daily digest run alone, on any site bench/generate_large_site.py
made, through a real Celery worker (prefork, --workers processes, email to the loopback SMTP
sink), and the time per member. Broker and cache on REDIS_URL (default Redis database 6: set
your own when others run benchmarks beside you).

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    members = User.objects.count()
    started = time.monotonic()
    scale_report.run_digest(args.workers)
    print(
        f"(whole call incl. setting preferences and restoring them: {time.monotonic() - started:.1f} s "
        f"for {members:,} members)"
    )


if __name__ == "__main__":
    main()
