"""The questionnaire a patient opens from an invitation, without a login.

`q/<token>/` shows the instrument's introduction and items in the patient's
language and takes the answers (outcomes.links signs and reads the token;
outcomes.services.record_response stores them, once). Nothing identifying
the patient is shown, not even the first name: whoever holds the link sees
the questionnaire only. After the answer the page thanks the patient; a
used, expired, cancelled or tampered link says so. The page is never
cached, indexed, or named to another site in a Referer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from core.access import note_access
from outcomes import links, services
from outcomes.forms import QuestionnaireForm
from outcomes.models import ResponseSource
from visits.views_public import ANSWER_REFERRER_POLICY, private_page

TEMPLATE = "outcomes/public/answer.html"


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation, problem = links.read_token(token)
    if invitation is None:
        # Not ours, or tampered with: say no more than that.
        return private_page(render(request, TEMPLATE, {"problem": problem}, status=404))
    note_access(
        request,
        "questionnaire-link",
        patient=invitation.patient,
        label=f"{invitation.instrument.code} {invitation.timepoint}",
        path=request.path.replace(token, "…"),
    )
    language = invitation.patient.language or "en"
    instrument = invitation.instrument
    with translation.override(language):
        form = None
        status = 200
        if problem is None:
            items = list(instrument.items.all())
            form = QuestionnaireForm(
                request.POST if request.method == "POST" else None,
                items=items,
                language=language,
            )
            if request.method == "POST":
                if form.is_valid():
                    try:
                        services.record_response(
                            patient=invitation.patient,
                            instrument=instrument,
                            answers=form.answers(),
                            source=ResponseSource.LINK,
                            language=language,
                            invitation=invitation,
                            timepoint=invitation.timepoint,
                        )
                    except ValidationError:
                        # Answered meanwhile (another tab, a double tap): the
                        # page now says the questionnaire is filled in.
                        invitation, problem = links.read_token(token)
                        form = None
                    else:
                        return private_page(
                            redirect(f"{request.path}?thanks=1"),
                            referrer_policy=ANSWER_REFERRER_POLICY,
                        )
                else:
                    status = 400
        context = {
            "problem": problem,
            "thanks": problem is not None
            and problem.code == links.ANSWERED
            and request.GET.get("thanks") == "1",
            "form": form,
            "name": instrument.name_in(language),
            "intro": instrument.intro_in(language),
        }
        response = render(request, TEMPLATE, context, status=status)
    return private_page(response, referrer_policy=ANSWER_REFERRER_POLICY)
