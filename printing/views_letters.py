"""The Doppler report PDF and the letter to the referring doctor."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import note_access
from core.pdf import render_pdf
from patients.selectors import get_patient
from printing import doppler_report, letters


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@permission_required("doppler.view_dopplerassessment", raise_exception=True)
def doppler_report_pdf(request: HttpRequest, code) -> HttpResponse:
    assessment = doppler_report.get_assessment_for_report(code)
    if assessment.is_voided:
        messages.error(
            request,
            _("This Doppler assessment was voided (%(reason)s): it has no report.")
            % {"reason": assessment.void_reason or "—"},
        )
        return redirect(assessment)
    report = doppler_report.build_report(assessment)
    with translation.override(report.language):
        pdf = render_pdf(
            doppler_report.REPORT_TEMPLATE, doppler_report.report_context(report)
        )
    filename = doppler_report.report_filename(assessment)
    note_access(
        request, "doppler-report-pdf", patient=assessment.patient, label=filename
    )
    return _pdf_response(pdf, filename)


class LetterForm(forms.Form):
    course = forms.ChoiceField(label=gettext_lazy("Course"))
    note = forms.CharField(
        label=gettext_lazy("Your words to the doctor (optional)"),
        required=False,
        strip=True,
        max_length=letters.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Printed above your signature, as you write them."),
    )

    def __init__(self, *args, courses: list[letters.Course], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.courses = {course.key: course for course in courses}
        field = self.fields["course"]
        field.choices = [  # type: ignore[attr-defined]
            (course.key, letters.course_label(course)) for course in courses
        ]
        if courses:
            self.initial.setdefault("course", courses[0].key)

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if "\x00" in note:
            raise forms.ValidationError(_("Remove the invalid characters."))
        return note


@permission_required(letters.LETTER_PERM, raise_exception=True)
def referral_letter(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    doctor = patient.referring_doctor
    courses = letters.courses_of(patient) if doctor is not None else []
    form = LetterForm(request.POST or None, courses=courses)
    if request.method == "POST" and doctor is not None and form.is_valid():
        course = form.courses[form.cleaned_data["course"]]
        letter = letters.build_letter(
            patient=patient,
            course=course,
            author=request.user,
            note=form.cleaned_data["note"],
        )
        with translation.override(letter.language):
            pdf = render_pdf(letters.LETTER_TEMPLATE, letters.letter_context(letter))
        filename = letters.letter_filename(letter)
        note_access(request, "referral-letter-pdf", patient=patient, label=filename)
        return _pdf_response(pdf, filename)
    note_access(request, "referral-letter", patient=patient)
    context = {
        "patient": patient,
        "doctor": doctor,
        "form": form,
        "has_courses": bool(courses),
        "page": "patients",
    }
    return render(request, "printing/letter_form.html", context)
