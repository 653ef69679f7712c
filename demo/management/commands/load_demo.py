"""Load demo users (one per role) and a small, realistic demo clinic.

Every record goes through the same services as the pages, so the demo data
obeys the clinic's rules (limits, double booking, state machine).
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from clinics.models import AbsenceKind, Site
from clinics.services import (
    absence_add,
    closure_add,
    opening_hours_set,
    site_letterhead_save,
    site_save,
    site_staff_set,
    working_hours_set,
)
from consent.models import Procedure
from consent.selectors import current_text, has_photo_consent
from consent.services import consent_sign_on_tablet
from core.roles import CLINICIAN, FRONT_DESK, MANAGER, setup_roles
from core.services import letterhead_update
from doppler.models import CeapClass, DopplerAssessment, RecommendedPlan
from doppler.segments import Segment
from doppler.services import doppler_create, doppler_sign
from outcomes import seed as symptom_seed
from outcomes.models import Instrument, ResponseSource, Timepoint
from outcomes.services import record_response
from patients.models import Leg, Patient, ReferringDoctor
from patients.screening import QUESTION_FIELDS
from patients.services import patient_create
from photos.imaging import clean_photo
from photos.models import Phase, View
from photos.services import photo_add
from treatments.choices import (
    Agent,
    Compression,
    Form,
    Gas,
    StockingClass,
    StockingLength,
    VesselType,
)
from treatments.lots import lot_close, lot_create
from treatments.models import TreatmentSession
from treatments.services import session_create, session_sign, session_update
from visits import services as visits
from visits.models import FollowUpVisit, VisitPurpose

DEMO_PASSWORD = "sclero-demo"
DEMO_USERS = [
    ("clinician", "Giulia", "Rossi", CLINICIAN, False),
    ("clinician2", "Marco", "Bianchi", CLINICIAN, False),
    ("frontdesk", "Anna", "Verdi", FRONT_DESK, False),
    ("manager", "Paolo", "Neri", MANAGER, True),
]
FIRST = [
    "Maria",
    "Laura",
    "Francesca",
    "Elena",
    "Sara",
    "Chiara",
    "Anna",
    "Paola",
    "Emma",
    "Olivia",
    "Sophie",
    "Grace",
    "Luca",
    "Giorgio",
    "John",
    "Marta",
]
LAST = [
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Smith",
    "Taylor",
    "Brown",
    "Costa",
    "Fontana",
    "Moretti",
]
LETTERHEAD = {
    "clinic_name": "Sclero Clinic – Vein Centre",
    "address": "Via Roma 12\n20121 Milano",
    "phone": "+39 02 1234 5678",
    "emergency_phone": "+39 333 123 4567",
    "email": "info@sclero-clinic.example",
    "website": "sclero-clinic.example",
    "footer": "Milano Centro: Mon–Fri 8–13 and 14–19, Sat 8:30–12:30",
    "footer_it": "Milano Centro: lun–ven 8–13 e 14–19, sab 8:30–12:30",
}

MON_FRI = range(5)
SAT, SUN = 5, 6
# The clinic's two sites and their opening hours (weekday, opens, closes):
# Milano Centro is the clinic's first site (the one every record had before
# sites), Monza opens two afternoons and Sunday morning.
SITES: dict[str, dict[str, Any]] = {
    "milano": {
        "name": "Milano Centro",
        "address": "Via Roma 12\n20121 Milano",
        "phone": "+39 02 1234 5678",
        "hours": [(d, "08:00", "13:00") for d in MON_FRI]
        + [(d, "14:00", "19:00") for d in MON_FRI]
        + [(SAT, "08:30", "12:30")],
    },
    "monza": {
        "name": "Monza",
        "address": "Via Italia 30\n20900 Monza",
        "phone": "+39 039 232 4567",
        "hours": [
            (1, "14:00", "19:00"),
            (3, "14:00", "19:00"),
            (SUN, "09:00", "13:00"),
        ],
    },
}
# Who works where and when (site, weekday, from, to). Dr Bianchi works at
# both sites: Milano in the mornings, Monza on Tuesday and Thursday
# afternoons and Sunday mornings.
WORKING_HOURS: dict[str, list[tuple[str, int, str, str]]] = {
    "clinician": [("milano", d, "08:00", "13:00") for d in MON_FRI]
    + [("milano", d, "14:00", "19:00") for d in MON_FRI],
    "clinician2": [("milano", d, "08:00", "13:00") for d in MON_FRI]
    + [("milano", SAT, "08:30", "12:30")]
    + [("milano", d, "14:00", "19:00") for d in (0, 2, 4)]
    + [("monza", d, "14:00", "19:00") for d in (1, 3)]
    + [("monza", SUN, "09:00", "13:00")],
}
# Who belongs to which site; the manager sees every site without.
SITE_STAFF = {
    "milano": ["clinician", "clinician2", "frontdesk"],
    "monza": ["clinician2"],
}


REFERRING_DOCTORS = [
    {
        "name": "Dr Giulia Ferri",
        "practice": "Studio Medico Ferri",
        "address": "Via Po 12\n10123 Torino",
        "email": "studio.ferri@example.org",
        "phone": "+390115550101",
    },
    {
        "name": "Dr Marco Bassi",
        "practice": "Medicina Generale Porta Nuova",
        "address": "Corso Vittorio Emanuele II 80\n10121 Torino",
        "email": "m.bassi@example.org",
        "phone": "+390115550202",
    },
    {
        "name": "Dr Anne Whitfield",
        "practice": "Whitfield Family Practice",
        "address": "Via Roma 3\n10121 Torino",
        "email": "whitfield.practice@example.org",
    },
]


def _injection(leg: str, vessel: str, pct: str, volume: str, **extra: Any) -> dict:
    row = {
        "leg": leg,
        "vessel_type": vessel,
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal(pct),
        "form": Form.LIQUID,
        "volume_ml": Decimal(volume),
        "site": "",
        "segment": "",
    }
    row.update(extra)
    return row


def _on_map(x_pct: str, y_pct: str) -> dict:
    """Where the injection sits on the leg map, in percent of the drawing."""
    return {"diagram_x_pct": Decimal(x_pct), "diagram_y_pct": Decimal(y_pct)}


def _foam(leg: str, segment: str, vessel: str, volume: str, gas: str = Gas.AIR) -> dict:
    return _injection(
        leg,
        vessel,
        "1",
        volume,
        segment=segment,
        form=Form.FOAM,
        gas=gas,
        gas_parts=Decimal("4"),
        ultrasound_guided=True,
    )


def _signature_png(seed: int) -> bytes:
    """A squiggle standing in for a patient's signature on the pad."""
    rng = random.Random(seed)
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    points = [(40 + 40 * step, rng.randint(50, 160)) for step in range(13)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _leg_picture(seed: int, veins: int) -> bytes:
    """A drawn leg standing in for a clinical photo: the same veins for a
    patient (seed), fewer of them after treatment."""
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 640), (236, 228, 220))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((150, 20, 330, 620), radius=80, fill=(226, 188, 160))
    lines = []
    for _index in range(9):
        x, y = rng.randint(180, 300), rng.randint(80, 520)
        lines.append([(x + rng.randint(-25, 25), y + 22 * k) for k in range(5)])
    for points in lines[:veins]:
        draw.line(points, fill=(110, 70, 150), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _at(day: date, hhmm: str) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.fromisoformat(hhmm)))


def _weekday(day: date, *, back: bool = False) -> date:
    """The day itself from Monday to Friday, else the Friday before (back)
    or the Monday after."""
    if day.weekday() < SAT:
        return day
    if back:
        return day - timedelta(days=day.weekday() - 4)
    return day + timedelta(days=7 - day.weekday())


def _phone(rng: random.Random) -> str:
    """An Italian mobile number as the front desk would type it."""
    return f"33{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


class Command(BaseCommand):
    help = "Create demo users (password 'sclero-demo') and demo patients; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-demo",
            action="store_true",
            help="load the demo even with DEBUG off (tests, a demo server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_demo"]:
            # The demo accounts have a public password: on a production
            # database they would be open doors.
            raise CommandError(
                "DEBUG is off: this looks like a production database, and the "
                "demo creates accounts with a public password. Nothing was "
                "loaded. Give --allow-demo to load it all the same."
            )
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
        if Patient.objects.exists():
            self.stdout.write("Demo patients already present; users checked.")
            return
        with transaction.atomic():
            letterhead_update(data=LETTERHEAD, user=users["manager"])
            # Sites and hours first: the visits are booked inside them.
            self._load_sites(users)
            self._load_lots(users)
            count = self._load_patients(users)
            self._load_agenda(users)
            self._load_outcomes(users)
            self._load_questionnaires(users)
            self._sign_past_records()
            self._load_consents(users)
            self._load_photos(users)
        self.stdout.write(
            f"Loaded {count} demo patients; users: "
            + ", ".join(u for u, *_ in DEMO_USERS)
            + f"; {self.skipped} demo visits left out (slot taken)."
        )

    skipped = 0
    sites: dict[str, Site]

    def _load_sites(self, users: dict) -> None:
        """Two sites with their opening hours, Christmas closed, who works
        where and when, and a congress next month for Dr Rossi."""
        manager = users["manager"]
        today = timezone.localdate()
        # The clinic's first site (made by the migrations) becomes Milano.
        first = Site.objects.order_by("id").first() or Site()
        self.sites = {}
        for key, spec in SITES.items():
            site = first if key == "milano" else Site()
            site_save(
                site=site,
                data={
                    "name": spec["name"],
                    "address": spec["address"],
                    "phone": spec["phone"],
                    "slot_minutes": 15 if key == "milano" else 20,
                    "is_active": True,
                },
                letterhead=None,
                user=manager,
            )
            opening_hours_set(
                site=site,
                intervals=[
                    {
                        "weekday": weekday,
                        "starts": time.fromisoformat(opens),
                        "ends": time.fromisoformat(closes),
                    }
                    for weekday, opens, closes in spec["hours"]
                ],
                user=manager,
            )
            christmas = date(
                today.year if today <= date(today.year, 12, 26) else today.year + 1,
                12,
                25,
            )
            closure_add(
                site=site,
                data={
                    "first_day": christmas,
                    "last_day": christmas + timedelta(days=1),
                    "reason": "Natale e Santo Stefano",
                },
                user=manager,
            )
            self.sites[key] = site
        site_letterhead_save(
            site=self.sites["monza"],
            data={
                **LETTERHEAD,
                "clinic_name": "Sclero Clinic – Monza",
                "address": SITES["monza"]["address"],
                "phone": SITES["monza"]["phone"],
                "footer": "Monza: Tue and Thu 14–19, Sun 9–13",
                "footer_it": "Monza: mar e gio 14–19, dom 9–13",
            },
            user=manager,
        )
        for key, usernames in SITE_STAFF.items():
            site_staff_set(
                site=self.sites[key],
                users=[users[name] for name in usernames],
                user=manager,
            )
        for username, rows in WORKING_HOURS.items():
            working_hours_set(
                clinician=users[username],
                intervals=[
                    {
                        "site": self.sites[key],
                        "weekday": weekday,
                        "starts": time.fromisoformat(starts),
                        "ends": time.fromisoformat(ends),
                    }
                    for key, weekday, starts, ends in rows
                ],
                user=manager,
            )
        # A two-day congress next month, at least two weeks away (after the
        # demo's bookings): its Thursday and Friday.
        day = max(
            (today.replace(day=1) + timedelta(days=32)).replace(day=1),
            today + timedelta(days=14),
        )
        day += timedelta(days=(3 - day.weekday()) % 7)
        absence_add(
            data={
                "clinician": users["clinician"],
                "starts_at": _at(day, "00:00"),
                "ends_at": _at(day + timedelta(days=2), "00:00"),
                "kind": AbsenceKind.CONGRESS,
                "note": "Congresso nazionale di flebologia",
            },
            user=manager,
        )

    def _site_for(
        self, username: str, starts_at: datetime, minutes: int
    ) -> Site | None:
        """The site where the clinician works at that time, or None."""
        local = timezone.localtime(starts_at)
        start = local.time()
        end = (local + timedelta(minutes=minutes)).time()
        for key, weekday, starts, ends in WORKING_HOURS[username]:
            if (
                weekday == local.weekday()
                and time.fromisoformat(starts) <= start
                and end <= time.fromisoformat(ends)
            ):
                return self.sites[key]
        return None

    @staticmethod
    def _sign_past_records() -> None:
        """Sign what was done more than a week ago, as its clinician would
        have; the last week's records are left to sign."""
        week_ago = timezone.now() - timedelta(days=7)
        sessions = TreatmentSession.objects.filter(
            performed_at__lt=week_ago, voided_at__isnull=True
        ).select_related("clinician")
        for session in sessions:
            session_sign(session=session, user=session.clinician)
        dopplers = DopplerAssessment.objects.filter(
            assessed_on__lt=week_ago.date(), voided_at__isnull=True
        ).select_related("examiner")
        for doppler in dopplers:
            doppler_sign(assessment=doppler, user=doppler.examiner)

    @staticmethod
    def _load_consents(users: dict) -> None:
        """Consents signed on the tablet today by a few treated patients (the
        liquid consent, and for some the photography consent), witnessed by
        the clinician: their next session takes the signed form as its
        informed consent."""
        clinician = users["clinician"]
        treated = (
            Patient.objects.filter(treatment_sessions__isnull=False)
            .distinct()
            .order_by("id")[:6]
        )
        for index, patient in enumerate(treated):
            procedures = [Procedure.LIQUID]
            if index < 3:
                procedures.append(Procedure.PHOTOGRAPHY)
            for procedure in procedures:
                text = current_text(procedure, patient.language)
                if text is None:
                    continue
                consent_sign_on_tablet(
                    patient=patient,
                    procedure=procedure,
                    text=text,
                    signature_png=_signature_png(index),
                    witness=clinician,
                    witness_name="",
                    user=clinician,
                )

    @staticmethod
    def _load_photos(users: dict) -> None:
        """Before and after photos (drawn, not real) of the right leg from the
        front, for the patients who signed the photography consent: before
        their first session, after their last."""
        clinician = users["clinician"]
        for patient in Patient.objects.order_by("id"):
            if not has_photo_consent(patient):
                continue
            sessions = list(
                TreatmentSession.objects.active()
                .filter(patient=patient)
                .order_by("performed_at")
            )
            if not sessions:
                continue
            for session, phase, veins in (
                (sessions[0], Phase.BEFORE, 9),
                (sessions[-1], Phase.AFTER, 3),
            ):
                data = _leg_picture(patient.pk, veins)
                photo_add(
                    session=session,
                    user=clinician,
                    photo=clean_photo(io.BytesIO(data), size=len(data)),
                    phase=phase,
                    leg=Leg.RIGHT,
                    view=View.FRONT,
                    taken_at=session.performed_at,
                )

    def _book(self, **kwargs: Any) -> FollowUpVisit | None:
        """Book through the agenda's rules at the site where the clinician
        works then: a future visit is checked against the hours, closures and
        absences like any other, a past one is entered afterwards. A time
        the clinician does not work, or a slot already taken, is left out."""
        starts_at = kwargs["starts_at"]
        site = self._site_for(
            kwargs["clinician"].username, starts_at, kwargs["duration_min"]
        )
        if site is None:
            self.skipped += 1
            return None
        try:
            return visits.visit_book(
                back_entry=starts_at < timezone.now(), site=site, **kwargs
            )
        except ValidationError:
            self.skipped += 1
            return None

    @staticmethod
    def _screening(i: int) -> dict[str, str]:
        """Every question answered no, a few yes, and now and then a chart
        whose absolute questions still wait to be asked."""
        answers = dict.fromkeys(QUESTION_FIELDS, "no")
        answers["migraine_with_aura"] = "yes" if i % 9 == 4 else "no"
        answers["thrombophilia"] = "yes" if i % 13 == 6 else "no"
        answers["sclerosant_allergy"] = "yes" if i == 11 else "no"
        if i % 10 == 7:
            answers.update(immobility="", acute_thrombosis="")
        return answers

    @staticmethod
    def _load_lots(users: dict) -> None:
        """The stock list: an open lot of each polidocanol strength the demo
        injects, an expired lot and a closed one. The sessions record the
        open lot of their agent and strength (the only one that matches)."""
        today = timezone.localdate()
        manager = users["manager"]
        for number, pct, received, expiry, opened in (
            ("PD025-2611", "0.25", -90, 700, -60),
            ("PD05-2608", "0.5", -120, 640, -60),
            ("PD1-2610", "1", -100, 660, -60),
            ("PD3-2609", "3", -110, 650, None),
            ("PD1-2405", "1", -900, -60, -400),  # expired
            ("PD05-2502", "0.5", -700, 300, -300),  # closed: used up
        ):
            lot = lot_create(
                user=manager,
                data={
                    "agent": Agent.POLIDOCANOL,
                    "concentration_pct": Decimal(pct),
                    "lot_number": number,
                    "received_on": today + timedelta(days=received),
                    "expiry_date": today + timedelta(days=expiry),
                    "opened_on": (
                        today + timedelta(days=opened) if opened is not None else None
                    ),
                    "notes": "",
                },
            )
            if number == "PD05-2502":
                lot_close(lot=lot, user=manager)

    def _load_patients(self, users: dict) -> int:
        rng = random.Random(42)
        today = timezone.localdate()
        clinician = users["clinician"]
        doctors = [ReferringDoctor.objects.create(**d) for d in REFERRING_DOCTORS]
        for i in range(40):
            sex = "M" if FIRST[i % len(FIRST)] in ("Luca", "Giorgio", "John") else "F"
            phone = _phone(rng)
            if i % 13 == 5:
                phone = "02 4851 2" + f"{i:03d}"  # a landline: no SMS
            email = "" if i % 10 == 9 else f"patient{i}@example.org"
            patient = patient_create(
                user=users["frontdesk"],
                patient=Patient(
                    first_name=FIRST[i % len(FIRST)],
                    last_name=LAST[(i * 7 + i // len(LAST)) % len(LAST)],
                    date_of_birth=date(
                        1950 + rng.randint(0, 50),
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                    ),
                    sex=sex,
                    phone=phone,
                    email=email,
                    # Most agree to reminders; a few refused them (i % 8 == 7).
                    contact_by_email=bool(email) and i % 8 != 7,
                    contact_by_sms=phone.startswith("3") and i % 8 not in (6, 7),
                    language="it" if i % 3 else "en",
                    # Most came through their family doctor; some on their own.
                    referring_doctor=doctors[i % 3] if i % 5 else None,
                    weight_kg=Decimal(rng.randint(52, 95)),
                    screening_asked_on=today - timedelta(days=rng.randint(30, 400)),
                    **self._screening(i),
                ),
            )
            if i % 4 == 3:
                continue
            findings = [
                {
                    "leg": leg,
                    "segment": segment,
                    "reflux_s": Decimal(reflux) + Decimal(rng.randint(0, 6)) / 10,
                    "diameter_mm": Decimal(rng.randint(25, 70)) / 10,
                }
                for leg in (Leg.RIGHT, Leg.LEFT)
                for segment, reflux in (
                    (Segment.SFJ, "0.3"),
                    (Segment.GSV_A, "0.4"),
                    (Segment.SSV, "0.2"),
                    (Segment.CFV, "0.5"),
                )
            ]
            doppler = doppler_create(
                patient=patient,
                examiner=clinician,
                assessed_on=today - timedelta(days=rng.randint(45, 500)),
                findings=findings,
                ceap_c_right=[rng.choice([CeapClass.C1, CeapClass.C2])],
                ceap_s_right="S",
                ceap_e_right="Ep",
                ceap_a_right="As",
                ceap_p_right="Pr",
                ceap_c_left=[rng.choice([CeapClass.C1, CeapClass.C2, CeapClass.C3])],
                ceap_s_left="A",
                ceap_e_left="Ep",
                ceap_a_left="As",
                ceap_p_left="Pn",
                vcss_items_right=[rng.randint(0, 2) for _ in range(6)] + [0, 0, 0, 1],
                vcss_items_left=[rng.randint(0, 1) for _ in range(6)] + [0, 0, 0, 0],
                conclusion="Reticular and telangiectatic veins, competent junctions.",
                recommended_plan=RecommendedPlan.SCLEROTHERAPY_LIQUID,
            )
            if i % 4 == 2:
                continue
            rows = [
                _injection(
                    Leg.RIGHT,
                    VesselType.RETICULAR,
                    "0.5",
                    "1.5",
                    site="lateral thigh",
                    **_on_map("10.0", "25.9"),
                ),
                _injection(
                    Leg.LEFT,
                    VesselType.BLUE_TELANGIECTASIA,
                    "0.25",
                    "1.0",
                    site="posterior calf",
                    **_on_map("62.5", "61.1"),
                ),
            ]
            if i % 5 == 0:
                foam = _foam(Leg.LEFT, Segment.GSV_B, VesselType.SMALL_VARICOSE, "4")
                rows.append({**foam, **_on_map("30.9", "60.7")})
            # Sessions on weekdays, at Milano Centro, in its opening hours.
            day = _weekday(today - timedelta(days=rng.randint(0, 40)), back=True)
            hour = 9 + i % 8 if i % 8 != 4 else 12
            session = session_create(
                patient=patient,
                clinician=clinician,
                user=clinician,
                injections=rows,
                data={
                    "performed_at": _at(day, f"{hour:02d}:00"),
                    "doppler": doppler,
                    "weight_kg": patient.weight_kg,
                    "screening_confirmed": True,
                    "consent_obtained": True,
                    "compression": Compression.STOCKING,
                    "stocking_class": StockingClass.CLASS_2,
                    "stocking_length": StockingLength.THIGH,
                    "stocking_days": 14,
                },
            )
            if i % 3 == 0:
                self._book(
                    patient=patient,
                    session=session,
                    purpose=VisitPurpose.CHECK,
                    starts_at=_at(
                        _weekday(today + timedelta(days=rng.randint(0, 10))),
                        f"{hour:02d}:30",
                    ),
                    duration_min=20,
                    clinician=clinician,
                    user=users["frontdesk"],
                )
        return Patient.objects.count()

    def _load_agenda(self, users: dict) -> None:
        """Fill today's and this week's agenda with visits in every status."""
        now = timezone.now()
        today = timezone.localdate()
        patients = list(Patient.objects.order_by("id")[:24])
        # Dr Rossi's sample visits above sit at hh:30; these take hh:00.
        plan = [
            ("clinician", 0, t)
            for t in ("08:40", "09:00", "10:00", "11:00", "12:00", "15:00")
        ]
        plan += [
            ("clinician2", 0, t)
            for t in (
                "09:00",
                "09:20",
                "09:40",
                "10:20",
                "11:00",
                "14:00",
                "14:30",
                "17:00",
            )
        ]
        plan += [
            ("clinician2", d, t)
            for d in range(1, 6)
            for t in ("09:00", "11:30", "16:00")
        ]
        for n, (username, days, hhmm) in enumerate(plan):
            patient = patients[n % len(patients)]
            # On Tuesday and Thursday afternoons and on Sunday mornings Dr
            # Bianchi is at Monza; a time nobody works is left out.
            starts_at = _at(today + timedelta(days=days), hhmm)
            visit = self._book(
                patient=patient,
                session=patient.treatment_sessions.order_by("-performed_at").first(),
                purpose=VisitPurpose.CHECK if n % 4 else VisitPurpose.TREATMENT,
                starts_at=starts_at,
                duration_min=20,
                clinician=users[username],
                user=users["frontdesk"],
            )
            if visit is None:
                continue
            if starts_at < now:
                outcome = n % 3
                if outcome == 1:
                    visits.visit_mark_no_show(visit=visit, reason="forgot")
                    continue
                visit = visits.visit_mark_arrived(visit=visit)
                if outcome == 0:
                    visits.visit_complete(
                        visit=visit,
                        plan="another",
                        clearance_pct=70,
                        satisfaction=4,
                        adverse_events=["bruising"],
                        user=users[username],
                    )
            elif n % 7 == 3:
                visits.visit_cancel(visit=visit, reason="patient")

    @staticmethod
    def _load_questionnaires(users: dict) -> None:
        """Treated patients filled the symptom score on the tablet the day
        before their first session; those whose course is complete filled it
        again a month after it, with less to complain of."""
        rng = random.Random(11)
        instrument = Instrument.objects.get(code=symptom_seed.CODE)
        keys = list(instrument.items.values_list("key", flat=True))
        firsts: dict = {}
        for session in TreatmentSession.objects.order_by("performed_at"):
            firsts.setdefault(session.patient_id, session)
        complete = {
            v.patient_id: v
            for v in FollowUpVisit.objects.filter(plan="complete").order_by("starts_at")
        }
        for i, (patient_id, first) in enumerate(firsts.items()):
            if i % 4 == 3:
                continue  # a few never filled it
            before = {key: rng.randint(1, 4) for key in keys}
            record_response(
                patient=first.patient,
                instrument=instrument,
                answers=before,
                source=ResponseSource.TABLET,
                language=first.patient.language,
                user=users["frontdesk"],
                timepoint=Timepoint.BASELINE,
                answered_at=first.performed_at - timedelta(days=1),
            )
            after = {key: max(0, v - rng.randint(1, 3)) for key, v in before.items()}
            visit = complete.get(patient_id)
            if visit is None or visit.starts_at + timedelta(days=30) > timezone.now():
                continue
            record_response(
                patient=first.patient,
                instrument=instrument,
                answers=after,
                source=ResponseSource.TABLET,
                language=first.patient.language,
                user=users["frontdesk"],
                timepoint=Timepoint.MONTH_1,
                answered_at=visit.starts_at + timedelta(days=30),
            )

    def _load_outcomes(self, users: dict) -> None:
        """Give past sessions completed check-ups with varied outcomes, and
        record one session that exceeded the foam limit with a reason."""
        rng = random.Random(7)
        today = timezone.localdate()
        slots_per_day: dict = {}
        events = [
            "bruising",
            "pigmentation",
            "matting",
            "trapped_blood",
            "thrombophlebitis",
        ]
        plans = ["another", "another", "complete", "laser"]
        sessions = TreatmentSession.objects.select_related("patient", "clinician")
        for session in sessions.order_by("performed_at"):
            day = timezone.localtime(session.performed_at).date() + timedelta(days=14)
            if day >= today - timedelta(days=1) or day.weekday() >= SAT:
                continue
            # Afternoon slots, 20 minutes apart, after the lunch break.
            slot = slots_per_day.get(day, 0)
            slots_per_day[day] = slot + 1
            visit = self._book(
                patient=session.patient,
                session=session,
                purpose=VisitPurpose.CHECK,
                starts_at=_at(day, "14:00") + timedelta(minutes=20 * slot),
                duration_min=20,
                clinician=session.clinician,
                user=users["frontdesk"],
            )
            if visit is None:
                continue
            visits.visit_complete(
                visit=visits.visit_mark_arrived(visit=visit),
                clearance_pct=rng.choice([40, 60, 75, 80, 90, 100]),
                satisfaction=rng.choice([3, 4, 4, 5, 5]),
                adverse_events=rng.sample(events, rng.choice([0, 0, 1, 2])),
                plan=rng.choice(plans),
                user=session.clinician,
            )
        over = TreatmentSession.objects.filter(injections__form=Form.FOAM).first()
        if over is not None:
            rows = [{"id": injection.pk} for injection in over.injections.all()]
            rows.append(
                _foam(
                    Leg.RIGHT,
                    Segment.GSV_A,
                    VesselType.MEDIUM_VARICOSE,
                    "7",
                    gas=Gas.CO2_O2,
                )
            )
            session_update(
                session=over,
                expected_version=over.version,
                data={},
                injections=rows,
                override_reason=(
                    "Large refluxing GSV; 11 mL CO2/O2 foam judged safe, "
                    "patient observed 30 min."
                ),
                override_confirmed=True,
                user=over.clinician,
            )
