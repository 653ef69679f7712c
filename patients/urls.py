from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("patients/", views.patient_list, name="list"),
    path("patients/new/", views.patient_create, name="create"),
    path("patients/<uuid:code>/edit/", views.patient_edit, name="edit"),
    path("patients/<uuid:code>/archive/", views.patient_archive, name="archive"),
    path("patients/<uuid:code>/restore/", views.patient_restore, name="restore"),
]
