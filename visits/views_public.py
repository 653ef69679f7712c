"""The pages a patient opens from a reminder, without a login.

`r/<token>/` shows the visit's date, time and site and takes the answer: "I
will come" or "I need to cancel" (visits.links signs and reads the token;
visits.services.visit_patient_answer records the answer). Asking to cancel
flags the visit for the front desk, who call and cancel it with a reason.
Nothing else about the patient or the visit is shown; the page is never
cached, indexed, or named to another site in a Referer.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from core.access import note_access
from visits import links, services

TEMPLATE = "visits/public/answer.html"


# The address holds the secret: no Referer ever carries more than the
# site's origin. Not "no-referrer": with it the browser sends "Origin: null"
# with the page's own form, and the CSRF check refuses the answer.
ANSWER_REFERRER_POLICY = "strict-origin"


def private_page(
    response: HttpResponse, *, referrer_policy: str = "no-referrer"
) -> HttpResponse:
    """Headers of a response opened with a secret in its address."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    response["Referrer-Policy"] = referrer_policy
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def visit_answer(request: HttpRequest, token: str) -> HttpResponse:
    visit, problem = links.read_token(token)
    if visit is None:
        # Not ours, or tampered with: say no more than that.
        return private_page(render(request, TEMPLATE, {"problem": problem}, status=404))
    # The log names the patient; the path is kept without the token.
    note_access(
        request,
        "visit-answer",
        patient=visit.patient,
        label=f"{timezone.localtime(visit.starts_at):%Y-%m-%d %H:%M}",
        path=request.path.replace(token, "…"),
    )
    with translation.override(visit.patient.language):
        error = ""
        if request.method == "POST" and problem is None:
            try:
                services.visit_patient_answer(
                    visit=visit,
                    answer=request.POST.get("answer", ""),
                    expected_version=visit.version,
                )
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            else:
                return private_page(
                    redirect(request.path), referrer_policy=ANSWER_REFERRER_POLICY
                )
            visit, problem = links.read_token(token)
        assert visit is not None
        context = {
            "problem": problem,
            "visit": visit,
            "starts": timezone.localtime(visit.starts_at),
            "site": visit.site,
            "address_lines": [
                line.strip() for line in visit.site.address.splitlines() if line.strip()
            ],
            "error": error,
        }
        response = render(request, TEMPLATE, context, status=400 if error else 200)
    return private_page(response, referrer_policy=ANSWER_REFERRER_POLICY)
