"""Consent pages: the texts (kept by the manager), signing on the tablet,
scanning a paper form, a patient's consents and the signed file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consent import services
from consent.forms import PaperForm, ReasonForm, SignForm, TextVersionForm
from consent.models import ConsentText, Procedure, SignedConsent
from consent.pdf import render_blank_pdf
from consent.selectors import consents_of, current_text
from core.access import note_access
from core.forms import add_service_error
from patients.models import Language
from patients.selectors import get_patient

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def _get_consent(code) -> SignedConsent:
    return get_object_or_404(
        SignedConsent.objects.select_related("patient", "text", "witness"), code=code
    )


# --- texts -------------------------------------------------------------------------


@permission_required("consent.view_consenttext", raise_exception=True)
def text_list(request: HttpRequest) -> HttpResponse:
    texts = ConsentText.objects.select_related("created_by").order_by(
        "procedure", "language", "-version"
    )
    return render(
        request, "consent/text_list.html", {"texts": texts, "page": "consent-texts"}
    )


@permission_required("consent.view_consenttext", raise_exception=True)
def text_detail(request: HttpRequest, code) -> HttpResponse:
    texts = ConsentText.objects.select_related("created_by")
    text = get_object_or_404(texts, code=code)
    return render(
        request, "consent/text_detail.html", {"text": text, "page": "consent-texts"}
    )


@permission_required("consent.manage_consenttext", raise_exception=True)
def text_add(request: HttpRequest) -> HttpResponse:
    """A new version: the form starts from the version in use, if any."""
    if request.method == "POST":
        form = TextVersionForm(request.POST)
        if form.is_valid():
            try:
                text = services.text_add_version(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(error, form)
            else:
                messages.success(
                    request,
                    _("Version %(version)s is now the one patients sign.")
                    % {"version": text.version},
                )
                return redirect(text.get_absolute_url())
    else:
        procedure = request.GET.get("procedure", "")
        language = request.GET.get("language", "")
        initial = {}
        if procedure in Procedure.values and language in Language.values:
            initial = {"procedure": procedure, "language": language}
            base = (
                ConsentText.objects.active()
                .filter(procedure=procedure, language=language)
                .first()
            )
            if base is not None:
                initial.update(title=base.title, body=base.body)
        form = TextVersionForm(initial=initial)
    return render(
        request, "consent/text_form.html", {"form": form, "page": "consent-texts"}
    )


# --- a patient's consents ----------------------------------------------------------


@permission_required("patients.view_patient", raise_exception=True)
def patient_consents(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    note_access(request, "consents", patient=patient)
    return render(
        request,
        "consent/patient_consents.html",
        {
            "patient": patient,
            "consents": consents_of(patient),
            "procedures": Procedure.choices,
            "page": "patients",
        },
    )


@permission_required("consent.sign_on_tablet", raise_exception=True)
def sign(request: HttpRequest, code, procedure: str) -> HttpResponse:
    """The tablet page: the text in the patient's language and the pad."""
    if procedure not in Procedure.values:
        raise Http404(_("Unknown procedure."))
    patient = get_patient(code)
    language = request.GET.get("language") or patient.language
    if language not in Language.values:
        language = patient.language
    text = current_text(procedure, language)
    if text is None:
        raise Http404(_("There is no consent text in use for this procedure."))
    form = SignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # The text shown is the one the form names; a version replaced
        # meanwhile is refused so the patient signs what they read.
        valid = form.is_valid()
        if request.POST.get("text", "") != str(text.code):
            form.add_error(
                None,
                _("The text changed while the page was open: read it again and sign."),
            )
        elif valid:
            try:
                consent = services.consent_sign_on_tablet(
                    patient=patient,
                    procedure=procedure,
                    text=text,
                    signature_png=form.cleaned_data["signature"],
                    witness=form.cleaned_data["witness"],
                    witness_name=form.cleaned_data["witness_name"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_error(error, form)
            else:
                label = str(consent)
                note_access(request, "consent-sign", patient=patient, label=label)
                messages.success(request, _("The signed consent is saved."))
                return redirect("consent:patient", code=patient.code)
    note_access(request, "consent-sign", patient=patient, label=str(text))
    return render(
        request,
        "consent/sign.html",
        {
            "patient": patient,
            "text": text,
            "form": form,
            "procedure": procedure,
            "languages": Language.choices,
            "page": "patients",
        },
    )


@permission_required("consent.add_signedconsent", raise_exception=True)
def blank_form(request: HttpRequest, code, procedure: str) -> HttpResponse:
    """The form to print and sign on paper: the text in use in the
    patient's language (or ?language=), with the patient's name."""
    if procedure not in Procedure.values:
        raise Http404(_("Unknown procedure."))
    patient = get_patient(code)
    language = request.GET.get("language") or patient.language
    text = current_text(
        procedure, language if language in Language.values else patient.language
    )
    if text is None:
        raise Http404(_("There is no consent text in use for this procedure."))
    name = f"consent-form-{procedure}-{patient.chart_number}-v{text.version}.pdf"
    note_access(request, "consent-blank", patient=patient, label=name)
    response = HttpResponse(
        render_blank_pdf(text, patient), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response


@permission_required("consent.add_signedconsent", raise_exception=True)
def paper(request: HttpRequest, code) -> HttpResponse:
    """Record a consent signed on paper, with its scan."""
    patient = get_patient(code)
    initial = {"language": patient.language}
    if request.GET.get("procedure") in Procedure.values:
        initial["procedure"] = request.GET["procedure"]
    posted = request.method == "POST"
    form = PaperForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record_paper(
                patient=patient,
                procedure=form.cleaned_data["procedure"],
                text=form.cleaned_data["text"],
                signed_at=form.cleaned_data["signed_at"],
                scan=form.cleaned_data["scan"],
                extension=form.scan_extension,
                witness=form.cleaned_data["witness"],
                witness_name=form.cleaned_data["witness_name"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(error, form)
        else:
            note_access(request, "consent-paper", patient=patient, label=str(consent))
            messages.success(request, _("The scanned consent is saved."))
            return redirect("consent:patient", code=patient.code)
    note_access(request, "consent-paper", patient=patient)
    return render(
        request,
        "consent/paper_form.html",
        {"patient": patient, "form": form, "page": "patients"},
    )


@never_cache
@permission_required("consent.view_signedconsent", raise_exception=True)
def consent_file(request: HttpRequest, code) -> HttpResponse:
    """The signed form (PDF or scan), inline, never cached."""
    consent = _get_consent(code)
    name = consent.file.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower()
    try:
        with consent.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("The file of this consent is missing.")) from error
    note_access(request, "consent-file", patient=consent.patient, label=name)
    response = HttpResponse(
        content, content_type=CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _reason_action(request: HttpRequest, code, *, action: str) -> HttpResponse:
    consent = _get_consent(code)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service = (
            services.consent_withdraw if action == "withdraw" else services.consent_void
        )
        try:
            service(
                consent=consent, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            add_service_error(error, form)
        else:
            messages.success(
                request,
                _("The consent is withdrawn.")
                if action == "withdraw"
                else _("The consent is voided."),
            )
            return redirect("consent:patient", code=consent.patient.code)
    note_access(
        request, f"consent-{action}", patient=consent.patient, label=str(consent)
    )
    return render(
        request,
        "consent/reason_form.html",
        {
            "consent": consent,
            "patient": consent.patient,
            "form": form,
            "action": action,
            "page": "patients",
        },
    )


@permission_required("consent.change_signedconsent", raise_exception=True)
def withdraw(request: HttpRequest, code) -> HttpResponse:
    return _reason_action(request, code, action="withdraw")


@permission_required("consent.change_signedconsent", raise_exception=True)
def void(request: HttpRequest, code) -> HttpResponse:
    return _reason_action(request, code, action="void")
