from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path(
        "patients/<uuid:code>/sessions/new/",
        views.session_create,
        name="session-create",
    ),
    path("sessions/injection-row/", views.injection_row, name="injection-row"),
    path("sessions/preview/", views.session_preview, name="session-preview"),
    path("sessions/<uuid:code>/", views.session_detail, name="session-detail"),
    path("sessions/<uuid:code>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<uuid:code>/void/", views.session_void, name="session-void"),
    path("sessions/<uuid:code>/sign/", views.session_sign, name="session-sign"),
    path(
        "sessions/<uuid:code>/addenda/new/",
        views.session_addendum,
        name="session-addendum",
    ),
]
