"""A long day's aftercare sheets through the worker: seconds, CPU per sheet, peak RSS.

Usage:  .venv/bin/python bench/daysheets.py [--sessions 320] [--pg postgres://…@127.0.0.1]

Builds a throwaway database (SQLite, or sclero_bench_demo_<pid> on --pg's
server; never the DATABASE_URL one, never the big data set, which the job
would write to) with the demo clinic and one past day of --sessions signed
sessions of 6 injections each, placed on the leg map (the sheet's drawing).
Then, as the clinic would:

1. the day's job is started as the day page starts it
   (printing.dayjobs.day_sheets_job_start, which enqueues the task);
2. `manage.py db_worker --batch` runs it in a process of its own, whose wall
   time, CPU time and peak resident memory (getrusage of the child) are
   printed, with the PDF's pages and size;
3. the same day is rendered once more in this process, by chunk, timing
   each WeasyPrint pass's phases (template, HTML and CSS to boxes and
   layout, drawing and writing the PDF), so that the CPU per sheet is seen
   without the worker's start-up; then one chunk under cProfile, the share
   of each of WeasyPrint's phases (parse, cascade, boxes, layout and its
   line breaking, drawing and its leg map, writing).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402

INJECTIONS = 6
# Places on the drawing (x %, y %) for the injections, both legs and views.
PLACES = [(15, 30), (35, 45), (65, 55), (85, 70), (20, 75), (70, 35)]


def _injections(n: int) -> list[dict]:
    from patients.models import Leg
    from treatments.choices import Agent, Form, VesselType

    rows = []
    for i in range(INJECTIONS):
        x, y = PLACES[(n + i) % len(PLACES)]
        rows.append(
            {
                "leg": Leg.LEFT if x < 25 or 50 < x < 75 else Leg.RIGHT,
                "vessel_type": VesselType.RETICULAR
                if i % 3
                else VesselType.BLUE_TELANGIECTASIA,
                "agent": Agent.POLIDOCANOL,
                "concentration_pct": Decimal("0.5"),
                "form": Form.LIQUID,
                "volume_ml": Decimal("1"),
                "site": ["lateral thigh", "posterior calf", "medial knee"][i % 3],
                "segment": "",
                "diagram_x_pct": Decimal(x),
                "diagram_y_pct": Decimal(y),
            }
        )
    return rows


def build_day(sessions: int) -> date:
    import pages
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from treatments.choices import Compression
    from treatments.services import session_create

    call_command("load_demo", "--allow-demo", verbosity=0)
    users = get_user_model().objects
    clinicians = [users.get(username="clinician"), users.get(username="clinician2")]
    desk = users.get(username="frontdesk")
    day = pages._weekday_before(timezone.localdate() - timedelta(days=120))
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    for n in range(sessions):
        patient = pages._new_patient(1000 + n, desk)
        clinician = clinicians[n % len(clinicians)]
        session_create(
            patient=patient,
            clinician=clinician,
            user=clinician,
            injections=_injections(n),
            data={
                "performed_at": start + timedelta(hours=7, seconds=90 * n),
                "weight_kg": patient.weight_kg,
                "screening_confirmed": True,
                "consent_obtained": True,
                "compression": Compression.STOCKING,
                "stocking_class": "2",
                "stocking_length": "thigh",
                "stocking_days": 14,
            },
        )
    return day


def worker_run(env: benchenv.Env, day: date) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_tasks_db.models import DBTaskResult
    from pypdf import PdfReader

    from printing.dayjobs import day_sheets_job_start
    from printing.models import DaySheetsJob

    # The demo's own reminders wait for another worker: this one runs the job.
    DBTaskResult.objects.all().delete()
    desk = get_user_model().objects.get(username="frontdesk")
    job = day_sheets_job_start(day=day, user=desk)
    connection.close()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(benchenv.ROOT / "manage.py"),
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            "--verbosity",
            "0",
        ],
        env=env.server_env(),
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    job = DaySheetsJob.objects.get(pk=job.pk)
    if job.status != "done":
        raise SystemExit(f"the job ended {job.status}: {job.error}")
    with job.file.open("rb") as handle:
        data = handle.read()
    pages_count = len(PdfReader(io.BytesIO(data)).pages)
    sheets = job.sheets_total
    print(
        f"worker (manage.py db_worker --batch, its own process): {sheets} sheets, "
        f"{pages_count} pages, {len(data) / 2**20:.1f} MiB PDF"
    )
    print(
        f"  wall {wall:.1f} s, CPU {cpu:.1f} s ({1000 * cpu / sheets:.0f} ms a sheet, "
        f"start-up included), peak RSS {after.ru_maxrss / 1024:.0f} MiB"
    )


# WeasyPrint's phases, as the functions that run them (module, name); each
# phase's share is its function's cumulative time under cProfile.
WEASYPRINT_PHASES = (
    ("HTML parse", "tinyhtml5/parser.py", "parse"),
    ("CSS cascade", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("boxes", "weasyprint/formatting_structure/build.py", "build_formatting_structure"),
    ("layout", "weasyprint/layout/__init__.py", "layout_document"),
    ("  line breaking (Pango)", "weasyprint/text/line_break.py", "split_first_line"),
    ("  tables", "weasyprint/layout/table.py", "table_layout"),
    ("drawing", "weasyprint/draw/__init__.py", "draw_page"),
    ("  stacking contexts", "weasyprint/stacking.py", "from_page"),
    ("  the leg map (SVG)", "weasyprint/svg/__init__.py", "draw"),
    ("PDF writing (with drawing)", "weasyprint/pdf/__init__.py", "generate_pdf"),
)


def phases(day: date) -> None:
    """Each chunk's phases, in this process (CPU time), rendered as the
    clinic renders them (core.pdf: shared fonts, stylesheet, image cache)."""
    from core import pdf
    from printing.aftercare import (
        SHEET_TEMPLATE,
        sessions_for_sheets,
        sessions_on,
        sheet_context,
        sheets_for,
    )
    from printing.dayjobs import CHUNK_SHEETS

    ids = list(sessions_on(day).values_list("pk", flat=True))
    totals = dict.fromkeys(("query", "template", "layout", "pdf"), 0.0)
    pages_count = 0
    for start in range(0, len(ids), CHUNK_SHEETS):
        t0 = time.process_time()
        sessions = sessions_for_sheets().filter(
            pk__in=ids[start : start + CHUNK_SHEETS]
        )
        context = sheet_context(sheets_for(sessions.order_by("performed_at", "id")))
        t1 = time.process_time()
        html = pdf.pdf_html(SHEET_TEMPLATE, context)
        t2 = time.process_time()
        document = pdf.html_document(
            html, context["pdf_images"], context.get("pdf_user_agent")
        ).render(**pdf.shared_options())
        t3 = time.process_time()
        document.write_pdf()
        t4 = time.process_time()
        pages_count += len(document.pages)
        for key, spent in zip(
            totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True
        ):
            totals[key] += spent
        del document
    sheets = len(ids)
    total = sum(totals.values())
    print(
        f"in-process, {CHUNK_SHEETS} sheets a pass: {sheets} sheets, {pages_count} "
        f"pages, CPU {total:.1f} s = {1000 * total / sheets:.0f} ms a sheet:"
    )
    for key, spent in totals.items():
        print(f"  {key:9} {1000 * spent / sheets:6.1f} ms a sheet")
    weasyprint_profile(ids[:CHUNK_SHEETS])


def weasyprint_profile(ids: list[int]) -> None:
    """One pass of a chunk under cProfile: each WeasyPrint phase's share."""
    import cProfile
    import pstats

    from core import pdf
    from printing.aftercare import (
        SHEET_TEMPLATE,
        sessions_for_sheets,
        sheet_context,
        sheets_for,
    )

    sessions = sessions_for_sheets().filter(pk__in=ids).order_by("performed_at", "id")
    context = sheet_context(sheets_for(sessions))
    profile = cProfile.Profile()
    profile.enable()
    pdf.render_pdf(SHEET_TEMPLATE, context)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    whole = max(
        cumulative
        for (path, _line, name), (_, _, _, cumulative, _) in stats.items()
        if name == "render_pdf" and path.endswith("core/pdf.py")
    )
    print(f"WeasyPrint's phases (cProfile of {len(ids)} sheets, share of the PDF):")
    for label, module, function in WEASYPRINT_PHASES:
        # The largest: a phase's function may call another of its name.
        spent = max(
            (
                cumulative
                for (path, _line, name), (_, _, _, cumulative, _) in stats.items()
                if name == function and path.endswith(module)
            ),
            default=0.0,
        )
        print(f"  {label:28} {100 * spent / whole:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=320)
    parser.add_argument("--pg", help="PostgreSQL server (postgres://…@127.0.0.1)")
    parser.add_argument(
        "--skip-phases", action="store_true", help="only the worker's run"
    )
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").startswith("postgres") and not args.pg:
        # The throwaway database goes on the DATABASE_URL's server, never in it.
        args.pg = os.environ["DATABASE_URL"]
    # The PDF (and the demo's private files) go to a throwaway directory,
    # for this process and the worker's.
    private = tempfile.TemporaryDirectory(prefix="sclero-bench-private-")
    os.environ["SCLERO_PRIVATE_MEDIA_ROOT"] = private.name
    env = benchenv.configure(
        "demo", pg=args.pg, debug=False, manifest=benchenv.MANIFEST
    )
    benchenv.collect_static(env)
    try:
        benchenv.create_database(env)
        print(f"building {args.sessions} sessions...", file=sys.stderr)
        day = build_day(args.sessions)
        worker_run(env, day)
        if not args.skip_phases:
            phases(day)
    finally:
        benchenv.drop_database(env)
        env.tmpdir.cleanup()
        private.cleanup()


if __name__ == "__main__":
    main()
