"""Session sign-off, amendments and addenda; who may change another's session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AddendumKind
from tests.conftest import client_for, make_injection, make_session
from tests.treatments.test_views import ROW_FIELDS, _edit_data
from treatments import services
from treatments.models import SessionAddendum, TreatmentSession

pytestmark = pytest.mark.django_db

REASON = "Volume typed wrong, checked against the syringe log."


def sign_url(session) -> str:
    return reverse("treatments:session-sign", args=[session.code])


def edit_url(session) -> str:
    return reverse("treatments:session-edit", args=[session.code])


def addendum_url(session) -> str:
    return reverse("treatments:session-addendum", args=[session.code])


def signed_session(patient, clinician, **fields):
    session = make_session(patient, clinician, **fields)
    make_injection(session)
    return services.session_sign(session=session, user=clinician)


def grant(user, codename: str) -> None:
    user.user_permissions.add(Permission.objects.get(codename=codename))


# --- signing ------------------------------------------------------------------


def test_the_treating_clinician_signs_and_the_history_records_it(
    clinician_client, clinician, patient
):
    session = make_session(patient, clinician)
    page = clinician_client.get(session.get_absolute_url()).content.decode()
    assert "Signing locks the record: later changes are addenda" in page
    response = clinician_client.post(sign_url(session), {"version": session.version})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.signed_by == clinician and session.signed_at is not None
    assert session.is_signed and session.version == 2
    row = session.history.first()
    assert row.history_change_reason == "Signed" and row.history_user == clinician
    assert row.signed_by_id == clinician.pk
    page = clinician_client.get(session.get_absolute_url()).content.decode()
    assert "Signed by Clinician on" in page
    assert "Signing locks the record" not in page


@pytest.mark.parametrize("role", ["colleague", "frontdesk", "manager"])
def test_no_one_else_signs(role, request, clinician, patient):
    session = make_session(patient, clinician)
    client = client_for(request.getfixturevalue(role))
    response = client.post(sign_url(session), {"version": session.version})
    assert response.status_code == 403
    session.refresh_from_db()
    assert not session.is_signed and session.version == 1
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Signing locks the record" not in page


def test_the_sign_url_takes_only_post(clinician_client, clinician, patient):
    session = make_session(patient, clinician)
    assert clinician_client.get(sign_url(session)).status_code == 405


def test_a_voided_session_is_not_signed_and_a_signed_one_not_voided(
    clinician_client, clinician, patient
):
    voided = make_session(
        patient, clinician, voided_at=timezone.now(), void_reason="Wrong patient"
    )
    clinician_client.post(sign_url(voided), {"version": voided.version})
    voided.refresh_from_db()
    assert not voided.is_signed
    signed = signed_session(patient, clinician)
    url = reverse("treatments:session-void", args=[signed.code])
    response = clinician_client.post(url, {"reason": "Recorded on the wrong day"})
    assert response.status_code == 302
    signed.refresh_from_db()
    assert not signed.is_voided
    page = clinician_client.get(signed.get_absolute_url()).content.decode()
    assert "A signed session cannot be voided" in page
    assert "Void session" not in page


def test_signing_a_stale_page_is_refused(clinician_client, clinician, patient):
    session = make_session(patient, clinician)
    TreatmentSession.objects.filter(pk=session.pk).update(version=2)
    clinician_client.post(sign_url(session), {"version": 1})
    session.refresh_from_db()
    assert not session.is_signed


# --- amending a signed session ------------------------------------------------


def test_an_edit_after_sign_off_without_a_reason_is_refused_on_the_field(
    clinician_client, clinician, patient
):
    session = signed_session(patient, clinician, notes="calm")
    page = clinician_client.get(edit_url(session)).content.decode()
    assert "Amend session of" in page and "Reason for the change" in page
    data = _edit_data(session, [ROW_FIELDS], notes="changed")
    response = clinician_client.post(edit_url(session), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Give the reason for this change" in errors["amend_reason"][0]
    session.refresh_from_db()
    assert session.notes == "calm" and not SessionAddendum.objects.exists()


def test_a_reason_too_short_is_refused(clinician_client, clinician, patient):
    session = signed_session(patient, clinician, notes="calm")
    data = _edit_data(session, [ROW_FIELDS], notes="changed", amend_reason="typo")
    response = clinician_client.post(edit_url(session), data)
    assert "at least 8 characters" in response.context["form"].errors["amend_reason"][0]
    session.refresh_from_db()
    assert session.notes == "calm"


def test_an_amendment_applies_the_change_and_writes_the_addendum(
    clinician_client, clinician, patient
):
    session = signed_session(patient, clinician, notes="calm")
    rows = [{**ROW_FIELDS, "volume_ml": "2.00"}, {**ROW_FIELDS, "site": "calf"}]
    data = _edit_data(session, rows, notes="anxious", amend_reason=REASON)
    response = clinician_client.post(edit_url(session), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.notes == "anxious"  # the record holds the current values
    assert session.totals().injections == 2
    addendum = SessionAddendum.objects.get()
    assert addendum.kind == AddendumKind.CORRECTION and addendum.text == REASON
    assert addendum.author == clinician
    changes = {change["label"]: change for change in addendum.changes}
    assert changes["Notes"]["old"] == "calm" and changes["Notes"]["new"] == "anxious"
    assert "1.00 mL" in changes["Injection changed"]["old"]
    assert "2.00 mL" in changes["Injection changed"]["new"]
    assert "calf" in changes["Injection added"]["new"]
    assert session.history.first().history_change_reason.startswith("Amended: ")
    page = clinician_client.get(session.get_absolute_url()).content.decode()
    assert REASON in page and "Injection added" in page
    assert "<s>calm</s>" in page


def test_removing_an_injection_is_listed_in_the_addendum(
    clinician_client, clinician, patient
):
    session = signed_session(patient, clinician)
    make_injection(session, site="calf")
    rows = [ROW_FIELDS, {**ROW_FIELDS, "site": "calf", "void": "1"}]
    data = _edit_data(session, rows, amend_reason=REASON)
    assert clinician_client.post(edit_url(session), data).status_code == 302
    changes = SessionAddendum.objects.get().changes
    removed = [c for c in changes if c["label"] == "Injection removed"]
    assert len(removed) == 1 and "calf" in removed[0]["old"]
    assert removed[0]["new"] == "—"


def test_an_amendment_that_changes_nothing_is_refused(clinician, patient):
    session = signed_session(patient, clinician)
    with pytest.raises(services.SessionRefused) as error:
        services.session_update(
            session=session,
            expected_version=session.version,
            data={},
            injections=[{"id": session.injections.get().pk}],
            user=clinician,
            amend_reason=REASON,
        )
    assert "Nothing was changed" in str(error.value.messages)
    session.refresh_from_db()
    assert session.version == 2 and not SessionAddendum.objects.exists()


def test_show_as_signed_keeps_the_original_values(clinician_client, clinician, patient):
    session = signed_session(patient, clinician, notes="as it was signed")
    data = _edit_data(session, [ROW_FIELDS], notes="amended later", amend_reason=REASON)
    assert clinician_client.post(edit_url(session), data).status_code == 302
    response = clinician_client.get(session.get_absolute_url() + "?as_signed=1")
    rows = {row["label"]: row for row in response.context["as_signed"]}
    assert rows["Notes"]["signed"] == "as it was signed"
    assert rows["Notes"]["now"] == "amended later" and rows["Notes"]["changed"]
    assert "1.00 mL" in rows["Injection"]["signed"]
    assert "As signed on" in response.content.decode()


# --- notes and reactions ------------------------------------------------------


def test_a_reaction_is_always_accepted_after_sign_off(clinician, colleague, patient):
    session = signed_session(patient, clinician)
    client = client_for(colleague)
    assert client.get(addendum_url(session) + "?kind=reaction").status_code == 200
    noticed = timezone.localtime() - timedelta(hours=2)
    response = client.post(
        addendum_url(session),
        {
            "kind": "reaction",
            "text": "Bruise",
            "noticed_at": noticed.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    addendum = SessionAddendum.objects.get()
    assert addendum.kind == AddendumKind.REACTION and addendum.author == colleague
    assert addendum.noticed_at is not None
    session.refresh_from_db()
    assert session.version == 2  # a reaction does not touch the signed record


def test_an_empty_reaction_is_a_field_error(clinician_client, clinician, patient):
    session = signed_session(patient, clinician)
    response = clinician_client.post(
        addendum_url(session), {"kind": "reaction", "text": "  "}
    )
    assert response.status_code == 200
    assert "Write what you add" in response.context["form"].errors["text"][0]
    assert not SessionAddendum.objects.exists()


def test_front_desk_and_manager_add_no_addenda(
    frontdesk_client, manager_client, clinician, patient
):
    session = make_session(patient, clinician)
    for client in (frontdesk_client, manager_client):
        response = client.post(addendum_url(session), {"kind": "note", "text": "x"})
        assert response.status_code == 403
    assert not SessionAddendum.objects.exists()


def test_addenda_are_never_changed_or_deleted(admin_client, clinician, patient):
    session = make_session(patient, clinician)
    addendum = services.session_addendum_add(
        session=session, user=clinician, kind=AddendumKind.NOTE, text="Seen again"
    )
    url_names = [
        "admin:treatments_sessionaddendum_change",
        "admin:treatments_sessionaddendum_delete",
    ]
    change = admin_client.get(reverse(url_names[0], args=[addendum.pk]))
    assert change.status_code == 200
    assert 'name="text"' not in change.content.decode()  # read-only
    admin_client.post(reverse(url_names[0], args=[addendum.pk]), {"text": "edited"})
    assert admin_client.get(reverse(url_names[1], args=[addendum.pk])).status_code in (
        302,
        403,
    )
    addendum.refresh_from_db()
    assert addendum.text == "Seen again" and SessionAddendum.objects.count() == 1
    add = admin_client.get(reverse("admin:treatments_sessionaddendum_add"))
    assert add.status_code == 403
    assert addendum.history.count() == 1


# --- another clinician's session ---------------------------------------------


def test_another_clinician_cannot_edit_or_void_but_can_add_a_note(
    clinician, colleague, patient
):
    session = make_session(patient, clinician, notes="mine")
    make_injection(session)
    client = client_for(colleague)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Edit session" not in page and "Void session" not in page
    response = client.get(edit_url(session), follow=True)
    assert "Only the treating clinician (Clinician)" in response.content.decode()
    data = _edit_data(session, [ROW_FIELDS], notes="theirs", amend_reason=REASON)
    assert client.post(edit_url(session), data).status_code == 302
    url = reverse("treatments:session-void", args=[session.code])
    assert client.post(url, {"reason": "Duplicate of another one"}).status_code == 302
    session.refresh_from_db()
    assert session.notes == "mine" and not session.is_voided
    with pytest.raises(services.SessionRefused):
        services.session_update(
            session=session,
            expected_version=session.version,
            data={"notes": "theirs"},
            injections=[{"id": session.injections.get().pk}],
            user=colleague,
            amend_reason=REASON,
        )
    response = client.post(addendum_url(session), {"kind": "note", "text": "Called"})
    assert response.status_code == 302
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Called" in page and "not the treating clinician" in page


def test_whoever_recorded_the_session_edits_it(colleague, clinician, patient):
    session = make_session(patient, clinician, created_by=colleague, notes="a")
    make_injection(session)
    data = _edit_data(session, [ROW_FIELDS], notes="b")
    assert client_for(colleague).post(edit_url(session), data).status_code == 302
    session.refresh_from_db()
    assert session.notes == "b" and not SessionAddendum.objects.exists()


def test_a_lead_clinician_edits_another_s_session_with_a_reason(
    clinician, colleague, patient
):
    grant(colleague, "change_any_session")
    session = make_session(patient, clinician, notes="mine")
    make_injection(session)
    client = client_for(colleague)
    no_reason = _edit_data(session, [ROW_FIELDS], notes="theirs")
    response = client.post(edit_url(session), no_reason)
    assert "amend_reason" in response.context["form"].errors
    data = _edit_data(session, [ROW_FIELDS], notes="theirs", amend_reason=REASON)
    assert client.post(edit_url(session), data).status_code == 302
    session.refresh_from_db()
    assert session.notes == "theirs"
    assert SessionAddendum.objects.get().author == colleague
    page = client_for(clinician).get(session.get_absolute_url()).content.decode()
    assert "Last changed by Colleague" in page
    assert "(not the treating clinician)" in page


def test_the_service_refuses_a_reaction_without_text(clinician, patient):
    session = make_session(patient, clinician)
    with pytest.raises(ValidationError) as error:
        services.session_addendum_add(
            session=session, user=clinician, kind="reaction", text=""
        )
    assert "text" in error.value.message_dict


# --- who sees what --------------------------------------------------------------


def test_front_desk_sees_no_addendum_text_on_the_session_page_or_timeline(
    frontdesk_client, clinician, patient
):
    session = signed_session(patient, clinician, notes="calm")
    services.session_addendum_add(
        session=session,
        user=clinician,
        kind=AddendumKind.REACTION,
        text="Secret vasovagal episode",
    )
    services.session_update(
        session=session,
        expected_version=session.version,
        data={"notes": "secret new note"},
        injections=[{"id": session.injections.get().pk}],
        user=clinician,
        amend_reason="Secret amendment reason here",
    )
    page = frontdesk_client.get(session.get_absolute_url()).content.decode()
    timeline = frontdesk_client.get(patient.get_absolute_url()).content.decode()
    for html in (page, timeline):
        assert "Secret" not in html and "secret" not in html
        assert "amended" in html and "signed" in html.lower()
    assert "2 addenda" not in timeline


def test_the_timeline_shows_signed_and_the_number_of_addenda(
    clinician_client, clinician, patient
):
    session = signed_session(patient, clinician)
    for text in ("One", "Two"):
        services.session_addendum_add(
            session=session, user=clinician, kind=AddendumKind.NOTE, text=text
        )
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert "2 addenda" in html and ">signed<" in html


def test_the_session_page_costs_the_same_queries_for_1_and_10_addenda(
    clinician_client, clinician, colleague, patient, django_assert_num_queries
):
    one = signed_session(patient, clinician)
    ten = signed_session(patient, clinician)
    services.session_addendum_add(
        session=one, user=colleague, kind=AddendumKind.NOTE, text="Note"
    )
    for index in range(10):
        author = colleague if index % 2 else clinician
        services.session_addendum_add(
            session=ten, user=author, kind=AddendumKind.NOTE, text=f"Note {index}"
        )
    clinician_client.get(one.get_absolute_url())  # warm up the login session
    with CaptureQueriesContext(connection) as baseline:
        assert clinician_client.get(one.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(baseline)):
        response = clinician_client.get(ten.get_absolute_url())
    assert response.content.decode().count('class="border-start border-3') == 10


def test_moving_a_marker_on_the_leg_map_is_an_amendment_of_its_own(
    clinician_client, clinician, patient
):
    session = make_session(patient, clinician)
    make_injection(session, diagram_x_pct="20.0", diagram_y_pct="40.0")
    session = services.session_sign(session=session, user=clinician)
    row = {**ROW_FIELDS, "diagram_x_pct": "24.0", "diagram_y_pct": "47.0"}
    data = _edit_data(session, [row], amend_reason=REASON)
    assert clinician_client.post(edit_url(session), data).status_code == 302
    injection = session.injections.get()
    assert (injection.diagram_x_pct, injection.diagram_y_pct) == (24, 47)
    changes = {c["label"]: c for c in SessionAddendum.objects.get().changes}
    moved = changes["Injection changed"]
    assert "on the leg map at 20 % across, 40 % down" in moved["old"]
    assert "on the leg map at 24 % across, 47 % down" in moved["new"]
