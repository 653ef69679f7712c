"""Load demo users (one per role) and a small, realistic demo clinic."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from doppler.models import (
    CeapClass,
    DopplerAssessment,
    DopplerFinding,
    RecommendedPlan,
    Segment,
)
from patients.models import Leg, Patient
from core.roles import CLINICIAN, FRONT_DESK, MANAGER, setup_roles
from patients.services import patient_create
from core.models import Letterhead
from treatments.models import (
    Agent,
    Compression,
    Form,
    Gas,
    Injection,
    StockingClass,
    StockingLength,
    TreatmentSession,
    VesselType,
)
from visits.models import FollowUpVisit, VisitPurpose, VisitStatus

DEMO_PASSWORD = "sclero-demo"
DEMO_USERS = [
    ("clinician", "Giulia", "Rossi", CLINICIAN, False),
    ("clinician2", "Marco", "Bianchi", CLINICIAN, False),
    ("frontdesk", "Anna", "Verdi", FRONT_DESK, False),
    ("manager", "Paolo", "Neri", MANAGER, True),
]
FIRST = ["Maria", "Laura", "Francesca", "Elena", "Sara", "Chiara", "Anna", "Paola",
         "Emma", "Olivia", "Sophie", "Grace", "Luca", "Giorgio", "John", "Marta"]
LAST = ["Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
        "Conti", "De Luca", "Smith", "Taylor", "Brown", "Costa", "Fontana", "Moretti"]


class Command(BaseCommand):
    help = "Create demo users (password 'sclero-demo') and demo patients; idempotent."

    def handle(self, *args, **options) -> None:
        groups = setup_roles()
        User = get_user_model()
        users = {}
        for username, first, last, role, staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": staff},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(groups[role])
            users[username] = user
        if not Letterhead.objects.exists():
            Letterhead.objects.create(
                clinic_name="Sclero Clinic – Vein Centre",
                address="Via Roma 12\n20121 Milano",
                phone="+39 02 1234 5678",
                emergency_phone="+39 333 123 4567",
                email="info@sclero-clinic.example",
                website="sclero-clinic.example",
                footer="Mon–Fri 8:30–18:30",
            )
        if Patient.objects.exists():
            self.stdout.write("Demo patients already present; users checked.")
            return
        with transaction.atomic():
            count = self._load_patients(users)
            self._load_agenda(users)
            self._load_outcomes(users)
        self.stdout.write(f"Loaded {count} demo patients; users: "
                          + ", ".join(u for u, *_ in DEMO_USERS))

    def _load_patients(self, users) -> int:
        rng = random.Random(42)
        today = timezone.localdate()
        clinician = users["clinician"]
        for i in range(40):
            sex = "M" if FIRST[i % len(FIRST)] in ("Luca", "Giorgio", "John") else "F"
            patient = patient_create(patient=Patient(
                first_name=FIRST[i % len(FIRST)],
                last_name=LAST[(i * 7 + i // len(LAST)) % len(LAST)],
                date_of_birth=date(1950 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28)),
                sex=sex,
                phone=f"+39 33{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                email=f"patient{i}@example.org",
                language="it" if i % 3 else "en",
                weight_kg=Decimal(rng.randint(52, 95)),
                migraine_with_aura=(i % 9 == 4),
                thrombophilia=(i % 13 == 6),
                sclerosant_allergy=(i == 11),
            ))
            if i % 4 == 3:
                continue
            doppler = DopplerAssessment.objects.create(
                patient=patient,
                assessed_on=today - timedelta(days=rng.randint(20, 500)),
                examiner=clinician,
                ceap_right=rng.choice([CeapClass.C1, CeapClass.C2]),
                ceap_left=rng.choice([CeapClass.C1, CeapClass.C2, CeapClass.C3]),
                vcss_right=rng.randint(0, 8),
                vcss_left=rng.randint(0, 8),
                conclusion="Reticular and telangiectatic veins, competent junctions.",
                recommended_plan=RecommendedPlan.SCLEROTHERAPY_LIQUID,
            )
            for leg in (Leg.RIGHT, Leg.LEFT):
                for segment, reflux in ((Segment.SFJ, "0.3"), (Segment.GSV_A, "0.4"),
                                        (Segment.SSV, "0.2"), (Segment.CFV, "0.5")):
                    DopplerFinding.objects.create(
                        assessment=doppler, leg=leg, segment=segment,
                        reflux_s=Decimal(reflux) + Decimal(rng.randint(0, 6)) / 10,
                        diameter_mm=Decimal(rng.randint(25, 70)) / 10,
                    )
            if i % 4 == 2:
                continue
            performed = timezone.make_aware(datetime.combine(
                today - timedelta(days=rng.randint(0, 40)), time(9 + i % 8, 0)))
            session = TreatmentSession.objects.create(
                patient=patient, performed_at=performed, clinician=clinician,
                doppler=doppler, weight_kg=patient.weight_kg, screening_confirmed=True,
                consent_obtained=True, created_by=clinician,
                compression=Compression.STOCKING, stocking_class=StockingClass.CLASS_2,
                stocking_length=StockingLength.THIGH, stocking_days=14,
            )
            Injection.objects.create(
                session=session, leg=Leg.RIGHT, site="lateral thigh",
                vessel_type=VesselType.RETICULAR, agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("0.5"), form=Form.LIQUID, volume_ml=Decimal("1.5"))
            Injection.objects.create(
                session=session, leg=Leg.LEFT, site="posterior calf",
                vessel_type=VesselType.BLUE_TELANGIECTASIA, agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("0.25"), form=Form.LIQUID, volume_ml=Decimal("1.0"))
            if i % 5 == 0:
                Injection.objects.create(
                    session=session, leg=Leg.LEFT, segment=Segment.GSV_B,
                    vessel_type=VesselType.SMALL_VARICOSE, agent=Agent.POLIDOCANOL,
                    concentration_pct=Decimal("1"), form=Form.FOAM, gas=Gas.AIR,
                    gas_parts=Decimal("4"), volume_ml=Decimal("4"), ultrasound_guided=True)
            if i % 3 == 0:
                start = timezone.make_aware(datetime.combine(
                    today + timedelta(days=rng.randint(0, 10)), time(9 + i % 8, 30)))
                FollowUpVisit.objects.create(
                    patient=patient, session=session, purpose=VisitPurpose.CHECK,
                    starts_at=start, duration_min=20, clinician=clinician,
                    status=VisitStatus.SCHEDULED, created_by=users["frontdesk"])
        return Patient.objects.count()

    def _load_agenda(self, users) -> None:
        """Fill today's and this week's agenda with visits in every status."""
        now = timezone.now()
        today = timezone.localdate()
        patients = list(Patient.objects.order_by("id")[:24])
        # Dr Rossi's sample visits above sit at hh:30; these take hh:00.
        plan = [("clinician", 0, t) for t in ("08:40", "09:00", "10:00", "11:00", "12:00", "15:00")]
        plan += [("clinician2", 0, t) for t in
                 ("09:00", "09:20", "09:40", "10:20", "11:00", "14:00", "14:30", "17:00")]
        plan += [("clinician2", d, t) for d in range(1, 6) for t in ("09:00", "11:30", "16:00")]
        for n, (username, days, hhmm) in enumerate(plan):
            patient = patients[n % len(patients)]
            starts_at = timezone.make_aware(
                datetime.combine(today + timedelta(days=days), time.fromisoformat(hhmm)))
            if starts_at.weekday() == 6:
                continue
            status, reason = VisitStatus.SCHEDULED, ""
            if starts_at < now:
                status, reason = [(VisitStatus.COMPLETED, ""), (VisitStatus.NO_SHOW, "forgot"),
                                  (VisitStatus.ARRIVED, "")][n % 3]
            elif n % 7 == 3:
                status, reason = VisitStatus.CANCELLED, "patient"
            session = patient.treatment_sessions.order_by("-performed_at").first()
            extra = {}
            if status == VisitStatus.COMPLETED:
                extra = {"clearance_pct": 70, "satisfaction": 4, "plan": "another",
                         "adverse_events": ["bruising"], "completed_at": now}
            if status == VisitStatus.ARRIVED:
                extra = {"arrived_at": now}
            FollowUpVisit.objects.create(
                patient=patient, session=session,
                purpose=VisitPurpose.CHECK if n % 4 else VisitPurpose.TREATMENT,
                starts_at=starts_at, duration_min=20, clinician=users[username],
                status=status, status_reason=reason, created_by=users["frontdesk"], **extra)

    def _load_outcomes(self, users) -> None:
        """Give past sessions completed check-ups with varied outcomes, and
        record one session that exceeded the foam limit with a reason."""
        rng = random.Random(7)
        today = timezone.localdate()
        slots_per_day: dict = {}
        events = ["bruising", "pigmentation", "matting", "trapped_blood", "thrombophlebitis"]
        plans = ["another", "another", "complete", "laser"]
        for session in TreatmentSession.objects.select_related("patient").order_by("performed_at"):
            day = timezone.localtime(session.performed_at).date() + timedelta(days=14)
            if day >= today - timedelta(days=1) or day.weekday() == 6:
                continue
            # Afternoon slots, 20 minutes apart, so no clinician is double-booked.
            slot = slots_per_day.get(day, 0)
            slots_per_day[day] = slot + 1
            starts_at = timezone.make_aware(datetime.combine(day, time(13, 0))) + timedelta(
                minutes=20 * slot)
            FollowUpVisit.objects.create(
                patient=session.patient, session=session, purpose=VisitPurpose.CHECK,
                starts_at=starts_at, duration_min=20, clinician=session.clinician,
                status=VisitStatus.COMPLETED, arrived_at=starts_at, completed_at=starts_at,
                clearance_pct=rng.choice([40, 60, 75, 80, 90, 100]),
                satisfaction=rng.choice([3, 4, 4, 5, 5]),
                adverse_events=rng.sample(events, rng.choice([0, 0, 1, 2])),
                plan=rng.choice(plans), created_by=users["frontdesk"])
        over = TreatmentSession.objects.filter(injections__form=Form.FOAM).first()
        if over is not None:
            Injection.objects.create(
                session=over, leg=Leg.RIGHT, segment=Segment.GSV_A,
                vessel_type=VesselType.MEDIUM_VARICOSE, agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("1"), form=Form.FOAM, gas=Gas.CO2_O2,
                gas_parts=Decimal("4"), volume_ml=Decimal("7"), ultrasound_guided=True)
            over.limit_override_reason = (
                "Large refluxing GSV; 11 mL CO2/O2 foam judged safe, patient observed 30 min.")
            over.limit_override_by = over.clinician
            over.save()
