from django.urls import path

from outcomes import views, views_public

app_name = "outcomes"

urlpatterns = [
    path(
        "patients/<uuid:code>/questionnaires/new/",
        views.questionnaire_new,
        name="new",
    ),
    path("questionnaires/<uuid:code>/", views.response_detail, name="response"),
    path("questionnaires/<uuid:code>/void/", views.response_void, name="void"),
    # Opened from an invitation without a login (outcomes.links); short for SMS.
    path("q/<str:token>/", views_public.questionnaire_answer, name="answer"),
]
