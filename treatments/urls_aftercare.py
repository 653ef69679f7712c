"""aftercare URLs; names live in the `treatments` namespace."""

from django.urls import path

from treatments.views import aftercare

urlpatterns: list = [
    path("sessions/<uuid:code>/aftercare.pdf", aftercare.aftercare_pdf, name="aftercare-pdf"),
    path("sessions/<uuid:code>/aftercare/", aftercare.aftercare_print, name="aftercare-print"),
    path("aftercare/day/", aftercare.aftercare_day, name="aftercare-day"),
    path("letterhead/", aftercare.letterhead_edit, name="letterhead-edit"),
]
