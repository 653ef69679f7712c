from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from patients.models import Patient
from tests.conftest import make_patient
from tests.helpers import in_days

VALID = {
    "first_name": "Laura",
    "last_name": "Conti",
    "date_of_birth": "1982-03-04",
    "sex": "F",
    "phone": "+39 02 555 1234",
    "email": "laura@example.org",
    "address": "Via Verdi 1",
    "language": "it",
    "weight_kg": "64.5",
}


# --- permission matrix: (url, method) x role -> expected status ------------


def _urls(patient):
    code = patient.code
    return [
        ("get", reverse("patients:list")),
        ("get", reverse("patients:create")),
        ("get", reverse("records:patient", args=[code])),
        ("get", reverse("patients:edit", args=[code])),
        ("post", reverse("patients:archive", args=[code])),
        ("post", reverse("patients:restore", args=[code])),
        ("get", reverse("records:history", args=[code])),
    ]


EXPECTED = {
    # list, create, detail, edit, archive, restore, history
    "clinician": [200, 200, 200, 200, 403, 403, 403],
    "frontdesk": [200, 200, 200, 200, 302, 302, 403],
    "manager": [200, 403, 200, 403, 302, 302, 200],
    "outsider": [403, 403, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_patient_pages_obey_the_role_matrix(role, request, patient):
    client = request.getfixturevalue(f"{role}_client")
    got = []
    for method, url in _urls(patient):
        data = {"reason": "moved away"} if method == "post" else None
        got.append(getattr(client, method)(url, data).status_code)
    assert got == EXPECTED[role]


def test_archive_and_restore_need_post(frontdesk_client, patient):
    assert (
        frontdesk_client.get(
            reverse("patients:archive", args=[patient.code])
        ).status_code
        == 405
    )
    assert (
        frontdesk_client.get(
            reverse("patients:restore", args=[patient.code])
        ).status_code
        == 405
    )


def test_unknown_patient_is_404(clinician_client):
    import uuid

    assert (
        clinician_client.get(
            reverse("records:patient", args=[uuid.uuid4()])
        ).status_code
        == 404
    )


# --- create / edit ------------------------------------------------------------


def test_front_desk_registers_a_patient_with_a_generated_chart_number(
    frontdesk_client, db
):
    response = frontdesk_client.post(reverse("patients:create"), VALID)
    patient = Patient.objects.get(last_name="Conti")
    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()
    assert patient.chart_number.startswith("SC-") and len(patient.chart_number) == 9
    second = make_patient(last_name="Other")
    assert int(second.chart_number[3:]) == int(patient.chart_number[3:]) + 1


def test_front_desk_form_has_no_medical_history_fields(
    frontdesk_client, clinician_client, db
):
    assert (
        "sclerosant_allergy"
        not in frontdesk_client.get(reverse("patients:create")).content.decode()
    )
    assert (
        "sclerosant_allergy"
        in clinician_client.get(reverse("patients:create")).content.decode()
    )


def test_front_desk_cannot_set_medical_history_by_posting_it(frontdesk_client, patient):
    data = dict(
        VALID,
        sclerosant_allergy="yes",
        infection="no",
        screening_asked_on="2020-01-01",
        ankle_brachial_index="0.4",
    )
    frontdesk_client.post(reverse("patients:edit", args=[patient.code]), data)
    patient.refresh_from_db()
    assert patient.first_name == "Laura"
    assert (patient.sclerosant_allergy, patient.infection) == ("", "")
    assert patient.screening_asked_on is None and patient.ankle_brachial_index is None


def test_clinician_records_the_screening_history(clinician_client, patient):
    data = dict(
        VALID,
        sclerosant_allergy="yes",
        allergy_notes="polidocanol rash",
        known_pfo="yes",
    )
    clinician_client.post(reverse("patients:edit", args=[patient.code]), data)
    patient.refresh_from_db()
    assert (patient.sclerosant_allergy, patient.known_pfo) == ("yes", "yes")
    assert patient.allergy_notes == "polidocanol rash"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("first_name", "", "This field is required."),
        ("date_of_birth", "31/31/1980", "Enter a valid date."),
        # A callable: tomorrow on the test's frozen clock, not on the clock at import.
        pytest.param(
            "date_of_birth",
            lambda: in_days(1).isoformat(),
            "This date is in the future.",
            id="date_of_birth-tomorrow",
            marks=pytest.mark.date_dependent,
        ),
        ("date_of_birth", "1850-01-01", "Date of birth must be after 1900."),
        ("weight_kg", "12", "Ensure this value is greater than or equal to 25."),
        ("weight_kg", "400", "Ensure this value is less than or equal to 250."),
        ("weight_kg", "heavy", "Enter a number."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "call me", "Enter a valid phone number"),
        ("phone", "+39 06 555", "Enter a valid phone number"),
        ("sex", "Q", "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_message_on_the_field(
    clinician_client, patient, field, value, message
):
    value = value() if callable(value) else value
    url = reverse("patients:edit", args=[patient.code])
    response = clinician_client.post(url, dict(VALID, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    patient.refresh_from_db()
    assert patient.first_name == "Maria"  # nothing saved was lost


# --- list and search -------------------------------------------------------------


@pytest.fixture
def registry(db):
    return [
        make_patient(
            first_name="Laura",
            last_name="Conti",
            date_of_birth=date(1982, 3, 4),
            phone="+39 02 555 1234",
        ),
        make_patient(
            first_name="Sara",
            last_name="Greco",
            date_of_birth=date(1990, 7, 1),
            phone="+39 347 999 0000",
        ),
        make_patient(
            first_name="Elena",
            last_name="Conte",
            date_of_birth=date(1975, 1, 2),
            phone="06 111 2222",
        ),
    ]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("conti", ["Conti"]),
        ("con", ["Conte", "Conti"]),
        ("laura conti", ["Conti"]),
        ("1990-07-01", ["Greco"]),
        ("01/07/1990", ["Greco"]),
        ("347 999", ["Greco"]),
        ("", ["Conte", "Conti", "Greco"]),
        ("nobody", []),
    ],
)
def test_search_finds_by_name_birth_date_and_phone(
    clinician_client, registry, query, expected
):
    response = clinician_client.get(reverse("patients:list"), {"q": query})
    names = [p.last_name for p in response.context["page_obj"]]
    assert sorted(names) == expected


def test_search_finds_by_chart_number(clinician_client, registry):
    chart = registry[1].chart_number
    response = clinician_client.get(reverse("patients:list"), {"q": chart.lower()})
    assert [p.pk for p in response.context["page_obj"]] == [registry[1].pk]


def test_list_pages_by_25(clinician_client, db):
    for i in range(30):
        make_patient(last_name=f"Name{i:02d}")
    first = clinician_client.get(reverse("patients:list"))
    assert len(first.context["page_obj"]) == 25
    second = clinician_client.get(first.context["next_url"])
    assert len(second.context["page_obj"]) == 5
    assert [p.last_name for p in second.context["page_obj"]][0] == "Name25"


@pytest.mark.parametrize("page", ["2", "zz", "2000"])
def test_old_numbered_page_links_open_the_first_page(clinician_client, db, page):
    response = clinician_client.get(
        reverse("patients:list"), {"q": "rossi", "archived": "on", "page": page}
    )
    assert response.status_code == 302
    assert response.url == reverse("patients:list") + "?q=rossi&archived=on"


# --- archive ---------------------------------------------------------------------


def test_archiving_hides_from_list_but_keeps_the_record(frontdesk_client, patient):
    response = frontdesk_client.post(
        reverse("patients:archive", args=[patient.code]), {"reason": "moved away"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived and patient.archive_reason == "moved away"
    listed = frontdesk_client.get(reverse("patients:list")).context["page_obj"]
    assert patient not in list(listed)
    with_archived = frontdesk_client.get(
        reverse("patients:list"), {"archived": "on"}
    ).context["page_obj"]
    assert patient in list(with_archived)
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_archiving_without_a_reason_is_refused(frontdesk_client, patient):
    frontdesk_client.post(
        reverse("patients:archive", args=[patient.code]), {"reason": ""}
    )
    patient.refresh_from_db()
    assert not patient.is_archived


def test_every_change_is_in_the_audit_trail(
    clinician_client, manager_client, patient, clinician
):
    clinician_client.post(
        reverse("patients:edit", args=[patient.code]), dict(VALID, first_name="Mara")
    )
    last = patient.history.first()
    assert last.history_user == clinician and last.first_name == "Mara"
    page = manager_client.get(
        reverse("records:history", args=[patient.code])
    ).content.decode()
    assert "Maria" in page and "Mara" in page


def test_audit_trail_covers_clinical_records_with_a_fixed_query_count(
    manager_client,
    patient,
    clinician,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    from tests.conftest import make_doppler, make_injection, make_session

    url = reverse("records:history", args=[patient.code])
    session = make_session(patient, clinician)
    make_injection(session)
    make_doppler(patient, clinician)
    with django_assert_max_num_queries(30) as small:
        manager_client.get(url)
    for _ in range(10):
        s = make_session(patient, clinician)
        make_injection(s)
        make_injection(s, volume_ml="2.0")
        make_doppler(patient, clinician)
    with django_assert_num_queries(len(small.captured_queries)):
        page = manager_client.get(url).content.decode()
    assert (
        "Treatment session" in page
        and "Injection" in page
        and "Doppler finding" in page
    )


def test_page_links_keep_the_search_and_archive_filter(clinician_client, db):
    rossi = [make_patient(last_name=f"Rossi{i:02d}") for i in range(30)]
    html = clinician_client.get(
        reverse("patients:list"), {"q": "rossi", "archived": "on"}
    ).content.decode()
    url = reverse("patients:list")
    assert f'href="{url}?q=rossi&amp;archived=on&amp;after={rossi[24].code}"' in html
    assert "30 patients" in html
