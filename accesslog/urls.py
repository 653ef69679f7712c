from django.urls import path

from accesslog import views

app_name = "accesslog"

urlpatterns = [
    path("access-log/", views.access_log, name="list"),
    path(
        "patients/<uuid:code>/access-log/",
        views.patient_access_log,
        name="patient",
    ),
]
