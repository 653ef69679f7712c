"""Prepared queries (core.prepared) give what the queryset built anew gives,
with each call's values, and a value frozen by mistake fails the check."""

from __future__ import annotations

import pytest
from django.db.models import F

from core.prepared import PreparedQuery
from patients.models import Patient
from tests.conftest import make_patient, make_session
from treatments.models import TreatmentSession


def _sessions(patient_id, pks):
    return (
        TreatmentSession.objects.filter(patient_id=patient_id, pk__in=pks)
        .select_related("clinician")
        .annotate(twice=F("id") * 2)
        .order_by("id")
    )


SESSIONS = PreparedQuery(_sessions)


@pytest.mark.django_db
def test_rows_as_the_queryset_gives_them_with_each_calls_values(
    clinician, django_assert_num_queries
):
    anna, bruno = make_patient(), make_patient()
    first, second, third = (make_session(anna, clinician) for _ in range(3))
    other = make_session(bruno, clinician)
    for pks in ([first.pk], [first.pk, third.pk], [first.pk, second.pk, third.pk]):
        with django_assert_num_queries(1):
            rows = SESSIONS(anna.pk, pks)
            # select_related() and annotations come with the rows.
            assert [(s.pk, s.clinician.username, s.twice) for s in rows] == [
                (pk, clinician.username, pk * 2) for pk in sorted(pks)
            ]
    # Another patient's values: same shape, new parameters.
    assert [s.pk for s in SESSIONS(bruno.pk, [other.pk])] == [other.pk]
    assert SESSIONS(bruno.pk, [first.pk]) == []


@pytest.mark.django_db
def test_uuid_and_values_list_and_none_as_shape():
    anna = make_patient(first_name="Anna")
    make_patient(first_name="Bea")

    def build(code, first_name):
        queryset = Patient.objects.filter(code=code)
        if first_name is not None:
            queryset = queryset.filter(first_name=first_name)
        return queryset.values_list("first_name", flat=True)

    query = PreparedQuery(build)
    assert query(anna.code, None) == ["Anna"]
    assert query(anna.code, "Anna") == ["Anna"]
    assert query(anna.code, "Bea") == []


@pytest.mark.django_db
def test_a_value_frozen_at_the_first_build_fails_the_check(clinician):
    anna = make_patient()
    session = make_session(anna, clinician)
    frozen = {"pk": session.pk}

    def build(patient_id):
        # Reads a value that is not an argument: wrong.
        return TreatmentSession.objects.filter(patient_id=patient_id, pk=frozen["pk"])

    query = PreparedQuery(build)
    assert len(query(anna.pk)) == 1
    frozen["pk"] = session.pk + 1
    with pytest.raises(AssertionError, match="differs"):
        query(anna.pk)


def test_lists_must_not_be_empty_and_only_plain_values_vary():
    query = PreparedQuery(lambda pks: TreatmentSession.objects.filter(pk__in=pks))
    with pytest.raises(ValueError):
        query([])
    with pytest.raises(TypeError):
        PreparedQuery(lambda day: TreatmentSession.objects.filter(notes=day))(1.5)


@pytest.mark.django_db
def test_days_and_moments_vary(clinician):
    from datetime import date, timedelta

    from django.utils import timezone

    anna = make_patient()
    session = make_session(anna, clinician)
    moment = session.performed_at

    def build(start, end, born_after):
        return TreatmentSession.objects.filter(
            performed_at__gte=start,
            performed_at__lt=end,
            patient__date_of_birth__gt=born_after,
        ).values_list("pk", flat=True)

    query = PreparedQuery(build)
    hour = timedelta(hours=1)
    assert query(moment - hour, moment + hour, date(1900, 1, 1)) == [session.pk]
    assert query(moment + hour, moment + 2 * hour, date(1900, 1, 1)) == []
    assert query(moment - hour, moment + hour, anna.date_of_birth) == []
    with pytest.raises(TypeError):
        query(timezone.make_naive(moment), moment, date(1900, 1, 1))


@pytest.mark.django_db
def test_a_shape_that_matches_nothing_reads_nothing(django_assert_num_queries):
    def build(patient_id, archived):
        queryset = Patient.objects.filter(pk=patient_id)
        return queryset.filter(pk__in=[]) if archived else queryset

    query = PreparedQuery(build)
    anna = make_patient()
    with django_assert_num_queries(0):
        assert query(anna.pk, True) == []
    assert query(anna.pk, False) == [anna]


@pytest.mark.django_db
def test_the_rows_are_only_iterated(clinician):
    anna = make_patient()
    session = make_session(anna, clinician)
    rows = SESSIONS.queryset(anna.pk, [session.pk])
    assert [s.pk for s in rows] == [session.pk]
    # Building on it would run the stand-ins' query: refused.
    for build_on in (lambda q: q.filter(pk=1), lambda q: q.count(), repr):
        with pytest.raises(AttributeError, match="iterating"):
            build_on(SESSIONS.queryset(anna.pk, [session.pk]))
