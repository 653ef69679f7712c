"""Consent forms: the texts the manager keeps, and the patient's signed forms."""

app_name = "consent"

urlpatterns: list = []
