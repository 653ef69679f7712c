"""The kinds of read the access log knows, as stable slugs with a label.

Views name their read with one of these slugs (core.access.note_access); the
log stores the slug and shows the label. A slug missing here is shown as is.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KIND_LABELS = {
    "patient": _("Patient page"),
    "patient-earlier": _("Patient page, earlier entries"),
    "patient-edit": _("Patient details form"),
    "patient-list": _("Patient list or search"),
    "patient-duplicates": _("Possible duplicate patients"),
    "history": _("Audit trail"),
    "merge": _("Chart merge"),
    "doppler": _("Doppler assessment"),
    "doppler-form": _("Doppler form"),
    "session": _("Treatment session"),
    "session-form": _("Session form"),
    "session-preview": _("Session totals preview"),
    "session-plan": _("Last session's plan, repeated"),
    "visit": _("Follow-up visit"),
    "visit-form": _("Visit form"),
    "ics": _("Calendar file (ICS)"),
    "visit-slip": _("Appointment slip (PDF)"),
    "visit-answer": _("Reminder link: the patient's answer page"),
    "calendar-feed": _("Clinician's calendar feed"),
    "agenda": _("Agenda"),
    "worklist": _("Worklist"),
    "agenda-book": _("Booking from the agenda: patient search"),
    "visits-to-move": _("Booked visits the hours no longer allow"),
    "aftercare-pdf": _("Aftercare sheet (PDF)"),
    "aftercare-print": _("Aftercare sheet (print view)"),
    "day-sheets": _("Day's aftercare sheets"),
    "day-sheets-pdf": _("Day's aftercare sheets (PDF)"),
    "doppler-report-pdf": _("Doppler report (PDF)"),
    "referral-letter": _("Letter to the referring doctor: choice of the course"),
    "referral-letter-pdf": _("Letter to the referring doctor (PDF)"),
    "statistics-overrides": _("Sessions over a limit"),
    "registry-export": _("Registry export (CSV, pseudonymised)"),
    "changes": _("Changes across the clinic"),
    "patient-export": _("Patient data export"),
    "fhir-export": _("Patient record as FHIR (JSON)"),
    "lot-recipients": _("Recipients of a sclerosant lot"),
    "lot-recipients-csv": _("Recipients of a sclerosant lot (CSV)"),
    "lot-recipients-print": _("Recipients of a sclerosant lot (print view)"),
    "consents": _("Patient's consent forms"),
    "consent-sign": _("Consent signing page"),
    "consent-paper": _("Scanned consent form upload"),
    "consent-blank": _("Consent form to print (PDF)"),
    "consent-file": _("Signed consent form (file)"),
    "consent-withdraw": _("Consent withdrawal"),
    "consent-void": _("Consent voiding"),
    "access-log": _("Access log"),
    "photo": _("Clinical photo"),
    "photo-thumbnail": _("Clinical photo (thumbnail)"),
    "photo-upload": _("Photo upload form"),
    "photo-compare": _("Photo comparison"),
    "questionnaire-link": _("Questionnaire link: the patient's questionnaire page"),
    "questionnaire-tablet": _("Questionnaire on the clinic tablet or from paper"),
    "questionnaire": _("Questionnaire response"),
    "questionnaire-void": _("Questionnaire response voiding"),
    "refused": _("Refused request"),
}


def kind_label(kind: str) -> str:
    """Return the label of a kind, or the slug itself if unknown."""
    return str(KIND_LABELS.get(kind, kind))
