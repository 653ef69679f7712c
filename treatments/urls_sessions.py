"""sessions URLs; names live in the `treatments` namespace."""

from django.urls import path

from treatments.views import sessions

urlpatterns: list = [
    path("patients/<uuid:code>/sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/injection-row/", sessions.injection_row, name="injection-row"),
    path("sessions/preview/", sessions.session_preview, name="session-preview"),
    path("sessions/<uuid:code>/", sessions.session_detail, name="session-detail"),
    path("sessions/<uuid:code>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<uuid:code>/void/", sessions.session_void, name="session-void"),
]
