from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from visits import views_agenda

admin.site.site_header = "Sclero Clinic administration"
admin.site.site_title = "Sclero Clinic"

urlpatterns = [
    path("", views_agenda.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("core.login_urls")),
    # Each room keeps its own URLs; the paths are whole in each urls.py.
    path("", include("patients.urls")),
    path("", include("accesslog.urls")),
    path("", include("records.urls")),
    path("", include("consent.urls")),
    path("", include("doppler.urls")),
    path("", include("treatments.urls")),
    path("", include("visits.urls")),
    path("", include("photos.urls")),
    path("", include("outcomes.urls")),
    path("", include("printing.urls")),
    path("", include("reporting.urls")),
    path("", include("clinics.urls")),
    path("admin/", admin.site.urls),
]
