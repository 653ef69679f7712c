"""Clinical photos: upload, the authenticated file view, comparison, voiding."""

from django.urls import path

from photos import views

app_name = "photos"

urlpatterns = [
    path("sessions/<uuid:code>/photos/new/", views.photo_upload, name="upload"),
    path("photos/<uuid:code>/file/", views.photo_file, name="file"),
    path("photos/<uuid:code>/thumbnail/", views.photo_thumbnail, name="thumbnail"),
    path("photos/<uuid:code>/void/", views.photo_void, name="void"),
    path("patients/<uuid:code>/photos/", views.photo_compare, name="compare"),
]
