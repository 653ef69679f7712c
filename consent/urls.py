"""Consent forms: the texts the manager keeps, and the patient's signed forms."""

from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("consent-texts/", views.text_list, name="texts"),
    path("consent-texts/new/", views.text_add, name="text-add"),
    path("consent-texts/<uuid:code>/", views.text_detail, name="text"),
    path("patients/<uuid:code>/consents/", views.patient_consents, name="patient"),
    path(
        "patients/<uuid:code>/consents/sign/<slug:procedure>/",
        views.sign,
        name="sign",
    ),
    path(
        "patients/<uuid:code>/consents/print/<slug:procedure>/",
        views.blank_form,
        name="blank",
    ),
    path("patients/<uuid:code>/consents/paper/", views.paper, name="paper"),
    path("consents/<uuid:code>/file/", views.consent_file, name="file"),
    path("consents/<uuid:code>/withdraw/", views.withdraw, name="withdraw"),
    path("consents/<uuid:code>/void/", views.void, name="void"),
]
