"""The questionnaire a patient opens from an invitation, without a login.

`q/<token>/` shows the instrument's introduction and items in the patient's
language and takes the answers (outcomes.links signs and reads the token).
Nothing identifying the patient is shown, not even the first name: whoever
holds the link sees the questionnaire only. The page is never cached,
indexed, or named to another site in a Referer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from core.access import note_access
from outcomes import links
from visits.views_public import ANSWER_REFERRER_POLICY, private_page

TEMPLATE = "outcomes/public/answer.html"


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation, problem = links.read_token(token)
    if invitation is None:
        return private_page(render(request, TEMPLATE, {"problem": problem}, status=404))
    note_access(
        request,
        "questionnaire-link",
        patient=invitation.patient,
        label=invitation.get_timepoint_display(),
        path=request.path.replace(token, "…"),
    )
    with translation.override(invitation.patient.language):
        response = render(
            request, TEMPLATE, {"problem": problem, "invitation": invitation}
        )
    return private_page(response, referrer_policy=ANSWER_REFERRER_POLICY)
