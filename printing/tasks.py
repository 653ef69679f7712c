"""Background tasks of the printing app, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from printing import dayjobs


@task()
def render_day_sheets(job_id: int) -> str:
    """Render a day's aftercare sheets into one PDF (printing.dayjobs.render_job)."""
    return dayjobs.render_job(job_id)
