"""Length limits on typed text: the letterhead's fields (model and form) and
every free-text field of the clinical forms."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.forms import FREE_TEXT_MAX_LENGTH
from core.models import Letterhead
from doppler.forms import DopplerAssessmentForm
from patients.forms import PatientForm
from treatments.forms import SessionForm
from visits.forms import VisitOutcomeForm

pytestmark = pytest.mark.django_db

LETTERHEAD_URL = reverse("printing:letterhead-edit")
LIMITS = {
    "clinic_name": 120,
    "address": 500,
    "phone": 40,
    "emergency_phone": 40,
    "email": 254,
    "website": 120,
    "footer": 500,
    "footer_it": 500,
}


@pytest.mark.parametrize("name,limit", sorted(LIMITS.items()))
def test_the_letterhead_form_refuses_a_field_past_its_limit(
    manager_client, name, limit
):
    page = manager_client.get(LETTERHEAD_URL).content.decode()
    assert f'maxlength="{limit}"' in page
    value = ("a" * (limit - 12) + "@example.com") if name == "email" else "a"
    data = {"clinic_name": "Vene Milano", name: value * (limit + 1)}
    response = manager_client.post(LETTERHEAD_URL, data)
    assert response.status_code == 200
    assert name in response.context["form"].errors
    assert "Ensure this value has at most" in str(response.context["form"].errors[name])
    assert not Letterhead.objects.exists()


def test_a_240_kb_address_is_refused_quickly(manager_client):
    start = time.monotonic()
    response = manager_client.post(
        LETTERHEAD_URL, {"clinic_name": "Vene Milano", "address": "x" * 240_000}
    )
    assert time.monotonic() - start < 2
    assert response.status_code == 200
    assert "address" in response.context["form"].errors
    assert not Letterhead.objects.exists()


@pytest.mark.parametrize("name", ["address", "footer", "footer_it"])
def test_the_model_refuses_a_long_text_outside_the_form(name):
    letterhead = Letterhead(clinic_name="Vene Milano", **{name: "x" * 501})
    with pytest.raises(ValidationError) as error:
        letterhead.full_clean()
    assert name in error.value.message_dict
    letterhead = Letterhead(clinic_name="Vene Milano", **{name: "x" * 500})
    letterhead.full_clean()


@pytest.mark.parametrize(
    "form_class,names",
    [
        (PatientForm, ["address", "history_notes"]),
        (DopplerAssessmentForm, ["conclusion", "plan_notes"]),
        (SessionForm, ["notes", "screening_notes", "immediate_reactions"]),
        (VisitOutcomeForm, ["adverse_event_notes", "outcome_notes"]),
    ],
)
def test_free_text_of_the_clinical_forms_has_a_limit(form_class, names, clinician):
    # Build the form as its views do where the constructor needs more.
    kwargs: dict = {}
    if form_class is PatientForm:
        kwargs = {"can_edit_medical": True}
    if form_class is SessionForm:
        from tests.conftest import make_patient

        kwargs = {"patient": make_patient(), "can_override": False}
    if form_class is DopplerAssessmentForm:
        kwargs = {"user": clinician}
    form = form_class(**kwargs)
    for name in names:
        field = form.fields[name]
        assert field.max_length == FREE_TEXT_MAX_LENGTH, name
        assert field.widget.attrs["maxlength"] == str(FREE_TEXT_MAX_LENGTH)
        bound = form_class(data={name: "x" * (FREE_TEXT_MAX_LENGTH + 1)}, **kwargs)
        bound.is_valid()
        assert "Ensure this value has at most 5000 characters" in str(
            bound.errors.get(name)
        ), name
