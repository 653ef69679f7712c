"""statistics URLs; names live in the `treatments` namespace."""

from django.urls import path

from treatments.views import statistics

urlpatterns: list = [
    path("statistics/", statistics.statistics_overview, name="statistics"),
    path(
        "statistics/overrides/",
        statistics.statistics_overrides,
        name="statistics-overrides",
    ),
    path(
        "statistics/export.csv",
        statistics.statistics_export,
        name="statistics-export",
    ),
]
