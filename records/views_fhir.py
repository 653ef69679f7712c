"""The patient's record as a FHIR R4 Bundle, sent as a JSON attachment."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.access import note_access
from core.roles import CLINICAL_DETAIL_PERM
from patients.selectors import get_patient
from records.fhir import fhir_filename, patient_bundle


# Clinicians and the manager: the permission that lets a user see clinical
# detail (front desk sees headlines only). No permission of its own, which
# would need a migration of the patients app.
@permission_required(CLINICAL_DETAIL_PERM, raise_exception=True)
def patient_fhir(request: HttpRequest, code) -> HttpResponse:
    """Send the patient's record as a FHIR R4 Bundle (JSON), access-logged."""
    patient = get_patient(code)
    now = timezone.now()
    filename = fhir_filename(patient, now)
    bundle = patient_bundle(patient, user=request.user, now=now)
    note_access(request, "fhir-export", patient=patient, label=filename)
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
