from django.urls import path

from patients import referring_views, views

app_name = "patients"

urlpatterns = [
    path("patients/", views.patient_list, name="list"),
    path("patients/new/", views.patient_create, name="create"),
    path("patients/<uuid:code>/edit/", views.patient_edit, name="edit"),
    path("patients/<uuid:code>/archive/", views.patient_archive, name="archive"),
    path("patients/<uuid:code>/restore/", views.patient_restore, name="restore"),
    path("referring-doctors/", referring_views.referring_list, name="referring-list"),
    path(
        "referring-doctors/new/",
        referring_views.referring_create,
        name="referring-create",
    ),
    path(
        "referring-doctors/<uuid:code>/edit/",
        referring_views.referring_edit,
        name="referring-edit",
    ),
    path(
        "referring-doctors/<uuid:code>/deactivate/",
        referring_views.referring_deactivate,
        name="referring-deactivate",
    ),
    path(
        "referring-doctors/<uuid:code>/reactivate/",
        referring_views.referring_reactivate,
        name="referring-reactivate",
    ),
]
