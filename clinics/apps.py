from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = _("Sites and availability")
    default_auto_field = "django.db.models.BigAutoField"
