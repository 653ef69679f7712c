"""A long day's aftercare sheets, prepared by the task worker in chunks.

The day page renders up to SCLERO_DAY_SHEETS_INLINE sheets in its own
request; a longer day is a DaySheetsJob the worker renders, whose progress
the page polls and whose PDF it offers once ready.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as db_worker_command
from django_tasks_db.models import DBTaskResult

from accesslog.models import AccessEvent
from printing import dayjobs
from printing.models import DaySheetsJob, JobStatus
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import in_days, pdf_pages, rome

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

DAY_URL = reverse("printing:aftercare-day")
START_URL = reverse("printing:day-sheets-job-start")
NAMES = ["Alba", "Bice", "Cora", "Dina", "Elsa"]


@pytest.fixture(autouse=True)
def _small_limits(settings, monkeypatch):
    # Two sheets in the request; longer days go to the worker, two per pass.
    settings.SCLERO_DAY_SHEETS_INLINE = 2
    monkeypatch.setattr(dayjobs, "CHUNK_SHEETS", 2)


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    """As in the reminder tests: the worker would close the test's own
    connection on PostgreSQL between tasks."""
    monkeypatch.setattr(
        db_worker_command, "close_old_connections", lambda *args, **kwargs: None
    )


def _day_with(clinician, names=NAMES):
    day = in_days(-1)
    for hour, name in enumerate(names):
        patient = make_patient(first_name=name)
        session = make_session(patient, clinician, performed_at=rome(day, 8 + hour))
        make_injection(session)
    return day


def _start(client, day, capture):
    with capture(execute=True):
        response = client.post(START_URL, {"date": day.isoformat()})
    assert response.status_code == 302
    return DaySheetsJob.objects.get()


def _run_worker():
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )


def test_a_long_day_offers_the_background_job_not_the_inline_pdf(
    frontdesk_client, clinician
):
    day = _day_with(clinician)
    response = frontdesk_client.get(DAY_URL, {"date": day.isoformat()})
    html = response.content.decode()
    assert "format=pdf" not in html
    assert START_URL in html and "Prepare all 5 sheets" in html
    # The old link never renders the long day in the request.
    response = frontdesk_client.get(
        DAY_URL, {"date": day.isoformat(), "format": "pdf"}, follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert "prepared in the background" in response.content.decode()


def test_a_short_day_keeps_its_pdf_in_the_request(frontdesk_client, clinician):
    day = _day_with(clinician, NAMES[:2])
    response = frontdesk_client.get(DAY_URL, {"date": day.isoformat(), "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert DaySheetsJob.objects.count() == 0


def test_the_worker_renders_the_day_in_chunks_into_one_pdf(
    frontdesk_client, clinician, django_capture_on_commit_callbacks
):
    day = _day_with(clinician)
    job = _start(frontdesk_client, day, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.QUEUED and job.sheets_total == 5
    progress = frontdesk_client.get(
        reverse("printing:day-sheets-job", args=[job.code])
    ).content.decode()
    assert 'hx-trigger="every 2s"' in progress
    assert "Waiting for the background worker" in progress

    _run_worker()
    task = DBTaskResult.objects.get(task_path="printing.tasks.render_day_sheets")
    assert task.status == "SUCCESSFUL"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.sheets_done, job.sheets_total) == (5, 5)
    assert job.finished_at is not None

    page = frontdesk_client.get(DAY_URL, {"date": day.isoformat()}).content.decode()
    download = reverse("printing:day-sheets-job-download", args=[job.code])
    assert download in page and "hx-trigger" not in page
    response = frontdesk_client.get(download)
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    pages = pdf_pages(data)
    # One sheet a page here (no leg map), in the day's order, all in one file.
    assert len(pages) == 5
    for page, name in zip(pages, NAMES, strict=True):
        assert name in page
        assert "What we treated" in page
    event = AccessEvent.objects.filter(kind="day-sheets-pdf").latest("id")
    assert (event.query, event.count) == (day.isoformat(), 5)


def test_progress_is_recorded_after_each_chunk(clinician, frontdesk, monkeypatch):
    day = _day_with(clinician)
    job = DaySheetsJob.objects.create(day=day, requested_by=frontdesk)
    seen = []
    real = dayjobs.render_pdf

    def render_and_look(template, context):
        seen.append(DaySheetsJob.objects.get(pk=job.pk).sheets_done)
        return real(template, context)

    monkeypatch.setattr(dayjobs, "render_pdf", render_and_look)
    assert dayjobs.render_job(job.pk) == JobStatus.DONE
    assert seen == [0, 2, 4]


def test_progress_fragment_while_running(frontdesk_client, frontdesk, clinician):
    job = DaySheetsJob.objects.create(
        day=in_days(-1),
        requested_by=frontdesk,
        status=JobStatus.RUNNING,
        sheets_done=40,
        sheets_total=320,
    )
    html = frontdesk_client.get(
        reverse("printing:day-sheets-job", args=[job.code])
    ).content.decode()
    assert "40 of 320 sheets done" in html
    assert '<progress class="flex-grow-1" value="40" max="320">' in html
    assert 'hx-trigger="every 2s"' in html and "style=" not in html


def test_a_failed_render_says_failed_and_offers_a_retry_never_a_500(
    frontdesk_client, clinician, monkeypatch, django_capture_on_commit_callbacks
):
    day = _day_with(clinician)
    job = _start(frontdesk_client, day, django_capture_on_commit_callbacks)

    def broken(template, context):
        raise RuntimeError("out of paper")

    monkeypatch.setattr(dayjobs, "render_pdf", broken)
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "out of paper" in job.error
    page = frontdesk_client.get(DAY_URL, {"date": day.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Preparing the PDF failed." in html and "Try again" in html
    download = reverse("printing:day-sheets-job-download", args=[job.code])
    assert frontdesk_client.get(download).status_code == 404
    # Try again: a new job, which the mended worker finishes.
    monkeypatch.undo()
    monkeypatch.setattr(
        db_worker_command, "close_old_connections", lambda *args, **kwargs: None
    )
    with django_capture_on_commit_callbacks(execute=True):
        frontdesk_client.post(START_URL, {"date": day.isoformat()})
    again = DaySheetsJob.objects.latest("id")
    assert again.pk != job.pk
    assert dayjobs.render_job(again.pk) == JobStatus.DONE


def test_a_pending_job_is_reused_and_a_lost_one_replaced(
    frontdesk_client, clinician, django_capture_on_commit_callbacks
):
    day = _day_with(clinician)
    job = _start(frontdesk_client, day, django_capture_on_commit_callbacks)
    frontdesk_client.post(START_URL, {"date": day.isoformat()})
    assert DaySheetsJob.objects.count() == 1
    DaySheetsJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    html = frontdesk_client.get(DAY_URL, {"date": day.isoformat()}).content.decode()
    assert "did not finish it" in html and "Try again" in html
    frontdesk_client.post(START_URL, {"date": day.isoformat()})
    assert DaySheetsJob.objects.count() == 2
    lost = DaySheetsJob.objects.get(pk=job.pk)
    assert lost.status == JobStatus.FAILED and "did not finish" in lost.error


def test_two_desks_asking_at_once_make_one_job(clinician, frontdesk, monkeypatch):
    # The second request's look for a pending job ran before the first's
    # insert committed: its own insert meets the one-job-per-day constraint
    # and it gets the first's job instead of a second render.
    day = _day_with(clinician)
    first = DaySheetsJob.objects.create(day=day, requested_by=frontdesk)
    looks = iter([None])
    real = dayjobs._pending
    monkeypatch.setattr(
        dayjobs,
        "_pending",
        lambda day, *, lock: next(looks, None) if lock else real(day, lock=lock),
    )
    assert dayjobs.day_sheets_job_start(day=day, user=frontdesk) == first
    assert DaySheetsJob.objects.filter(day=day).count() == 1


def test_a_job_runs_once(clinician, frontdesk):
    job = DaySheetsJob.objects.create(day=_day_with(clinician), requested_by=frontdesk)
    assert dayjobs.render_job(job.pk) == JobStatus.DONE
    assert dayjobs.render_job(job.pk) == "skipped"


def test_a_day_without_sessions_fails_cleanly(frontdesk):
    job = DaySheetsJob.objects.create(day=in_days(-30), requested_by=frontdesk)
    assert dayjobs.render_job(job.pk) == JobStatus.FAILED


def test_files_are_removed_after_a_day(clinician, frontdesk):
    job = DaySheetsJob.objects.create(day=_day_with(clinician), requested_by=frontdesk)
    dayjobs.render_job(job.pk)
    job.refresh_from_db()
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert dayjobs.remove_old_jobs() == 0
    DaySheetsJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    call_command("day_sheets_cleanup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not storage.exists(name)
    assert not DaySheetsJob.objects.filter(pk=job.pk).exists()


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("clinician_client", 200),
        ("frontdesk_client", 200),
        ("manager_client", 200),
        ("outsider_client", 403),
    ],
)
def test_role_matrix_of_the_job_urls(
    request, clinician, frontdesk, client_name, status
):
    client = request.getfixturevalue(client_name)
    day = _day_with(clinician, NAMES[:3])
    job = DaySheetsJob.objects.create(day=day, requested_by=frontdesk)
    dayjobs.render_job(job.pk)
    progress = reverse("printing:day-sheets-job", args=[job.code])
    download = reverse("printing:day-sheets-job-download", args=[job.code])
    assert client.get(progress).status_code == status
    response = client.get(download)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    expected = 302 if status == 200 else status
    assert client.post(START_URL, {"date": day.isoformat()}).status_code == expected
    # Starting is a POST; a GET is refused.
    assert client.get(START_URL).status_code == (405 if status == 200 else status)


def test_a_bad_date_or_unknown_job_is_never_a_500(frontdesk_client):
    response = frontdesk_client.post(START_URL, {"date": "31-02-2026"}, follow=True)
    assert response.status_code == 200
    assert "Pick a valid day." in response.content.decode()
    import uuid

    unknown = reverse("printing:day-sheets-job", args=[uuid.uuid4()])
    assert frontdesk_client.get(unknown).status_code == 404
