"""Load test: gunicorn under logged-in concurrent connections, beside the bare page.

Usage:  .venv/bin/python bench/load.py [--data demo|big] [--connections 50]
                                       [--seconds 60] [--users 10]
                                       [--max-requests 100000] [--save load.json]
                                       [--compare demo.json]

Starts gunicorn (gunicorn.conf.py, 2 workers, 127.0.0.1 on a free port) on the
demo data (a throwaway database, as bench/run.py makes it) or on the big data
set (`make bench-data`), logs --users users in per role through the login
form (CSRF token, then the session cookie, shared by the connections), then
runs --connections concurrent connections for --seconds on the mix of issue
15: timeline 40 % (the 100-session patient), agenda 20 % (the day agenda of
the busy day, all clinicians), search 30 % (phone digits, surname prefix,
name + first name, partial chart number, in turn), aftercare PDF 10 %. Then
the bare page (the login form, logged in) under the same connections for as
long.
--compare puts a saved run beside this one (the issue's target: the mix's
requests/s on the big data set at least half of its rate on demo data).
Reports requests/s, p50/p95/p99 ms and errors (any status but 200, or a
failed connection, counted by status) for each; with errors, the server's
error lines follow the table. Bounded: at most 300 s a phase, 200 connections
and --max-requests requests a phase; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402

HOST = "127.0.0.1"
MAX_SECONDS = 300
MAX_CONNECTIONS = 200
MAX_REQUESTS = 500_000
MIX = (("timeline", 40), ("agenda", 20), ("search", 30), ("pdf", 10))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def bounded(value: float, low: float, high: float, name: str) -> float:
    if not low <= value <= high:
        raise SystemExit(f"--{name} must be between {low} and {high}")
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def login(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the form, as a browser does; return the cookies."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = cookies_of(response)
    token = CSRF_INPUT.search(page)
    if response.status != 200 or not token:
        raise SystemExit(f"login page: {response.status}")
    body = urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1),
        }
    )
    conn.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Origin": f"http://{HOST}:{port}",
            "Referer": f"http://{HOST}:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    cookies.update(cookies_of(response))
    if response.status != 302:
        raise SystemExit(f"login as {username} failed: {response.status}")
    return cookies


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=dict)
    # kind -> what went wrong ("500", "302", "connection") -> how often
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(ms)
            found = self.errors.setdefault(kind, {})
            if error is not None:
                found[error] = found.get(error, 0) + 1


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run_phase(port, connections, seconds, cap, choose) -> tuple[Results, float]:
    """`connections` threads, each on its own keep-alive connection, until the
    time or the request cap is reached; `choose(rng, n)` -> (kind, url, cookie)."""
    results = Results()
    counter = iter(range(cap))
    counter_lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        while time.perf_counter() < deadline:
            with counter_lock:
                if next(counter, None) is None:
                    break
            kind, url, cookie = choose(rng, n)
            headers = {"Cookie": cookie} if cookie else {}
            start = time.perf_counter()
            error: str | None = "connection"
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                error = None if response.status == 200 else str(response.status)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
            results.add(kind, (time.perf_counter() - start) * 1000, error)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def summary(results: Results, elapsed: float) -> dict[str, dict]:
    rows = {}
    every: list[float] = []
    order = [kind for kind, _ in MIX]
    for kind in sorted(
        results.times,
        key=lambda k: (k not in order, order.index(k) if k in order else 0),
    ):
        times = results.times[kind]
        every.extend(times)
        rows[kind] = _row(times, results.errors[kind], elapsed)
    if len(results.times) > 1:
        every_error: dict[str, int] = {}
        for found in results.errors.values():
            for what, n in found.items():
                every_error[what] = every_error.get(what, 0) + n
        rows["all"] = _row(every, every_error, elapsed)
    return rows


def _row(times: list[float], errors: dict[str, int], elapsed: float) -> dict:
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "errors": sum(errors.values()),
        "error_kinds": dict(sorted(errors.items())),
    }


def _errors(row: dict) -> str:
    if not row["errors"]:
        return "0"
    kinds = ", ".join(f"{what} ×{n}" for what, n in row["error_kinds"].items())
    return f"{row['errors']} ({kinds})"


def server_errors(log: Path, limit: int = 40) -> list[str]:
    """The error lines of the server's log (tracebacks' last lines among them)."""
    if not log.exists():
        return []
    lines = log.read_text(errors="replace").splitlines()
    wanted = [
        line
        for line in lines
        if " ERROR " in line
        or "[CRITICAL]" in line
        or "WORKER TIMEOUT" in line
        or re.match(r"^[A-Za-z_.]+(Error|Exception): ", line)
    ]
    return wanted[:limit]


def render(phases: dict[str, dict[str, dict]]) -> str:
    lines = [
        "| phase | pages | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for phase, rows in phases.items():
        for kind, row in rows.items():
            lines.append(
                f"| {phase} | {kind} | {row['requests']} | {row['rps']:.1f}"
                f" | {row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f}"
                f" | {_errors(row)} |"
            )
    return "\n".join(lines)


def comparison(before: dict, label: str, phases: dict[str, dict[str, dict]]) -> str:
    """This run's mix and bare page beside a saved run's."""
    saved_args = before.get("args", {})
    old_label = saved_args.get("data") or before["data"]
    lines = [
        f"Saved: {before['data']}; {saved_args.get('connections')} connections,"
        f" {saved_args.get('seconds')} s a phase",
        "",
        f"| phase | requests/s, {old_label} | requests/s, {label}"
        f" | {label} / {old_label} | p95 ms, {old_label} | p95 ms, {label} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for phase, kind in (("mix", "all"), ("bare", "bare page")):
        old, new = before["phases"][phase][kind], phases[phase][kind]
        ratio = new["rps"] / old["rps"] if old["rps"] else 0
        lines.append(
            f"| {phase} | {old['rps']:.1f} | {new['rps']:.1f} | {ratio:.2f}"
            f" | {old['p95']:.0f} | {new['p95']:.0f} |"
        )
    return "\n".join(lines)


def start_gunicorn(env, port: int, workers: int, log: Path) -> subprocess.Popen:
    server_env = env.server_env()
    server_env.update(GUNICORN_BIND=f"{HOST}:{port}", GUNICORN_WORKERS=str(workers))
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                str(benchenv.ROOT / "gunicorn.conf.py"),
                # Not $HOME/.gunicorn's control socket, which every gunicorn
                # of the user would share.
                "--no-control-socket",
                "sclero_clinic.wsgi",
            ],
            cwd=benchenv.ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn ended: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    raise SystemExit("gunicorn did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("demo", "big"), default="demo")
    parser.add_argument("--manifest", type=Path, default=benchenv.MANIFEST)
    parser.add_argument("--pg", help="PostgreSQL server for the demo database")
    parser.add_argument("--host", default=HOST, help="only 127.0.0.1")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="per phase")
    parser.add_argument("--users", type=int, default=5, help="logins per role")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="per phase, at most"
    )
    parser.add_argument("--save", type=Path, help="write the results to this JSON")
    parser.add_argument(
        "--compare", type=Path, help="a run saved with --save, to show beside this one"
    )
    args = parser.parse_args()
    benchenv.check_host(args.host)
    bounded(args.seconds, 1, MAX_SECONDS, "seconds")
    bounded(args.connections, 1, MAX_CONNECTIONS, "connections")
    bounded(args.max_requests, 1, MAX_REQUESTS, "max-requests")
    bounded(args.users, 1, 50, "users")
    bounded(args.workers, 1, 8, "workers")

    env = benchenv.configure(args.data, pg=args.pg, debug=False, manifest=args.manifest)
    import pages
    from django.db import connection

    from core.roles import CLINICIAN, FRONT_DESK

    benchenv.collect_static(env)
    process = None
    log = Path(env.tmpdir.name) / "gunicorn.log"
    problems: list[str] = []
    try:
        if env.throwaway:
            benchenv.create_database(env)
            print("building demo data...", file=sys.stderr)
            plan = pages.demo_data()
        else:
            plan = pages.big_data(env.manifest or {})
        connection.close()
        port = free_port()
        process = start_gunicorn(env, port, args.workers, log)
        print(f"gunicorn on {HOST}:{port}, logging in...", file=sys.stderr)
        sessions = {}
        for role in (CLINICIAN, FRONT_DESK):
            names = plan.users[role]
            sessions[role] = [
                cookie_header(login(port, names[k % len(names)], plan.password))
                for k in range(args.users)
            ]
        urls = {
            "timeline": [(CLINICIAN, str(plan.notes["timeline_url"]))],
            "agenda": [(FRONT_DESK, plan.page(pages.AGENDA).url)],
            "search": [(FRONT_DESK, plan.page(name).url) for name in pages.SEARCHES],
            "pdf": [(CLINICIAN, plan.page(pages.PDF).url)],
        }
        kinds = [kind for kind, _ in MIX]
        weights = [weight for _, weight in MIX]

        def mix(rng: random.Random, n: int) -> tuple[str, str, str]:
            kind = rng.choices(kinds, weights)[0]
            role, url = rng.choice(urls[kind])
            cookies = sessions[role]
            return kind, url, cookies[n % len(cookies)]

        def bare(rng: random.Random, n: int) -> tuple[str, str, str]:
            # Logged in, as bench/run.py's bare page.
            cookies = sessions[CLINICIAN]
            return "bare page", "/login/", cookies[n % len(cookies)]

        phases = {}
        for name, choose in (("mix", mix), ("bare", bare)):
            print(f"{name}: {args.seconds:.0f} s...", file=sys.stderr)
            results, elapsed = run_phase(
                port, args.connections, args.seconds, args.max_requests, choose
            )
            phases[name] = summary(results, elapsed)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
        problems = server_errors(log)
        benchenv.drop_database(env)
        env.tmpdir.cleanup()

    mix_rps = phases["mix"]["all"]["rps"]
    bare_rps = phases["bare"]["bare page"]["rps"]
    print(
        f"Data: {plan.label}; gunicorn {args.workers} workers, {args.connections}"
        f" connections, {args.seconds:.0f} s a phase, {os.cpu_count()} cores"
    )
    ratio = bare_rps / mix_rps if mix_rps else 0
    print(f"Mix {mix_rps:.1f} requests/s, bare {bare_rps:.1f} ({ratio:.1f}× the mix)")
    print()
    print(render(phases))
    if any(row["errors"] for rows in phases.values() for row in rows.values()):
        print(f"\nThe server's error lines (the first {len(problems)}):")
        print("\n".join(problems) or "(none logged: refused connections?)")
    if args.compare:
        print()
        print(comparison(json.loads(args.compare.read_text()), args.data, phases))
    if args.save:
        saved = {"data": plan.label, "args": vars(args), "phases": phases}
        args.save.write_text(json.dumps(saved, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
