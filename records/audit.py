"""The audit trail: who changed what, for one patient or the whole clinic.

Reads the simple_history tables of every clinical model and of the patients.
Each table is filtered in the database (patient, user, clinic dates, the
page's cursor) and only its newest `size + 1` rows are read; the tables are
then merged, newest first. Each row carries the id of the previous version
of its record (a subquery), so one more query per table reads the versions
the page's rows are compared with, and one query per related model names
the users, patients, Dopplers and sessions the rows point to. The number of
queries is fixed however long the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent.models import SignedConsent
from core.clock import local_day_bounds
from doppler.models import DopplerAddendum, DopplerAssessment, DopplerFinding
from patients.models import Patient
from photos.models import ClinicalPhoto
from treatments.models import Injection, SessionAddendum, TreatmentSession
from visits.models import AdverseEvent, FollowUpVisit

# Identifiers and bookkeeping that change on every save and say nothing to a
# reader.
# (A consent's signature image is kept out of its history: it never changes.)
IGNORED_FIELDS = {
    "id",
    "code",
    "updated_at",
    "version",
    "created_at",
    "signature_png",
    # Derived, kept for the statistics and the worklist, not in the history.
    "previous_at",
    "previous_same_clinician_at",
    "next_at",
    "awaiting_follow_up",
}

# simple_history's kinds of change, in the reader's language.
ACTIONS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}
# The reasons the services write themselves (in English, in the history
# tables), shown in the reader's language; a reason a user typed is shown
# as typed after its translated prefix.
FIXED_REASONS = {
    "Signed": gettext_lazy("Signed"),
    "Booked": gettext_lazy("Booked"),
    "Restored from archive": gettext_lazy("Restored from archive"),
    "Injection removed from the session": gettext_lazy(
        "Injection removed from the session"
    ),
    "Cleared on edit": gettext_lazy("Cleared on edit"),
    "Photo added": gettext_lazy("Photo added"),
    "Signed on the tablet": gettext_lazy("Signed on the tablet"),
    "Paper form scanned": gettext_lazy("Paper form scanned"),
    "Withdrawn": gettext_lazy("Withdrawn"),
    "Voided": gettext_lazy("Voided"),
}
REASON_PREFIXES = {
    "Voided: ": gettext_lazy("Voided: "),
    "Archived: ": gettext_lazy("Archived: "),
    "Rescheduled: ": gettext_lazy("Rescheduled: "),
    "Booked outside availability: ": gettext_lazy("Booked outside availability: "),
}


def reason_label(reason: str) -> str:
    """Return a stored change reason in the reader's language."""
    if reason in FIXED_REASONS:
        return str(FIXED_REASONS[reason])
    for prefix, label in REASON_PREFIXES.items():
        if reason.startswith(prefix):
            return str(label) + reason[len(prefix) :]
    return reason


# Fields whose stored values are codes of a menu the field itself does not
# declare (a list of choices in a JSONField).
LIST_CHOICES: dict[tuple[type[models.Model], str], Any] = {
    (FollowUpVisit, "adverse_events"): AdverseEvent,
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def clinic_time(moment: datetime | None) -> str:
    """Return "2026-11-18 14:09", in clinic time."""
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- what each history table is ------------------------------------------------


def _label_patient(r: Any) -> str:
    return r.chart_number


def _label_doppler(r: Any) -> str:
    return _("Doppler of %(date)s") % {"date": r.assessed_on}


def _label_finding(r: Any) -> str:
    return f"{r.get_leg_display()} {r.get_segment_display()}"


def _label_session(r: Any) -> str:
    return clinic_time(r.performed_at)


def _label_injection(r: Any) -> str:
    return f"{r.get_leg_display()} {r.site or r.get_segment_display()}"


def _label_visit(r: Any) -> str:
    return clinic_time(r.starts_at)


def _label_consent(r: Any) -> str:
    return f"{r.get_procedure_display()} {clinic_time(r.signed_at)}"


def _label_photo(r: Any) -> str:
    return (
        f"{r.get_phase_display()} · {r.get_leg_display()} · "
        f"{r.get_view_display()} {clinic_time(r.taken_at)}"
    )


def _label_addendum(r: Any) -> str:
    return f"{r.get_kind_display()} {clinic_time(r.created_at)}"


@dataclass(frozen=True)
class Source:
    """One audited model: its name for people, the label of one of its
    versions, and how a version leads to its patient ("id" for the patient
    itself, else the foreign key of the record or of its parent record)."""

    kind: Promise
    model: type[models.Model]
    label: Callable[[Any], str]
    patient_key: str

    @property
    def history_model(self) -> Any:
        return self.model.history.model  # type: ignore[attr-defined]

    def fields(self) -> list[models.Field]:
        # Only what the history keeps: derived columns (folded names, the
        # sessions' pointers) are left out of it.
        kept = {f.attname for f in self.history_model._meta.concrete_fields}
        return [
            f
            for f in self.model._meta.concrete_fields
            if f.name not in IGNORED_FIELDS and f.attname in kept
        ]


SOURCES: tuple[Source, ...] = (
    Source(gettext_lazy("Patient"), Patient, _label_patient, "id"),
    Source(
        gettext_lazy("Doppler assessment"),
        DopplerAssessment,
        _label_doppler,
        "patient_id",
    ),
    Source(
        gettext_lazy("Doppler finding"), DopplerFinding, _label_finding, "assessment_id"
    ),
    Source(
        gettext_lazy("Treatment session"),
        TreatmentSession,
        _label_session,
        "patient_id",
    ),
    Source(gettext_lazy("Injection"), Injection, _label_injection, "session_id"),
    Source(gettext_lazy("Follow-up visit"), FollowUpVisit, _label_visit, "patient_id"),
    Source(
        gettext_lazy("Doppler addendum"),
        DopplerAddendum,
        _label_addendum,
        "assessment_id",
    ),
    Source(
        gettext_lazy("Session addendum"),
        SessionAddendum,
        _label_addendum,
        "session_id",
    ),
    Source(gettext_lazy("Signed consent"), SignedConsent, _label_consent, "patient_id"),
    Source(gettext_lazy("Clinical photo"), ClinicalPhoto, _label_photo, "patient_id"),
)


def _for_patient(source: Source, patient: Patient) -> QuerySet:
    """Return the source's history rows of every record that was ever on
    this chart: a record moved here by a merge brings its earlier versions,
    and the merged chart keeps showing the records it held."""
    history = source.model.history  # type: ignore[attr-defined]
    if source.patient_key == "id":
        return history.filter(id=patient.id)
    if source.patient_key == "patient_id":
        return history.filter(id__in=history.filter(patient_id=patient.id).values("id"))
    parent: Any = _parent(source)
    parent_ids = parent.history.filter(patient_id=patient.id).values("id")
    return history.filter(**{f"{source.patient_key}__in": parent_ids})


# --- the page's position --------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts just after it, in the
    order (time, table, history id), newest first."""

    when: datetime
    source: int
    history_id: int

    def __str__(self) -> str:
        micros = (self.when - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.source}-{self.history_id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """Return the cursor written by __str__, or None for anything else."""
        try:
            micros, source, history_id = (int(p) for p in (text or "").split("-"))
            when = _EPOCH + timedelta(microseconds=micros)
        except (ValueError, OverflowError):
            return None
        if not 0 <= source < len(SOURCES) or history_id < 0:
            return None
        return cls(when, source, history_id)

    def older(self, index: int) -> Q:
        """Return the condition for table `index`'s rows after the cursor."""
        if index < self.source:
            return Q(history_date__lte=self.when)
        if index == self.source:
            return Q(history_date__lt=self.when) | Q(
                history_date=self.when, history_id__lt=self.history_id
            )
        return Q(history_date__lt=self.when)


# --- entries ----------------------------------------------------------------------


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Value:
    field: str
    value: str


@dataclass
class AuditEntry:
    when: datetime
    who: Any
    kind: str
    label: str
    action: str
    history_type: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    patient: Patient | None = None
    cursor: Cursor | None = None

    @property
    def who_name(self) -> str:
        return user_name(self.who)

    @property
    def is_creation(self) -> bool:
        return self.history_type == "+"


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: Cursor | None


def user_name(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


class _Names:
    """The related records a page's rows point to, read once per model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[int]] = {}
        self.found: dict[type[models.Model], dict[int, Any]] = {}

    def want(self, model: type[models.Model], pk: Any) -> None:
        if pk is not None:
            self.wanted.setdefault(model, set()).add(pk)

    def load(self) -> None:
        # Dopplers and sessions first: they name the patient of a finding or
        # an injection, who is then read with the other patients.
        first: tuple[type[models.Model], ...] = (
            DopplerAssessment,
            TreatmentSession,
            Patient,
        )
        for model in first:
            if model in self.wanted:
                self.found[model] = model._default_manager.in_bulk(
                    list(self.wanted[model])
                )
            for record in self.found.get(model, {}).values():
                if model is not Patient:
                    self.want(Patient, record.patient_id)
        for model, ids in self.wanted.items():
            if model not in self.found:
                self.found[model] = model._default_manager.in_bulk(list(ids))

    def get(self, model: type[models.Model], pk: Any) -> Any:
        return self.found.get(model, {}).get(pk)

    def name(self, model: type[models.Model], pk: Any) -> str:
        obj = self.get(model, pk)
        if obj is None:
            return str(pk)
        if isinstance(obj, Patient):
            return f"{obj.full_name} ({obj.chart_number})"
        if isinstance(obj, DopplerAssessment):
            return _("Doppler of %(date)s") % {"date": obj.assessed_on}
        if isinstance(obj, TreatmentSession):
            return _("Session of %(time)s") % {"time": clinic_time(obj.performed_at)}
        if hasattr(obj, "get_full_name"):
            return user_name(obj)
        return str(obj)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _display(source: Source, f: models.Field, value: Any, names: _Names) -> str:
    """Return a stored value as people read it: choices by their label, names
    for foreign keys, yes/no, times in clinic time."""
    if f.is_relation and f.related_model is not None:
        related: Any = f.related_model
        return "—" if value is None else names.name(related, value)
    if f.choices and value is not None:
        return str(dict(f.flatchoices).get(value, value))
    menu = LIST_CHOICES.get((source.model, f.name))
    if menu is not None and isinstance(value, list):
        labels = dict(menu.choices)
        return ", ".join(str(labels.get(v, v)) for v in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if _empty(value):
        return "—"
    if isinstance(value, datetime):
        return clinic_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return "; ".join(_list_item(v) for v in value)
    return str(value)


def _list_item(item: Any) -> str:
    """Return one item of a stored list: an addendum's change as
    "label: old → new", anything else as text."""
    if isinstance(item, dict) and {"old", "new"} <= item.keys():
        label = item.get("label") or item.get("field") or ""
        return f"{label}: {item['old']} → {item['new']}"
    return str(item)


def _previous_id(history_model: Any) -> Subquery:
    earlier = history_model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(
            history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
        )
    )
    return Subquery(
        earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
    )


def audit_trail(
    *,
    patient: Patient | None = None,
    user: Any = None,
    first: date | None = None,
    last: date | None = None,
    after: Cursor | None = None,
    size: int | None = None,
) -> AuditPage:
    """Return the changes, newest first: of one patient's records or of the
    whole clinic, by one user, from `first` to `last` (clinic days), after
    the cursor, at most `size` of them (all without a size)."""
    rows: list[tuple[int, Any]] = []
    for index, source in enumerate(SOURCES):
        history = (
            _for_patient(source, patient)
            if patient is not None
            else source.model.history.all()  # type: ignore[attr-defined]
        )
        if user is not None:
            history = history.filter(history_user=user)
        if first is not None:
            history = history.filter(history_date__gte=local_day_bounds(first)[0])
        if last is not None:
            history = history.filter(history_date__lt=local_day_bounds(last)[1])
        if after is not None:
            history = history.filter(after.older(index))
        history = (
            history.select_related("history_user")
            .annotate(previous_id=_previous_id(source.history_model))
            .order_by("-history_date", "-history_id")
        )
        if size is not None:
            history = history[: size + 1]
        rows.extend((index, row) for row in history)
    rows.sort(key=lambda r: (r[1].history_date, r[0], r[1].history_id), reverse=True)
    more = size is not None and len(rows) > size
    if size is not None:
        rows = rows[:size]
    previous = _previous_versions(rows)
    names = _Names()
    for index, row in rows:
        source = SOURCES[index]
        for version in (row, previous.get((index, row.previous_id))):
            if version is None:
                continue
            for f in source.fields():
                if f.is_relation and f.related_model is not None:
                    names.want(f.related_model, getattr(version, f.attname))  # type: ignore[arg-type]
        names.want(
            Patient if source.patient_key == "id" else _parent(source),
            getattr(row, source.patient_key),
        )
    names.load()
    entries = [
        _entry(index, row, previous.get((index, row.previous_id)), names)
        for index, row in rows
    ]
    return AuditPage(entries, entries[-1].cursor if more and entries else None)


def _parent(source: Source) -> type[models.Model]:
    return {
        "patient_id": Patient,
        "assessment_id": DopplerAssessment,
        "session_id": TreatmentSession,
    }[source.patient_key]


def _previous_versions(rows: Iterable[tuple[int, Any]]) -> dict[tuple[int, int], Any]:
    wanted: dict[int, set[int]] = {}
    for index, row in rows:
        if row.previous_id is not None:
            wanted.setdefault(index, set()).add(row.previous_id)
    found: dict[tuple[int, int], Any] = {}
    for index, ids in wanted.items():
        for version in SOURCES[index].history_model.objects.filter(history_id__in=ids):
            found[(index, version.history_id)] = version
    return found


def _patient_of(source: Source, row: Any, names: _Names) -> Patient | None:
    key = getattr(row, source.patient_key)
    if source.patient_key in ("id", "patient_id"):
        return names.get(Patient, key)
    parent = names.get(_parent(source), key)
    return names.get(Patient, parent.patient_id) if parent is not None else None


def _entry(index: int, row: Any, previous: Any, names: _Names) -> AuditEntry:
    source = SOURCES[index]
    changes: list[Change] = []
    values: list[Value] = []
    for f in source.fields():
        new = getattr(row, f.attname)
        label = capfirst(str(f.verbose_name))
        if row.history_type == "+" or previous is None:
            if not _empty(new) and f.name != "patient":
                values.append(Value(label, _display(source, f, new, names)))
            continue
        old = getattr(previous, f.attname)
        if old != new:
            changes.append(
                Change(
                    label,
                    _display(source, f, old, names),
                    _display(source, f, new, names),
                )
            )
    return AuditEntry(
        when=row.history_date,
        who=row.history_user,
        kind=str(source.kind),
        label=source.label(row),
        action=str(ACTIONS.get(row.history_type, row.get_history_type_display())),
        history_type=row.history_type,
        reason=reason_label(row.history_change_reason or ""),
        changes=changes,
        values=values if row.history_type == "+" or previous is None else [],
        patient=_patient_of(source, row, names),
        cursor=Cursor(row.history_date, index, row.history_id),
    )


def patient_audit_trail(patient: Patient) -> list[AuditEntry]:
    """Return every recorded change about the patient, newest first."""
    return audit_trail(patient=patient).entries
