from django.urls import path

from visits import views, views_agenda, views_feed, views_messages, views_public

app_name = "visits"

urlpatterns = [
    path("agenda/", views_agenda.agenda_day, name="agenda-day"),
    path("agenda/week/", views_agenda.agenda_week, name="agenda-week"),
    path("agenda/book/", views_agenda.book_slot, name="book-slot"),
    path("agenda/next-free/", views_agenda.next_free, name="next-free"),
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
    path(
        "visits/<uuid:code>/send-again/",
        views_messages.message_send_again,
        name="send-again",
    ),
    # Opened from a reminder without a login (visits.links); short for SMS.
    path("r/<str:token>/", views_public.visit_answer, name="answer"),
    path("agenda/calendar-feed/", views_feed.calendar_feed, name="calendar-feed"),
    # A clinician's feed, read by a calendar app without a login.
    path("calendar/<str:token>.ics", views_feed.feed, name="feed"),
]
