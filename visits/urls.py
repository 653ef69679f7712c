from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("agenda/", views.agenda_day, name="agenda-day"),
    path("agenda/week/", views.agenda_week, name="agenda-week"),
    path("agenda/worklist/", views.worklist, name="worklist"),
    path("patients/<uuid:code>/visits/new/", views.visit_create, name="create"),
    path("visits/<uuid:code>/", views.visit_detail, name="detail"),
    path("visits/<uuid:code>/reschedule/", views.visit_reschedule, name="reschedule"),
    path("visits/<uuid:code>/cancel/", views.visit_cancel, name="cancel"),
    path("visits/<uuid:code>/arrive/", views.visit_arrive, name="arrive"),
    path("visits/<uuid:code>/no-show/", views.visit_no_show, name="no-show"),
    path("visits/<uuid:code>/outcome/", views.visit_outcome, name="outcome"),
    path("visits/<uuid:code>/visit.ics", views.visit_ics, name="ics"),
    path("visits/<uuid:code>/slip.pdf", views.visit_slip, name="slip"),
]
