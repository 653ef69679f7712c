"""The access log for the manager: clinic-wide, and who viewed one patient."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from accesslog.forms import AccessFilterForm
from accesslog.selectors import Cursor, access_events
from core.access import note_access
from patients.selectors import get_patient

PAGE_SIZE = 50
_FILTER_KEYS = ("user", "from", "to")


def _log_context(request: HttpRequest, *, patient: Any = None) -> dict[str, Any]:
    """Return the filter form, the page of events and the links to the
    first and the next page, which keep the filter."""
    form = AccessFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    before = Cursor.parse(request.GET.get("before"))
    page = access_events(
        patient=patient, before=before, size=PAGE_SIZE, **form.filters()
    )
    query = QueryDict(mutable=True)
    for key in _FILTER_KEYS:
        if request.GET.get(key):
            query[key] = request.GET[key]
    first_query = query.urlencode()
    next_query = None
    if page.next_cursor is not None:
        query["before"] = str(page.next_cursor)
        next_query = query.urlencode()
    shown = {event.patient_id for event in page.events if event.patient_id}
    note_access(
        request,
        "access-log",
        patient=patient,
        query=form.as_query(),
        count=None if patient is not None else len(shown),
    )
    return {
        "form": form,
        "events": page.events,
        "is_first_page": before is None,
        "first_query": first_query,
        "next_query": next_query,
    }


@permission_required("accesslog.view_accessevent", raise_exception=True)
def access_log(request: HttpRequest) -> HttpResponse:
    """Show who viewed which patient's records, newest first."""
    context = _log_context(request)
    context["page"] = "access-log"
    return render(request, "accesslog/access_log.html", context)


@permission_required("accesslog.view_accessevent", raise_exception=True)
def patient_access_log(request: HttpRequest, code) -> HttpResponse:
    """Show who viewed this patient's records, newest first."""
    patient = get_patient(code)
    context = _log_context(request, patient=patient)
    context.update({"patient": patient, "page": "patients"})
    return render(request, "accesslog/patient_access_log.html", context)
