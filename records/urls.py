from django.urls import path

from records import views, views_fhir

app_name = "records"

urlpatterns = [
    path("patients/<uuid:code>/", views.patient_detail, name="patient"),
    path("patients/<uuid:code>/history/", views.patient_history, name="history"),
    path("patients/<uuid:code>/merge/", views.patient_merge, name="merge"),
    path("patients/<uuid:code>/export/", views.patient_data_export, name="export"),
    path("patients/<uuid:code>/fhir.json", views_fhir.patient_fhir, name="fhir"),
    path("audit/", views.audit, name="audit"),
    path("visits/to-move/", views.visits_to_move_list, name="visits-to-move"),
]
