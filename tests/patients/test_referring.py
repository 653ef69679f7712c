"""The referring doctors' directory, the doctor on the patient's form and page,
and in the patient export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patients.models import ReferringDoctor
from patients.referring import doctor_choices
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

LIST = reverse("patients:referring-list")
CREATE = reverse("patients:referring-create")


def make_doctor(**overrides) -> ReferringDoctor:
    fields = {
        "name": "Dott. Marco Rossi",
        "practice": "Studio Medico Rossi",
        "address": "Via Roma 1\n00100 Roma",
        "email": "rossi@example.org",
    }
    fields.update(overrides)
    return ReferringDoctor.objects.create(**fields)


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("frontdesk_client", 200),
        ("clinician_client", 200),
        ("manager_client", 200),
        ("outsider_client", 403),
    ],
)
def test_the_directory_is_for_every_role(request, client_name, status):
    make_doctor()
    client = request.getfixturevalue(client_name)
    assert client.get(LIST).status_code == status
    assert client.get(CREATE).status_code == status


def test_front_desk_adds_a_doctor_with_a_normalised_phone(frontdesk_client):
    response = frontdesk_client.post(
        CREATE,
        {
            "name": "  Dott.ssa Anna Bianchi ",
            "practice": "ASL Roma 1",
            "address": "Via Appia 5",
            "email": "bianchi@example.org",
            "phone": "06 1234 5678",
            "active": "on",
        },
    )
    assert response.status_code == 302
    doctor = ReferringDoctor.objects.get()
    assert doctor.name == "Dott.ssa Anna Bianchi"
    assert doctor.phone == "+390612345678"
    assert doctor.history.count() == 1
    page = frontdesk_client.get(LIST).content.decode()
    assert "Dott.ssa Anna Bianchi" in page and "ASL Roma 1" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "CALL-ME", "Enter a valid phone number"),
        ("name", "   ", "This field is required."),
        ("name", "x" * 200, "Ensure this value has at most 150 characters"),
    ],
)
def test_bad_input_is_refused_on_the_field(clinician_client, field, value, message):
    data = {"name": "Dott. Rossi", "email": "", "phone": "", field: value}
    response = clinician_client.post(CREATE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReferringDoctor.objects.exists()


def test_edit_keeps_history(manager_client):
    doctor = make_doctor()
    response = manager_client.post(
        reverse("patients:referring-edit", args=[doctor.code]),
        {"name": "Dott. Marco Rossi", "practice": "Nuovo Studio", "active": "on"},
    )
    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.practice == "Nuovo Studio"
    assert doctor.history.count() == 2


def test_deactivate_hides_from_menu_keeps_on_patients(frontdesk_client):
    doctor = make_doctor()
    other = make_doctor(name="Dott. Verdi")
    patient = make_patient(referring_doctor=doctor)
    response = frontdesk_client.post(
        reverse("patients:referring-deactivate", args=[doctor.code])
    )
    assert response.status_code == 302
    doctor.refresh_from_db()
    assert not doctor.active
    assert ReferringDoctor.objects.filter(pk=doctor.pk).exists()
    # Not in the list unless asked, not offered to a new patient, kept on
    # the patient who has them.
    frontdesk_client.get(LIST)  # the message about it, once
    assert "Dott. Marco Rossi" not in frontdesk_client.get(LIST).content.decode()
    assert (
        "Dott. Marco Rossi"
        in frontdesk_client.get(LIST + "?inactive=on").content.decode()
    )
    assert list(doctor_choices(None)) == [other]
    assert set(doctor_choices(doctor.pk)) == {doctor, other}
    form = frontdesk_client.get(reverse("patients:edit", args=[patient.code]))
    assert "Dott. Marco Rossi" in form.content.decode()
    frontdesk_client.post(reverse("patients:referring-reactivate", args=[doctor.code]))
    doctor.refresh_from_db()
    assert doctor.active


def test_deactivate_is_post_only(frontdesk_client):
    doctor = make_doctor()
    url = reverse("patients:referring-deactivate", args=[doctor.code])
    assert frontdesk_client.get(url).status_code == 405


def test_unknown_doctor_is_not_found(manager_client):
    url = reverse(
        "patients:referring-edit", args=["00000000-0000-0000-0000-000000000000"]
    )
    assert manager_client.get(url).status_code == 404


def test_front_desk_sets_the_doctor_on_the_patient(frontdesk_client, patient):
    doctor = make_doctor()
    inactive = make_doctor(name="Dott. Gone", active=False)
    url = reverse("patients:edit", args=[patient.code])
    page = frontdesk_client.get(url).content.decode()
    assert "Dott. Marco Rossi" in page and "Dott. Gone" not in page
    data = {
        "version": patient.version,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": "333 123 4567",
        "language": "en",
        "weight_kg": "60",
        "referring_doctor": inactive.pk,
    }
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    data["referring_doctor"] = doctor.pk
    response = frontdesk_client.post(url, data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.referring_doctor == doctor
    detail = frontdesk_client.get(patient.get_absolute_url()).content.decode()
    assert "Dott. Marco Rossi" in detail and "Studio Medico Rossi" in detail


def test_the_export_holds_the_doctor():
    from records.export import _referring_doctor

    doctor = make_doctor()
    patient = make_patient(referring_doctor=doctor)
    data = _referring_doctor(patient)
    assert data is not None
    assert data["name"] == "Dott. Marco Rossi"
    assert data["practice"] == "Studio Medico Rossi"
    assert data["address"] == "Via Roma 1\n00100 Roma"
    assert data["email"] == "rossi@example.org"
    assert _referring_doctor(make_patient(first_name="Ada")) is None
