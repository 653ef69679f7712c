from django.urls import path

from outcomes import views_public

app_name = "outcomes"

urlpatterns = [
    # Opened from an invitation without a login (outcomes.links); short for SMS.
    path("q/<str:token>/", views_public.questionnaire_answer, name="answer"),
]
