"""Clinical photos: upload from the session, the file views, voiding, comparison.

The files are never given a public URL: `photo_file` and `photo_thumbnail`
read them from the private storage for a user with the view permission
(clinicians and the manager; front desk has none) and write the access log.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consent.models import Procedure
from consent.selectors import has_photo_consent
from core.access import note_access
from core.forms import VoidForm, add_service_error
from patients.models import Leg, Patient
from patients.selectors import get_patient
from photos import services
from photos.forms import PhotoUploadForm
from photos.models import ClinicalPhoto, Phase, View
from treatments.models import TreatmentSession


def _session_label(session: TreatmentSession) -> str:
    return f"{localtime(session.performed_at):%Y-%m-%d %H:%M}"


def _consent_url(patient: Patient) -> str:
    """Return the page where the patient signs the photography consent."""
    return reverse(
        "consent:sign",
        kwargs={"code": patient.code, "procedure": Procedure.PHOTOGRAPHY},
    )


def _initial(request: HttpRequest, session: TreatmentSession) -> dict:
    """The upload form's starting values: the session's time, and the phase
    and leg of the photo just saved (passed back in the query string)."""
    initial: dict[str, Any] = {"taken_at": localtime(session.performed_at)}
    for name, choices in (("phase", Phase), ("leg", Leg), ("view", View)):
        value = request.GET.get(name, "")
        if value in choices.values:
            initial[name] = value
    return initial


@permission_required(services.ADD_PERM, raise_exception=True)
def photo_upload(request: HttpRequest, code) -> HttpResponse:
    session = get_object_or_404(
        TreatmentSession.objects.select_related("patient"), code=code
    )
    patient = session.patient
    note_access(request, "photo-upload", patient=patient, label=_session_label(session))
    if request.method == "POST":
        form = PhotoUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.photo_add(
                    session=session,
                    user=request.user,
                    photo=form.clean_photo,
                    phase=data["phase"],
                    leg=data["leg"],
                    view=data["view"],
                    taken_at=data["taken_at"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_service_error(error, form)
            else:
                messages.success(
                    request,
                    _("Photo saved. Take the next one, or go back to the session."),
                )
                query = urlencode({"phase": data["phase"], "leg": data["leg"]})
                return redirect(
                    f"{reverse('photos:upload', args=[session.code])}?{query}"
                )
    else:
        form = PhotoUploadForm(initial=_initial(request, session))
    photos = list(
        ClinicalPhoto.objects.active()
        .filter(session=session)
        .order_by("taken_at", "id")
    )
    context = {
        "session": session,
        "patient": patient,
        "form": form,
        "photos": photos,
        "has_consent": has_photo_consent(patient),
        "consent_url": _consent_url(patient),
        "page": "patients",
    }
    return render(request, "photos/upload.html", context)


def _serve(request: HttpRequest, code, *, thumbnail: bool) -> FileResponse:
    photo = get_object_or_404(
        ClinicalPhoto.objects.select_related("patient", "session"), code=code
    )
    field = photo.thumbnail if thumbnail else photo.image
    kind = "photo-thumbnail" if thumbnail else "photo"
    note_access(request, kind, patient=photo.patient, label=str(photo))
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = f"{photo.code}{'-thumb' if thumbnail else ''}.jpg"
    response = FileResponse(handle, content_type="image/jpeg", filename=name)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required(services.VIEW_PERM, raise_exception=True)
def photo_file(request: HttpRequest, code) -> FileResponse:
    return _serve(request, code, thumbnail=False)


@permission_required(services.VIEW_PERM, raise_exception=True)
def photo_thumbnail(request: HttpRequest, code) -> FileResponse:
    return _serve(request, code, thumbnail=True)


@require_POST
@permission_required(services.VOID_PERM, raise_exception=True)
def photo_void(request: HttpRequest, code) -> HttpResponse:
    photo = get_object_or_404(
        ClinicalPhoto.objects.select_related("session"), code=code
    )
    form = VoidForm(request.POST)
    if not form.is_valid():
        for message in form["reason"].errors:
            messages.error(request, str(message))
        return redirect(photo.session)
    try:
        services.photo_void(
            photo=photo, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(photo.session)
    messages.success(request, _("Photo voided. It stays in the record."))
    return redirect(photo.session)


def _pick(photos: list[ClinicalPhoto], wanted: str, fallback: ClinicalPhoto):
    return next((p for p in photos if str(p.code) == wanted), fallback)


@permission_required(services.VIEW_PERM, raise_exception=True)
def photo_compare(request: HttpRequest, code) -> HttpResponse:
    """Two photos of the same leg and view side by side: by default the
    earliest and the latest; voided photos are left out."""
    patient = get_patient(code)
    note_access(request, "photo-compare", patient=patient)
    photos = list(
        ClinicalPhoto.objects.active()
        .filter(patient=patient)
        .select_related("session")
        .order_by("taken_at", "id")
    )
    pairs = list(dict.fromkeys((p.leg, p.view) for p in photos))
    leg = request.GET.get("leg", "")
    view = request.GET.get("view", "")
    if (leg, view) not in pairs:
        leg, view = pairs[0] if pairs else (Leg.RIGHT.value, View.FRONT.value)
    candidates = [p for p in photos if p.leg == leg and p.view == view]
    first = second = None
    if candidates:
        first = _pick(candidates, request.GET.get("first", ""), candidates[0])
        second = _pick(candidates, request.GET.get("second", ""), candidates[-1])
    context = {
        "patient": patient,
        "leg": leg,
        "view": view,
        "legs": Leg.choices,
        "views": View.choices,
        "available": [
            {
                "leg": pair[0],
                "view": pair[1],
                "label": f"{Leg(pair[0]).label} · {View(pair[1]).label}",
                "count": sum(1 for p in photos if (p.leg, p.view) == pair),
                "current": pair == (leg, view),
            }
            for pair in pairs
        ],
        "candidates": candidates,
        "first": first,
        "second": second,
        "pair": [photo for photo in (first, second) if photo is not None],
        "page": "patients",
    }
    return render(request, "photos/compare.html", context)
