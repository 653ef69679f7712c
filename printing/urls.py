from django.urls import path

from printing import views

app_name = "printing"

urlpatterns = [
    path(
        "sessions/<uuid:code>/aftercare.pdf", views.aftercare_pdf, name="aftercare-pdf"
    ),
    path(
        "sessions/<uuid:code>/aftercare/", views.aftercare_print, name="aftercare-print"
    ),
    path("aftercare/day/", views.aftercare_day, name="aftercare-day"),
    path("letterhead/", views.letterhead_edit, name="letterhead-edit"),
]
