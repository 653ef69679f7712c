from django.apps import AppConfig


class DopplerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "doppler"
