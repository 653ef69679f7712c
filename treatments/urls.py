from django.urls import path

from treatments import views, views_lots

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
    path("lots/", views_lots.lot_list, name="lot-list"),
    path("lots/new/", views_lots.lot_add, name="lot-add"),
    path("lots/<uuid:code>/edit/", views_lots.lot_edit, name="lot-edit"),
    path("lots/<uuid:code>/close/", views_lots.lot_close, name="lot-close"),
    path("lots/<uuid:code>/reopen/", views_lots.lot_reopen, name="lot-reopen"),
    path(
        "lots/<uuid:code>/recipients/",
        views_lots.lot_recipients,
        name="lot-recipients",
    ),
    path(
        "lots/<uuid:code>/recipients.csv",
        views_lots.lot_recipients_csv,
        name="lot-recipients-csv",
    ),
    path(
        "lots/<uuid:code>/recipients/print/",
        views_lots.lot_recipients_print,
        name="lot-recipients-print",
    ),
    path(
        "sessions/<uuid:code>/addenda/new/",
        views.session_addendum,
        name="session-addendum",
    ),
]
