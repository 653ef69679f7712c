from django.urls import include, path

app_name = "treatments"

# Each area keeps its own URL list; names all live in the `treatments` namespace.
urlpatterns = [
    path("", include("treatments.urls_sessions")),
    path("", include("treatments.urls_visits")),
    path("", include("treatments.urls_aftercare")),
    path("", include("treatments.urls_statistics")),
]
