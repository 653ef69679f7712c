from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accesslog"
    verbose_name = "Access log"
