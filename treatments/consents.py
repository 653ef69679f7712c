"""A session's informed consent: the signed form that covers it, if any.

A session with a foam injection needs the patient's consent to foam
sclerotherapy; any other session the consent to liquid sclerotherapy. Where
such a signed consent was in force on the session's day, it is the session's
informed consent (consent_record) and the checkbox is set from it; without
one, the checkbox and its reason stay (a paper form not scanned in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from consent.models import Procedure
from consent.selectors import consent_covering
from treatments.choices import Form


def procedure_of(forms: Iterable[Any]) -> str:
    """Return the consent procedure a session with these injection forms needs."""
    return (
        Procedure.FOAM
        if any(str(form) == Form.FOAM for form in forms)
        else Procedure.LIQUID
    )


def link_consent(session: Any, data: Mapping, rows: Iterable[Mapping]) -> Mapping:
    """Set the session's consent_record from the patient's signed consents and
    return the submitted data, with the consent ticked when one covers it."""
    performed_at = data.get("performed_at") or session.performed_at
    if not isinstance(performed_at, datetime) or session.patient_id is None:
        session.consent_record = None
        return data
    procedure = procedure_of(row.get("form", "") for row in rows)
    consent = consent_covering(session.patient, procedure, performed_at)
    session.consent_record = consent
    if consent is None:
        return data
    return {**data, "consent_obtained": True, "consent_missing_reason": ""}
