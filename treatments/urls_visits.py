"""visits URLs; names live in the `treatments` namespace."""

from django.urls import path

from treatments.views import visits

urlpatterns: list = [
    path("agenda/", visits.agenda_day, name="agenda-day"),
    path("agenda/week/", visits.agenda_week, name="agenda-week"),
    path("agenda/worklist/", visits.worklist, name="worklist"),
    path("patients/<uuid:code>/visits/new/", visits.visit_create, name="visit-create"),
    path("visits/<uuid:code>/", visits.visit_detail, name="visit-detail"),
    path(
        "visits/<uuid:code>/reschedule/",
        visits.visit_reschedule,
        name="visit-reschedule",
    ),
    path("visits/<uuid:code>/cancel/", visits.visit_cancel, name="visit-cancel"),
    path("visits/<uuid:code>/arrive/", visits.visit_arrive, name="visit-arrive"),
    path("visits/<uuid:code>/no-show/", visits.visit_no_show, name="visit-no-show"),
    path("visits/<uuid:code>/outcome/", visits.visit_outcome, name="visit-outcome"),
    path("visits/<uuid:code>/visit.ics", visits.visit_ics, name="visit-ics"),
    path("visits/<uuid:code>/slip.pdf", visits.visit_slip, name="visit-slip"),
]
