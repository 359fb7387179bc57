"""Benchmark: CoP Platform beside Spirit, page by page, on the same machine, data and load.

Seeds both sites with bench/forum_data.py's plan (ours: bench/compare_ours.py; Spirit:
bench/spirit/seed.py in Spirit's own virtualenv, made by bench/spirit/setup.sh), counts each
page's queries with Django's test client in each site's own process, then starts gunicorn
(2 sync workers, production settings: ours from the environment deploy/env.example describes,
statics collected into a temporary folder) for each site on its own loopback port, signs in
through each login form, and drives every page with `wrk` (or, without it, a Python thread
pool) at 8 connections for --seconds each, ours and Spirit alternately. Prints per page:
queries / p50 ms / requests per second / HTML KiB for each, and ours ÷ Spirit in requests per
second; then each site's worker memory (VmRSS) after the load.

    bash bench/spirit/setup.sh        # once
    .venv/bin/python bench/compare.py [--seconds 15] [--rounds 3] [--reuse]
    .venv/bin/python bench/compare.py --seconds 3 --users 200 --threads 20 --long 100 --nested 100  # smoke
    .venv/bin/python bench/compare.py --reuse --only anonymous --no-page-cache  # the views without the page cache

It empties the databases cop_bench_ours and cop_bench_spirit (--ours-db, --spirit-db) and
Redis database 6. --reuse keeps the data a previous run seeded.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import (  # noqa: E402
    ROOT,
    Gunicorn,
    collect_static,
    flush_redis,
    free_port,
    production_env,
    request,
    run_load,
    sign_in,
    temp_workdir,
    wrk,
    wrk_available,
)

BENCH = ROOT / "bench"
SPIRIT = BENCH / "spirit"
OURS_PYTHON = str(ROOT / ".venv" / "bin" / "python")
SPIRIT_PYTHON = str(SPIRIT / ".venv" / "bin" / "python")
PAGES = [
    "thread list",
    "long thread, first page",
    "long thread, last page",
    "5-post thread",
    "nested thread, first page",
]


def child_json(command, env, cwd):
    """Run a seeder/query helper and return the JSON it prints last (its other output is logs)."""
    output = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if output.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{output.stdout[-2000:]}\n{output.stderr[-4000:]}")
    last = [line for line in output.stdout.splitlines() if line.strip()][-1]
    return json.loads(last.removeprefix("RESULT "))


def measure(port, path, jar, args):
    """(p50 ms, requests/s, errors) of `path` under load: the median of --rounds rounds."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
    rounds = []
    for _ in range(args.rounds):
        if wrk_available() and not args.python_client:
            rounds.append(wrk(port, path, connections=args.connections, seconds=args.seconds, headers=headers))
        else:
            one_page = lambda _i: ("page", "GET", path, headers, None, {200})  # noqa: E731
            result = run_load(port, one_page, clients=args.connections, seconds=args.seconds)
            rounds.append((result.p50, result.rate, result.errors))
    rounds.sort(key=lambda r: r[1])
    return rounds[len(rounds) // 2]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--long", type=int, default=1000)
    parser.add_argument("--nested", type=int, default=1000)
    parser.add_argument("--ours-db", default="postgres://postgres@127.0.0.1:5432/cop_bench_ours")
    parser.add_argument("--spirit-db", default="postgres://postgres@127.0.0.1:5432/cop_bench_spirit")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run")
    parser.add_argument("--python-client", action="store_true", help="use the thread-pool client even with wrk")
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="ours without the anonymous page cache (PAGE_CACHE_SECONDS=0): the views themselves",
    )
    parser.add_argument(
        "--only", choices=["anonymous", "signed-in"], help="measure only the anonymous or the signed-in pages"
    )
    return parser.parse_args()


def seed_both(args, ours_env, spirit_env):
    """Each site's pages to measure (seeding both, or as the previous run left them)."""
    pages_file = BENCH / "out" / "compare-pages.json"
    if args.reuse:
        if not pages_file.exists():
            raise SystemExit(f"--reuse: no previous run left {pages_file}; run without --reuse first")
        pages = json.loads(pages_file.read_text())
        return pages["ours"], pages["spirit"]
    sizes = ["--users", str(args.users), "--threads", str(args.threads), "--long", str(args.long)]
    ours = child_json(
        [OURS_PYTHON, "bench/compare_ours.py", "seed", *sizes, "--nested", str(args.nested)], ours_env, ROOT
    )
    spirit = child_json([SPIRIT_PYTHON, "seed.py", "seed", *sizes], spirit_env, SPIRIT)
    pages_file.parent.mkdir(exist_ok=True)
    pages_file.write_text(json.dumps({"ours": ours, "spirit": spirit}))
    return ours, spirit


def load_every_page(args, sites, jars):
    """One row per page and role: {site: (queries, p50, req/s, KiB, errors)}."""
    rows = []
    roles = {"anonymous": (False,), "signed-in": (True,)}.get(args.only, (False, True))
    for signed_in in roles:
        who = "member" if signed_in else "anonymous"
        for page in PAGES:
            cells = {}
            for site, (data, queries, port) in sites.items():
                if page not in data:
                    continue
                jar = jars[site] if signed_in else None
                status, _, body = request(port, "GET", data[page], jar=dict(jar) if jar else None)
                assert status == 200, (site, page, status)
                p50, rate, errors = measure(port, data[page], jar, args)
                cells[site] = (queries[f"{who} {data[page]}"], p50, rate, len(body) / 1024, errors)
            rows.append((f"{page}, {'signed in' if signed_in else 'anonymous'}", cells))
            print_row(*rows[-1])
    return rows


def main():
    args = parse_args()
    if not Path(SPIRIT_PYTHON).exists():
        raise SystemExit("Spirit is not installed: run bash bench/spirit/setup.sh first")
    work = temp_workdir("cop-compare-")
    ours_port, spirit_port = free_port(), free_port()
    # Ours runs as deploy/env.example sets it up, anonymous page cache included, unless asked not to.
    extra = {"PAGE_CACHE_SECONDS": 0} if args.no_page_cache else {}
    ours_env = production_env(database_url=args.ours_db, port=ours_port, workdir=work, **extra)
    spirit_env = {**ours_env, "SPIRIT_DATABASE_URL": args.spirit_db, "DJANGO_SETTINGS_MODULE": "spirit_bench.settings"}
    started = time.monotonic()
    ours, spirit = seed_both(args, ours_env, spirit_env)
    print(
        f"{'reused' if args.reuse else 'seeded'}: ours {ours['posts']} posts, Spirit {spirit['posts']} posts, "
        f"{ours['users']} members each ({time.monotonic() - started:.0f} s)"
    )
    collect_static(OURS_PYTHON, ours_env, ROOT)  # production templates need the manifest
    ours_q = child_json([OURS_PYTHON, "bench/compare_ours.py", "queries", *[ours[p] for p in PAGES]], ours_env, ROOT)
    spirit_urls = [spirit[p] for p in PAGES if p in spirit]
    spirit_q = child_json([SPIRIT_PYTHON, "seed.py", "queries", *spirit_urls], spirit_env, SPIRIT)

    servers = {
        "ours": Gunicorn(str(ROOT / ".venv/bin/gunicorn"), "cop_platform.wsgi:application", ROOT, ours_env,
                         ours_port, log=work / "ours-gunicorn.log"),
        "spirit": Gunicorn(str(SPIRIT / ".venv/bin/gunicorn"), "spirit_bench.wsgi:application", SPIRIT,
                           spirit_env, spirit_port, log=work / "spirit-gunicorn.log"),
    }  # fmt: skip
    try:
        for server in servers.values():
            server.start()
        jars = {
            "ours": sign_in(ours_port, ours["login"], ours["login_fields"], forwarded_for="198.51.100.7"),
            "spirit": sign_in(spirit_port, spirit["login"], spirit["login_fields"]),
        }
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        tool = "wrk" if wrk_available() and not args.python_client else "Python thread pool"
        print(
            f"load: {tool}, {args.connections} connections, {args.seconds} s per page and site, {args.rounds} "
            f"round(s); gunicorn 2 sync workers each; machine load average {load} ({os.cpu_count()} CPUs); "
            f"our anonymous page cache {'off' if args.no_page_cache else 'on'}"
        )
        sites = {"ours": (ours, ours_q, ours_port), "spirit": (spirit, spirit_q, spirit_port)}
        rows = load_every_page(args, sites, jars)
        memory = {site: server.worker_rss_mib() for site, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        flush_redis()
    print()
    print_table(rows)
    for site, sizes_mib in memory.items():
        each = " + ".join(f"{m:.0f}" for m in sizes_mib)
        print(f"worker memory after load, {site}: {each} = {sum(sizes_mib):.0f} MiB")
    print(f"(logs and env file in {work})")


def cell(values):
    if values is None:
        return "—"
    queries, p50, rate, kib, errors = values
    return f"{queries} / {p50:.1f} / {rate:.0f} / {kib:.0f}" + (f" ({errors} errors)" if errors else "")


def print_row(page, cells):
    print(f"  {page}: ours {cell(cells.get('ours'))}; Spirit {cell(cells.get('spirit'))}", flush=True)


def print_table(rows):
    print("| page | ours: queries / p50 ms / req/s / HTML KiB | Spirit | ours ÷ Spirit (req/s) |")
    print("|---|---|---|---:|")
    for page, cells in rows:
        ours, spirit = cells.get("ours"), cells.get("spirit")
        ratio = f"{ours[2] / spirit[2]:.2f}" if ours and spirit and spirit[2] else ""
        print(f"| {page} | {cell(ours)} | {cell(spirit) if spirit else '(no tree)'} | {ratio} |")
    ratios = [c["ours"][2] / c["spirit"][2] for _, c in rows if "spirit" in c and c["spirit"][2]]
    if ratios:
        print(f"median ratio ours ÷ Spirit: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
