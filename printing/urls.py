from django.urls import path

from printing import views, views_letters

app_name = "printing"

urlpatterns = [
    path(
        "sessions/<uuid:code>/aftercare.pdf", views.aftercare_pdf, name="aftercare-pdf"
    ),
    path(
        "sessions/<uuid:code>/aftercare/", views.aftercare_print, name="aftercare-print"
    ),
    path("aftercare/day/", views.aftercare_day, name="aftercare-day"),
    path(
        "aftercare/day/jobs/", views.day_sheets_job_start, name="day-sheets-job-start"
    ),
    path(
        "aftercare/day/jobs/<uuid:code>/",
        views.day_sheets_job_progress,
        name="day-sheets-job",
    ),
    path(
        "aftercare/day/jobs/<uuid:code>/aftercare.pdf",
        views.day_sheets_job_download,
        name="day-sheets-job-download",
    ),
    path("letterhead/", views.letterhead_edit, name="letterhead-edit"),
    path(
        "doppler/<uuid:code>/report.pdf",
        views_letters.doppler_report_pdf,
        name="doppler-report-pdf",
    ),
    path(
        "patients/<uuid:code>/letter/",
        views_letters.referral_letter,
        name="letter",
    ),
]
