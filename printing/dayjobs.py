"""A day's aftercare sheets too many to render in a request: the worker's job.

A day of up to SCLERO_DAY_SHEETS_INLINE sheets is rendered by the day page's
own request (printing.views.aftercare_day), one WeasyPrint pass. A longer day
(a group's 320 sessions took 40 s and 700 MiB in one pass, past the web
server's timeout) is a DaySheetsJob: the page asks for it, the background
worker (`manage.py db_worker`) renders it CHUNK_SHEETS sheets per WeasyPrint
pass, appends each chunk's pages to one PDF and records its progress after
each chunk; the page polls the progress and offers the PDF when it is ready.
Each chunk's layout is dropped before the next one is laid out, so a worker's
memory stays that of one chunk, whatever the length of the day.

The PDF is kept in the private storage for SCLERO_DAY_SHEETS_KEEP_HOURS
(a day), then removed with its job by remove_old_jobs (at the start of every
job, and by `manage.py day_sheets_cleanup`).
"""

from __future__ import annotations

import gc
import io
import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.pdf import render_pdf
from printing.aftercare import (
    SHEET_TEMPLATE,
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from printing.models import DaySheetsJob, JobStatus

logger = logging.getLogger(__name__)

# Sheets per WeasyPrint pass: a pass's cost per sheet is flat from about ten
# sheets on, and its memory grows with its length.
CHUNK_SHEETS = 20
# A job still waiting or running after this long lost its worker (stopped,
# restarted): the page offers to start it again.
STALE_AFTER = timedelta(minutes=30)


def inline_limit() -> int:
    """The longest day the day page renders in its own request."""
    return int(getattr(settings, "SCLERO_DAY_SHEETS_INLINE", 40))


def keep_for() -> timedelta:
    return timedelta(hours=int(getattr(settings, "SCLERO_DAY_SHEETS_KEEP_HOURS", 24)))


def is_stale(job: DaySheetsJob) -> bool:
    return job.is_pending and timezone.now() - job.created_at > STALE_AFTER


def latest_job(day: date) -> DaySheetsJob | None:
    """The day's latest job, whoever asked for it (one query)."""
    return DaySheetsJob.objects.filter(day=day).order_by("-created_at", "-id").first()


def day_sheets_job_start(*, day: date, user: Any) -> DaySheetsJob:
    """Ask the worker for the day's sheets; a job already under way is reused.

    Two requests at once (two desks, two app servers) make one job: at most
    one job per day is waiting or running (a unique constraint), so the
    second insert fails once the first commits and the first's job is
    returned. A job that lost its worker is marked failed first.
    """
    with transaction.atomic():
        pending = _pending(day, lock=True)
        if pending is not None and not is_stale(pending):
            return pending
        if pending is not None:
            DaySheetsJob.objects.filter(pk=pending.pk).update(
                status=JobStatus.FAILED,
                error="The background worker did not finish it.",
                finished_at=timezone.now(),
            )
        try:
            with transaction.atomic():
                job = DaySheetsJob.objects.create(
                    day=day, requested_by=user, sheets_total=sessions_on(day).count()
                )
        except IntegrityError:
            other = _pending(day, lock=False)
            if other is None:  # finished in between: ask again
                raise
            return other
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _pending(day: date, *, lock: bool) -> DaySheetsJob | None:
    jobs = DaySheetsJob.objects.filter(
        day=day, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).order_by("-created_at", "-id")
    if lock:
        jobs = jobs.select_for_update()
    return jobs.first()


def _enqueue(job_id: int) -> None:
    from printing.tasks import render_day_sheets

    render_day_sheets.enqueue(job_id)


def _claim(job_id: int) -> DaySheetsJob | None:
    with transaction.atomic():
        job = DaySheetsJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.save(update_fields=["status"])
    return job


def render_job(job_id: int) -> str:
    """Render the job's day in chunks into one PDF; return the job's status.

    A job another worker took, or one already finished, is left alone. Any
    error marks the job failed (the page then offers to start again).
    """
    remove_old_jobs()
    job = _claim(job_id)
    if job is None:
        return "skipped"
    try:
        pdf = _render_day(job)
    except Exception as exc:
        logger.exception("Day's sheets of %s failed", job.day)
        DaySheetsJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        return JobStatus.FAILED
    job.file.save(f"aftercare-{job.day.isoformat()}-{job.code}.pdf", pdf, save=False)
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "finished_at"])
    return JobStatus.DONE


def _render_day(job: DaySheetsJob) -> ContentFile:
    # Imported here: only the worker merges PDFs.
    from pypdf import PdfWriter

    ids = list(sessions_on(job.day).values_list("pk", flat=True))
    if not ids:
        raise ValueError("no sessions on this day")
    DaySheetsJob.objects.filter(pk=job.pk).update(sheets_total=len(ids), sheets_done=0)
    writer = PdfWriter()
    for start in range(0, len(ids), CHUNK_SHEETS):
        chunk = ids[start : start + CHUNK_SHEETS]
        sessions = (
            sessions_for_sheets().filter(pk__in=chunk).order_by("performed_at", "id")
        )
        writer.append(
            io.BytesIO(render_pdf(SHEET_TEMPLATE, sheet_context(sheets_for(sessions))))
        )
        # The chunk's boxes and layout are cyclic garbage: free them before
        # the next chunk is laid out, so that memory stays one chunk's.
        gc.collect()
        DaySheetsJob.objects.filter(pk=job.pk).update(sheets_done=start + len(chunk))
    # The chunks embed the same fonts and images: keep one copy of each.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    writer.close()
    return ContentFile(out.getvalue())


def remove_old_jobs(now=None) -> int:
    """Remove the jobs (and their PDFs) finished or asked for over a day ago."""
    cutoff = (now or timezone.now()) - keep_for()
    removed = 0
    for job in DaySheetsJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
