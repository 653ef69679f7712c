"""Benchmark: the pages of issue 15's table, as query count, median and min ms,
and the ratio to the bare page (the login form) measured in the same run.

Usage:  .venv/bin/python bench/run.py [--data demo|big] [--requests 20]
                                      [--seconds 15] [--save run.json]
                                      [--compare before.json] [--only word]
                                      [--profile "page name"]

--data demo (the default) loads the demo clinic (load_demo --allow-demo) and
the table's extras (a patient with 100 sessions of 10 injections, a day of 20
sessions) into a throwaway database: a temporary SQLite file, or a new
PostgreSQL database sclero_bench_demo_<pid> on the server of --pg or of a
postgres:// DATABASE_URL (only its host and user; never its database),
dropped at the end. --data big uses the database `make bench-data` made
(bench/.bigdata.json), read-only. Only 127.0.0.1 is connected to.

It runs like production: DEBUG off (the cached template loader, the manifest
static storage; static files collected into a temporary folder), two-factor
off, each page fetched through the test client (middleware, view, queries,
template) by a user of the role that opens it, logged in through the login
form. Each page is fetched --requests times, or fewer (at least 3) if that
would take more than --seconds; in rounds (every page once a round), so that
a change in the machine's load falls on every page alike. Not a test: `make
bench` runs it, `make test` does not.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402


def once(client, url: str) -> float:
    start = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - start) * 1000


def render(rows: dict, before: dict | None) -> str:
    head = "| page | queries | median ms | min ms | × bare |"
    rule = "|---|---:|---:|---:|---:|"
    if before:
        head += " before median ms | before × bare | median now/before |"
        rule += "---:|---:|---:|"
    lines = [head, rule]
    old_rows = (before or {}).get("pages", {})
    for name, row in rows.items():
        line = (
            f"| {name} | {row['queries']} | {row['median']:.1f} | {row['min']:.1f}"
            f" | {row['ratio']:.1f} |"
        )
        if before:
            old = old_rows.get(name)
            if old:
                change = row["median"] / old["median"] if old["median"] else 0
                line += f" {old['median']:.1f} | {old['ratio']:.1f} | {change:.2f} |"
            else:
                line += " | | |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("demo", "big"), default="demo")
    parser.add_argument(
        "--manifest", type=Path, default=benchenv.MANIFEST, help="for --data big"
    )
    parser.add_argument(
        "--pg", help="PostgreSQL server for the demo database (postgres://…@127.0.0.1)"
    )
    parser.add_argument("--requests", type=int, default=20, help="per page, at most")
    parser.add_argument(
        "--seconds", type=float, default=15, help="per page, then stop (min 3 runs)"
    )
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on")
    parser.add_argument("--save", type=Path, help="write the results to this JSON file")
    parser.add_argument(
        "--compare", type=Path, help="show an earlier --save next to these"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="time only the pages whose name contains this (repeatable)",
    )
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help="after timing, cProfile 20 requests of the page of this exact name"
        " and print its 40 costliest functions (cumulative)",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        metavar="DIR",
        help="write each timed page's body to DIR (to look at what was timed)",
    )
    args = parser.parse_args()
    before = json.loads(args.compare.read_text()) if args.compare else None

    env = benchenv.configure(
        args.data, pg=args.pg, debug=args.debug, manifest=args.manifest
    )
    import pages
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    benchenv.collect_static(env)
    try:
        if env.throwaway:
            benchenv.create_database(env)
            print("building demo data...", file=sys.stderr)
            plan = pages.demo_data()
        else:
            plan = pages.big_data(env.manifest or {})

        clients: dict[str, Client] = {"anonymous": Client()}
        for role, names in plan.users.items():
            client = Client()
            response = client.post(
                reverse("login"), {"username": names[0], "password": plan.password}
            )
            if response.status_code != 302:
                raise SystemExit(f"login as {names[0]} ({role}) failed")
            clients[role] = client

        chosen = [
            page
            for page in plan.pages
            if not args.only
            or page.name == pages.BARE
            or any(word in page.name for word in args.only)
        ]
        print("counting queries...", file=sys.stderr)
        found: dict[str, dict] = {}
        for page in chosen:
            client = clients[page.role]
            response = client.get(page.url)  # warm up templates and caches
            assert response.status_code == 200, (page.url, response.status_code)
            reset_queries()  # request_started empties the log: start at 0
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page.url)
            assert response.status_code == 200, (page.url, response.status_code)
            queries = len(captured)  # now: the next request empties the log
            if args.dump:
                _dump(args.dump, page.name, response)
            first = once(client, page.url)
            # Enough runs for --seconds, at least 3, at most --requests.
            wanted = max(3, min(args.requests, int(args.seconds * 1000 / first)))
            found[page.name] = {
                "queries": queries,
                "bytes": len(response.content),
                "times": [first],
                "wanted": wanted,
            }
        # Round after round, every page once a round: a change in the
        # machine's load (another job) falls on every page alike.
        print("timing pages, in rounds...", file=sys.stderr)
        for _round in range(max(row["wanted"] for row in found.values())):
            for page in chosen:
                row = found[page.name]
                if len(row["times"]) < row["wanted"]:
                    row["times"].append(once(clients[page.role], page.url))
        bare_median = statistics.median(found[pages.BARE]["times"])
        rows: dict[str, dict] = {}
        for name, row in found.items():
            times = row["times"]
            median = statistics.median(times)
            rows[name] = {
                "queries": row["queries"],
                "median": median,
                "min": min(times),
                "n": len(times),
                "ratio": median / bare_median,
                "bytes": row["bytes"],
            }
        if args.profile:
            _profile(clients, plan.page(args.profile))
    finally:
        benchenv.drop_database(env)
        env.tmpdir.cleanup()

    print(
        f"Data: {plan.label}; database {connection.vendor}"
        f" {connection.settings_dict['NAME']}, DEBUG={settings.DEBUG}"
    )
    print("Notes: " + ", ".join(f"{k}={v}" for k, v in plan.notes.items()))
    print()
    print(render(rows, before))
    if args.save:
        saved = {"data": plan.label, "notes": plan.notes, "pages": rows}
        args.save.write_text(json.dumps(saved, indent=1, default=str) + "\n")


def _dump(folder: Path, name: str, response) -> None:
    """Write a page's body to `folder`, named after the page."""
    kind = response.get("Content-Type", "").split(";")[0]
    ext = {"application/pdf": "pdf", "text/csv": "csv"}.get(kind, "html")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    (folder / f"{slug}.{ext}").write_bytes(body)


def _profile(clients: dict, page) -> None:
    import cProfile
    import pstats

    from django.db import connection

    client = clients[page.role]
    timed: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - start) * 1000, sql))

    with connection.execute_wrapper(timer):
        client.get(page.url)
    print(f"Queries of one request of {page.name!r}, slowest first:", file=sys.stderr)
    for ms, sql in sorted(timed, reverse=True):
        print(f"{ms:7.2f} ms  {sql[:160]}", file=sys.stderr)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(page.url)
    profiler.disable()
    print(f"cProfile of 20 requests of {page.name!r}:", file=sys.stderr)
    stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
    stats.print_stats(40)
    print("The project's own functions:", file=sys.stderr)
    stats.print_stats(r"^(?!.*site-packages)(?!.*python3\.11/)(?!~)", 40)
    print("By own time:", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
