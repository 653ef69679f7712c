"""Doppler assessment URLs; names live in the `patients` namespace."""

urlpatterns: list = []
