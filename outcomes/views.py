"""Questionnaires at the clinic: filled on the tablet or entered from paper,
a response's page, and voiding.

`questionnaire_new` (clinicians and front desk) shows the questionnaire in
the patient's language (?lang= switches it) with a few staff fields at the
top: tablet or paper, the timepoint, the day a paper form was filled and the
open invitation it answers. Clinicians and the manager see the responses
(`response_detail`); clinicians void them with a reason.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import note_access
from core.forms import VoidForm, add_service_error
from outcomes import selectors, services
from outcomes.forms import StaffQuestionnaireForm
from outcomes.models import (
    Instrument,
    QuestionnaireResponse,
    ResponseSource,
)
from patients.models import Language
from patients.selectors import get_patient


def _instrument(request: HttpRequest) -> Instrument:
    instruments = list(Instrument.objects.filter(active=True))
    if not instruments:
        raise Http404
    wanted = request.GET.get("instrument", "")
    chosen = next((i for i in instruments if i.code == wanted), None)
    if chosen is None:
        chosen = next((i for i in instruments if i.scheduled), instruments[0])
    return chosen


@permission_required(selectors.ADD_PERM, raise_exception=True)
def questionnaire_new(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    instrument = _instrument(request)
    note_access(request, "questionnaire-tablet", patient=patient, label=instrument.code)
    language = request.GET.get("lang", "") or patient.language or "en"
    if language not in Language.values:
        language = "en"
    new_url = reverse("outcomes:new", kwargs={"code": patient.code})
    base_context = {
        "patient": patient,
        "instrument": instrument,
        "instruments": list(Instrument.objects.filter(active=True)),
        "language": language,
        "languages": Language.choices,
        "new_url": new_url,
        "page": "patients",
    }
    if request.GET.get("saved") == "1" and request.method != "POST":
        return render(request, "outcomes/questionnaire_saved.html", base_context)
    items = list(instrument.items.all())
    form = StaffQuestionnaireForm(
        request.POST if request.method == "POST" else None,
        items=items,
        language=language,
        patient=patient,
        instrument=instrument,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = data["source"]
        answered_at = timezone.now()
        if source == ResponseSource.PAPER and data.get("answered_on"):
            answered_at = timezone.make_aware(
                datetime.combine(data["answered_on"], time(12, 0))
            )
        try:
            services.record_response(
                patient=patient,
                instrument=instrument,
                answers=form.answers(),
                source=source,
                language=language,
                user=request.user,
                invitation=data.get("invitation"),
                timepoint=data["timepoint"],
                answered_at=answered_at,
            )
        except ValidationError as error:
            add_service_error(error, form)
        else:
            query = f"?saved=1&instrument={instrument.code}&lang={language}"
            return redirect(new_url + query)
    with translation.override(language):
        questions = {
            "name": instrument.name_in(language),
            "intro": instrument.intro_in(language),
            "submit": _("Send my answers"),
        }
    context = {**base_context, "form": form, "questions": questions}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "outcomes/questionnaire_new.html", context, status=status)


@permission_required(selectors.VIEW_PERM, raise_exception=True)
def response_detail(request: HttpRequest, code) -> HttpResponse:
    try:
        response, row = selectors.response_detail(code)
    except QuestionnaireResponse.DoesNotExist:
        raise Http404 from None
    note_access(
        request,
        "questionnaire",
        patient=response.patient,
        label=f"{response.instrument.code} {response.answered_at:%Y-%m-%d}",
    )
    context = {
        "patient": response.patient,
        "response": response,
        "row": row,
        "void_form": VoidForm(),
        "page": "patients",
    }
    return render(request, "outcomes/response_detail.html", context)


@require_POST
@permission_required(selectors.VOID_PERM, raise_exception=True)
def response_void(request: HttpRequest, code) -> HttpResponse:
    response = (
        QuestionnaireResponse.objects.select_related("patient")
        .filter(code=code)
        .first()
    )
    if response is None:
        raise Http404
    note_access(request, "questionnaire-void", patient=response.patient)
    detail = reverse("outcomes:response", kwargs={"code": response.code})
    form = VoidForm(request.POST)
    if not form.is_valid():
        for message in form["reason"].errors:
            messages.error(request, str(message))
        return redirect(detail)
    try:
        services.void_response(response, request.user, form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(detail)
    messages.success(request, _("Questionnaire voided. It stays in the record."))
    return redirect(detail)
