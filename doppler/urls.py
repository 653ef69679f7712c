from django.urls import path

from doppler import views

app_name = "doppler"

urlpatterns = [
    path("patients/<uuid:code>/doppler/new/", views.doppler_create, name="create"),
    path("patients/doppler/<uuid:code>/", views.doppler_detail, name="detail"),
    path("patients/doppler/<uuid:code>/edit/", views.doppler_edit, name="edit"),
    path("patients/doppler/<uuid:code>/void/", views.doppler_void, name="void"),
    path("patients/doppler/<uuid:code>/sign/", views.doppler_sign, name="sign"),
    path(
        "patients/doppler/<uuid:code>/addenda/new/",
        views.doppler_addendum,
        name="addendum",
    ),
]
