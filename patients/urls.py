from django.urls import include, path

from patients.views import patients

app_name = "patients"

urlpatterns = [
    path("", patients.patient_list, name="list"),
    path("new/", patients.patient_create, name="create"),
    path("<uuid:code>/", patients.patient_detail, name="detail"),
    path("<uuid:code>/edit/", patients.patient_edit, name="edit"),
    path("<uuid:code>/archive/", patients.patient_archive, name="archive"),
    path("<uuid:code>/restore/", patients.patient_restore, name="restore"),
    path("<uuid:code>/history/", patients.patient_history, name="history"),
    # Doppler assessments (issue 3).
    path("", include("patients.urls_doppler")),
]
