from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("statistics/", views.statistics_overview, name="statistics"),
    path("statistics/overrides/", views.statistics_overrides, name="overrides"),
    path("statistics/export.csv", views.statistics_export, name="export"),
]
