"""Doppler assessment URLs; names live in the `patients` namespace."""

from django.urls import path

from patients.views import doppler

urlpatterns: list = [
    path("<uuid:code>/doppler/new/", doppler.doppler_create, name="doppler-create"),
    path("doppler/<uuid:code>/", doppler.doppler_detail, name="doppler-detail"),
    path("doppler/<uuid:code>/edit/", doppler.doppler_edit, name="doppler-edit"),
    path("doppler/<uuid:code>/void/", doppler.doppler_void, name="doppler-void"),
]
