"""The Doppler leg map: colours from the findings, shown only with clinical detail."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from doppler import legmap
from doppler.models import DopplerFinding
from doppler.segments import Segment, Thrombus
from patients.models import Leg
from tests.conftest import make_doppler


def _doppler(patient, clinician):
    doppler = make_doppler(patient, clinician)  # R SFJ 0.3 s: competent
    for leg, segment, reflux, thrombus in [
        (Leg.RIGHT, Segment.GSV_A, "3.7", Thrombus.NONE),  # > 0.5 s
        (Leg.LEFT, Segment.FV, "0.9", Thrombus.NONE),  # deep axial: 1 s cut-off
        (Leg.LEFT, Segment.CFV, "1.2", Thrombus.NONE),
        (Leg.LEFT, Segment.SSV, None, Thrombus.OCCLUDED),
        (Leg.RIGHT, Segment.POPV, None, Thrombus.ACUTE),
        (Leg.RIGHT, Segment.SSV, None, Thrombus.NONE),  # no reflux time
    ]:
        DopplerFinding.objects.create(
            assessment=doppler,
            leg=leg,
            segment=segment,
            reflux_s=None if reflux is None else Decimal(reflux),
            thrombus=thrombus,
        )
    return doppler


def test_colour_classes_from_real_findings(clinician, patient):
    doppler = _doppler(patient, clinician)
    classes = legmap.segment_classes(doppler.findings.all())
    assert classes[("R", "SFJ")] == legmap.COMPETENT
    assert classes[("R", "GSVa")] == legmap.REFLUX
    assert classes[("L", "FV")] == legmap.COMPETENT  # 0.9 s within 1 s
    assert classes[("L", "CFV")] == legmap.REFLUX
    assert classes[("L", "SSV")] == legmap.OCCLUDED
    assert classes[("R", "POPV")] == legmap.OCCLUDED
    assert classes[("R", "SSV")] == legmap.NOT_EXAMINED
    assert classes[("L", "GSVa")] == legmap.NOT_EXAMINED
    assert len(classes) == 2 * len(Segment.values)
    assert {c for c, _ in legmap.legend()} == set(classes.values())


def test_clinician_sees_the_map_linked_to_the_grid(
    clinician_client, clinician, patient
):
    doppler = _doppler(patient, clinician)
    html = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert (
        'role="group" aria-labelledby="doppler-legmap-title"' in html
        and "css/legmap.css" in html
    )
    assert re.search(
        r'<a href="#finding-R-GSVa"><polygon id="doppler-legmap-R-GSVa"'
        r' class="legmap-region legmap-reflux"',
        html,
    )
    # Every link has its target in the grid.
    for target in re.findall(r'<a href="#(finding-[RL]-\w+)">', html):
        assert html.count(f'id="{target}"') == 1
    assert 'id="finding-L-SSV"' in html
    # Not recorded segments are drawn, not linked.
    assert '<a href="#finding-L-GSVa">' not in html
    assert "Pathological reflux" in html


def test_front_desk_never_gets_the_map(frontdesk_client, clinician, patient):
    doppler = _doppler(patient, clinician)
    response = frontdesk_client.get(doppler.get_absolute_url())
    assert response.status_code == 403
    assert "legmap" not in response.content.decode()


def test_no_map_without_clinical_detail(
    clinician_client, clinician, patient, monkeypatch
):
    doppler = _doppler(patient, clinician)
    monkeypatch.setattr("doppler.views.sees_clinical_detail", lambda user: False)
    html = clinician_client.get(doppler.get_absolute_url()).content.decode()
    assert "legmap" not in html
    assert 'id="finding-R-GSVa"' in html  # the grid itself is unchanged


def test_the_map_costs_no_query(clinician_client, clinician, patient, monkeypatch):
    doppler = _doppler(patient, clinician)
    url = doppler.get_absolute_url()
    clinician_client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as with_map:
        assert "legmap-region" in clinician_client.get(url).content.decode()
    monkeypatch.setattr("doppler.views.sees_clinical_detail", lambda user: False)
    with CaptureQueriesContext(connection) as without_map:
        assert "legmap-region" not in clinician_client.get(url).content.decode()
    assert len(with_map) == len(without_map)
