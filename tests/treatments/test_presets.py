"""Fast entry on the session form: proposals by vessel type, the last
session's plan repeated, and the page after a refused save."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import at
from tests.treatments.test_views import form_data
from treatments.choices import (
    CONCENTRATION_RANGE_PCT,
    Agent,
    Compression,
    Form,
    Gas,
    VesselType,
)
from treatments.guidance import injection_notes, usual_range
from treatments.presets import PRESETS, last_plan, presets_for_page

pytestmark = pytest.mark.django_db


# --- the table ------------------------------------------------------------------


def test_every_vessel_type_has_a_proposal():
    assert set(PRESETS) == set(VesselType.values)


@pytest.mark.parametrize("vessel", VesselType.values)
def test_each_proposal_is_within_the_usual_range_the_form_shows(vessel):
    preset = PRESETS[vessel]
    assert preset.agent == Agent.POLIDOCANOL
    for agent, pct in preset.concentration_pct.items():
        low, high = CONCENTRATION_RANGE_PCT[agent]
        assert low <= pct <= high
        bounds = usual_range(vessel, agent, preset.form)
        assert bounds is not None, (vessel, agent, preset.form)
        usual_low, usual_high = bounds
        assert pct <= usual_high and (usual_low is None or pct >= usual_low)
        # Nothing the proposal fills in draws a warning of its own.
        notes = injection_notes(
            vessel_type=vessel, agent=agent, form=preset.form, concentration_pct=pct
        )
        assert all(note.level != "warning" for note in notes), notes


@pytest.mark.parametrize("vessel", VesselType.values)
def test_foam_proposals_have_room_air_one_plus_four_and_liquid_none(vessel):
    preset = PRESETS[vessel]
    if preset.form == Form.FOAM:
        assert (preset.gas, preset.gas_parts) == (Gas.AIR, Decimal("4"))
    else:
        assert (preset.gas, preset.gas_parts) == ("", None)


def test_the_clinics_reference_proposals():
    table = presets_for_page()
    blue = table[VesselType.BLUE_TELANGIECTASIA]
    assert (blue["agent"], blue["concentration_pct"]["polidocanol"], blue["form"]) == (
        "polidocanol",
        "0.5",
        "liquid",
    )
    assert blue["volume_placeholder"] == "≤ 0.2"
    reticular = table[VesselType.RETICULAR]
    assert (reticular["concentration_pct"]["polidocanol"], reticular["form"]) == (
        "1",
        "liquid",
    )
    medium = table[VesselType.MEDIUM_VARICOSE]
    assert (medium["form"], medium["gas"], medium["gas_parts"]) == ("foam", "air", "4")
    assert medium["concentration_pct"]["polidocanol"] == "1"
    assert table[VesselType.TRUNK]["ultrasound_guided"] is True
    assert table[VesselType.SMALL_VARICOSE]["volume_hint"] == ""


def test_the_form_page_gives_the_table_to_its_script(clinician_client, patient):
    response = clinician_client.get(
        reverse("treatments:session-create", args=[patient.code])
    )
    html = response.content.decode()
    found = re.search(
        r'<script id="injection-presets" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    assert found, "the presets are served as json_script"
    assert json.loads(found.group(1)) == json.loads(json.dumps(presets_for_page()))


# --- repeating the last session's plan ---------------------------------------------


@pytest.fixture
def treated(patient, clinician):
    """Two sessions; the later one with a bandage, a foam row and a voided row."""
    older = make_session(patient, clinician, performed_at=at(-30, 10))
    make_injection(older, site="older site")
    last = make_session(
        patient,
        clinician,
        performed_at=at(-14, 10),
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=2,
        stocking_class="2",
        stocking_days=14,
    )
    make_injection(
        last,
        leg="L",
        segment="GSVb",
        site="medial calf",
        vessel_type=VesselType.MEDIUM_VARICOSE,
        concentration_pct=Decimal("3"),
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2.5"),
        ultrasound_guided=True,
        diagram_x_pct=Decimal("40.0"),
        diagram_y_pct=Decimal("60.0"),
    )
    make_injection(last, site="above the ankle", volume_ml=Decimal("0.3"))
    make_injection(last, site="VOIDED-ROW", voided_at=timezone.now())
    # A later session voided: it is not the one repeated.
    voided = make_session(patient, clinician, performed_at=at(-2, 10))
    voided.voided_at = timezone.now()
    voided.save()
    make_injection(voided, site="VOIDED-SESSION")
    return last


def test_last_plan_takes_the_active_rows_and_the_compression(patient, treated):
    plan = last_plan(patient)
    assert plan is not None
    assert plan.source == treated
    assert [row["site"] for row in plan.rows] == ["medial calf", "above the ankle"]
    foam = plan.rows[0]
    assert (foam["concentration_pct"], foam["volume_ml"]) == ("3", "2.5")
    assert (foam["gas"], foam["gas_parts"], foam["ultrasound_guided"]) == (
        "air",
        "4",
        True,
    )
    assert "diagram_x_pct" not in foam
    assert plan.session["compression"] == Compression.BANDAGE_THEN_STOCKING
    assert plan.session["bandage_days"] == 2


def test_repeat_fills_the_new_session_form(clinician_client, patient, treated):
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.get(url, {"repeat": "last"})
    assert response.status_code == 200
    html = response.content.decode()
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    assert [row["site"].value() for row in formset.forms] == [
        "medial calf",
        "above the ankle",
    ]
    assert formset.forms[0]["gas_parts"].value() == "4"
    assert 'value="medial calf"' in html
    assert "VOIDED-ROW" not in html and "VOIDED-SESSION" not in html
    form = response.context["form"]
    assert form["compression"].value() == Compression.BANDAGE_THEN_STOCKING
    assert form["bandage_days"].value() == 2
    assert 'data-repeated="1"' in html
    assert 'id="repeated-notice"' in html
    # The read of the earlier session is in the access log.
    event = AccessEvent.objects.filter(kind="session-plan").get()
    assert event.patient == patient
    assert event.label == f"{timezone.localtime(treated.performed_at):%Y-%m-%d %H:%M}"


def test_the_repeated_plan_saves_as_a_new_session(clinician_client, patient, treated):
    url = reverse("treatments:session-create", args=[patient.code])
    shown = clinician_client.get(url, {"repeat": "last"}).context["formset"]
    rows = []
    for row in shown.forms:
        values = {
            name: row[name].value()
            for name in (
                "leg",
                "segment",
                "site",
                "vessel_type",
                "agent",
                "concentration_pct",
                "form",
                "gas",
                "gas_parts",
                "volume_ml",
            )
        }
        values = {k: "" if v is None else str(v) for k, v in values.items()}
        values["ultrasound_guided"] = "on" if row["ultrasound_guided"].value() else ""
        rows.append(values)
    data = form_data(
        rows,
        compression="bandage",
        bandage_days="2",
        stocking_class="2",
        stocking_days="14",
    )
    response = clinician_client.post(url, data)
    assert response.status_code == 302
    new = patient.treatment_sessions.order_by("-created_at", "-id").first()
    assert new != treated
    saved = list(new.injections.order_by("id"))
    assert [i.site for i in saved] == ["medial calf", "above the ankle"]
    assert saved[0].form == Form.FOAM and saved[0].ultrasound_guided
    assert saved[0].diagram_x_pct is None
    assert treated.injections.count() == 3  # the earlier session is untouched


def test_repeat_without_an_earlier_session_says_so(clinician_client):
    patient = make_patient()
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.get(url, {"repeat": "last"}, follow=True)
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == 1
    assert "There is no earlier session to repeat." in response.content.decode()
    assert not AccessEvent.objects.filter(kind="session-plan").exists()


@pytest.mark.parametrize("value", ["", "first", "1", "x" * 500, "../"])
def test_other_repeat_values_give_the_blank_form(clinician_client, treated, value):
    url = reverse("treatments:session-create", args=[treated.patient.code])
    response = clinician_client.get(url, {"repeat": value})
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == 1
    assert not AccessEvent.objects.filter(kind="session-plan").exists()


def test_the_repeat_button_shows_on_a_new_session_with_a_plan_only(
    clinician_client, patient, treated
):
    new = reverse("treatments:session-create", args=[patient.code])
    assert 'id="repeat-plan"' in clinician_client.get(new).content.decode()
    edit = reverse("treatments:session-edit", args=[treated.code])
    assert 'id="repeat-plan"' not in clinician_client.get(edit).content.decode()
    other = make_patient()
    blank = reverse("treatments:session-create", args=[other.code])
    assert 'id="repeat-plan"' not in clinician_client.get(blank).content.decode()


def test_front_desk_cannot_repeat_a_plan(frontdesk_client, manager_client, treated):
    url = reverse("treatments:session-create", args=[treated.patient.code])
    for client in (frontdesk_client, manager_client):
        response = client.get(url, {"repeat": "last"})
        assert response.status_code == 403
        assert b"medial calf" not in response.content
    assert not AccessEvent.objects.filter(kind="session-plan").exists()


# --- a refused save ---------------------------------------------------------


def test_a_refused_save_says_nothing_was_saved(clinician_client, patient):
    url = reverse("treatments:session-create", args=[patient.code])
    response = clinician_client.post(url, form_data([{"concentration_pct": "99"}]))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<div[^>]*role="alert"[^>]*id="not-saved"[^>]*>\s*'
        r"Nothing was saved: correct the fields marked below.",
        html,
    )
    assert not patient.treatment_sessions.exists()
    # Not on a page that was not sent.
    assert 'id="not-saved"' not in clinician_client.get(url).content.decode()
