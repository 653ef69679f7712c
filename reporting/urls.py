from django.urls import path

from reporting import views, views_registry, views_trends

app_name = "reporting"

urlpatterns = [
    path("statistics/", views.statistics_overview, name="statistics"),
    path("statistics/overrides/", views.statistics_overrides, name="overrides"),
    path("statistics/export.csv", views.statistics_export, name="export"),
    path("statistics/registry/", views_registry.registry_page, name="registry"),
    path(
        "statistics/registry/export.csv",
        views_registry.registry_export,
        name="registry_export",
    ),
    path("statistics/trends/", views_trends.trends_overview, name="trends"),
    path(
        "statistics/trends/export.csv", views_trends.trends_export, name="trends_export"
    ),
]
