"""The patient page's timeline: every Doppler, session and visit, in order.

`build_timeline()` costs a fixed number of queries however long the history
is: one for where every entry sits (a few columns of each Doppler, session
and visit, in one UNION), one per kind of record for the whole rows of the
entries on the page (with the last Doppler and the next visit), plus one per
child list (Doppler findings, injections; read as values, made model
instances only for an entry rendered anew).
Everything else (order, alerts, next appointment, totals) is worked out in
Python from what those queries returned.

Rendering, not querying, is what grows with the history, so the page shows
the plan and the RECENT_ENTRIES latest past entries; the earlier ones sit
behind "Show N earlier entries" (fetched in place, or the whole page with
?all=1). Child rows and per-item summaries are worked out only for the
entries on the page. The alert header always looks at the whole history.

Each shown entry's HTML is cached (core.fragments) under a key of its row
as read (every field, the addenda and photo counts, the clinician's name,
and for clinical viewers every injection or finding row), how it is shown
(status, planned, the next appointment) and the viewer's rights that change
it; an entry's summaries and leg map are worked out only when its key is
new. A change to any of these makes a new key: an entry is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.context_processors import PermWrapper
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Value,
)
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.scoping import user_site_ids
from core import roles
from core.counts import child_count
from core.fragments import cached_fragments
from core.prepared import PreparedQuery
from doppler.models import DopplerAssessment, DopplerFinding
from patients.models import Leg, Patient
from records.alerts import Alert, build_alerts
from treatments import legmap as session_legmap
from treatments.choices import Agent, Form, VesselType
from treatments.models import Injection, TreatmentSession
from visits.models import AdverseEvent, FollowUpVisit, VisitStatus

DOPPLER = "doppler"
SESSION = "session"
VISIT = "visit"

# The headlines-only rule (core.roles): it gates everything clinical on the
# page: findings, doses, outcomes and the screening alerts.
CLINICAL_DETAIL_PERM = roles.CLINICAL_DETAIL_PERM

ADVERSE_EVENT_LABELS = dict(AdverseEvent.choices)

# Past entries shown before "Show N earlier entries". Rendering cost grows
# with the entries shown, so this bounds the page for a patient treated for
# years; the plan (future entries) is always shown in full.
RECENT_ENTRIES = 20

# Which entries a timeline holds: the recent past and the plan, everything,
# or only the earlier entries the recent view leaves out.
RECENT = "recent"
ALL = "all"
EARLIER = "earlier"

# The clinical card of each kind, shared with the Doppler, session and visit
# pages. When one is missing the timeline uses its own item template instead.
CARD_TEMPLATES = {
    DOPPLER: "doppler/doppler_card.html",
    SESSION: "treatments/session_card.html",
    VISIT: "visits/visit_card.html",
}


def card_template(kind: str) -> str | None:
    try:
        get_template(CARD_TEMPLATES[kind])
    except TemplateDoesNotExist:
        return None
    return CARD_TEMPLATES[kind]


# Within one day a Doppler comes before the session that relied on it.
_KIND_ORDER = {DOPPLER: 0, SESSION: 1, VISIT: 2}


@dataclass
class TimelineItem:
    kind: str
    when: datetime | date
    day: date
    # The record: read in full only for the entries on the page (and the
    # last Doppler and next visit of the alerts); None for the others.
    obj: Any
    status: str
    status_label: str
    is_future: bool
    detail: bool
    extra: dict = field(default_factory=dict)
    card: str | None = None
    html: str = ""  # the rendered entry (render_entries)
    pk: int = 0
    # A clinical entry's child rows (injections or findings) as read: every
    # stored value, in CHILDREN's field order; made into model instances
    # only when the entry is rendered (_install_children).
    children: list[tuple] = field(default_factory=list)
    # The clinic-time clock of a session or visit (midnight for a Doppler,
    # which has a day only): the order within a day.
    clock: time = time.min

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.clock, _KIND_ORDER[self.kind], self.pk)


@dataclass
class Timeline:
    patient: Patient
    items: list[TimelineItem]  # the whole history, in order
    alerts: list[Alert]
    next_visit: FollowUpVisit | None
    last_doppler: DopplerAssessment | None
    clinical: bool
    show: str = ALL
    can_print_aftercare: bool = False

    @property
    def past(self) -> list[TimelineItem]:
        return [item for item in self.items if not item.is_future]

    @property
    def planned(self) -> list[TimelineItem]:
        return [item for item in self.items if item.is_future]

    @property
    def earlier(self) -> list[TimelineItem]:
        """Past entries the recent view leaves out (oldest first)."""
        past = self.past
        return past[: max(len(past) - RECENT_ENTRIES, 0)]

    @property
    def earlier_count(self) -> int:
        return len(self.earlier) if self.show == RECENT else 0

    @property
    def shown_past(self) -> list[TimelineItem]:
        """The past entries on the page (oldest first)."""
        past = self.past
        if self.show == ALL:
            return past
        cut = max(len(past) - RECENT_ENTRIES, 0)
        return past[:cut] if self.show == EARLIER else past[cut:]

    @property
    def shown(self) -> list[TimelineItem]:
        if self.show == EARLIER:
            return self.shown_past
        return self.shown_past + self.planned


def choice_labels(choices) -> dict[str, str]:
    """Return {value: label} in the active language.

    For loops: `get_FOO_display()` hashes every (lazy) label of the field on
    each call, i.e. one translation lookup per choice per call.
    """
    return {value: str(label) for value, label in choices}


def _injection_labels() -> dict[str, dict[str, str]]:
    return {
        "leg": choice_labels(Leg.choices),
        "vessel_type": choice_labels(VesselType.choices),
        "agent": choice_labels(Agent.choices),
        "form": choice_labels(Form.choices),
    }


def injection_groups(injections, labels: dict | None = None) -> list[dict]:
    """Group a session's active injections by leg, vessel, agent, strength and form.

    `labels` is `_injection_labels()`, worked out once for many sessions.
    """
    labels = labels or _injection_labels()
    groups: dict[tuple, dict] = {}
    for inj in injections:
        if inj.voided_at is not None:
            continue
        key = (inj.leg, inj.vessel_type, inj.agent, inj.concentration_pct, inj.form)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "leg": labels["leg"].get(inj.leg, inj.leg),
                "vessel": labels["vessel_type"].get(inj.vessel_type, inj.vessel_type),
                "agent": labels["agent"].get(inj.agent, inj.agent),
                "concentration_pct": inj.concentration_pct.normalize(),
                "form": labels["form"].get(inj.form, inj.form),
                "count": 0,
                "volume_ml": 0,
                "dose_mg": 0,
                "ultrasound_guided": False,
            }
        group["count"] += 1
        group["volume_ml"] += inj.volume_ml
        group["dose_mg"] += inj.dose_mg
        group["ultrasound_guided"] |= inj.ultrasound_guided
    return list(groups.values())


def build_timeline(patient: Patient, *, user, show: str = ALL) -> Timeline:
    """Return the patient's timeline as `user` may see it.

    `show` is RECENT (the RECENT_ENTRIES latest past entries and the plan),
    ALL, or EARLIER (only the past entries RECENT leaves out). Items hold the
    whole history either way; child rows and summaries are fetched and
    worked out for the shown ones only.

    Queries: where every entry sits (one UNION of Dopplers, sessions and
    visits); then the shown rows of each kind, with the findings and the
    injections for clinical users. The number never depends on the history.
    """
    clinical = roles.sees_clinical_detail(user)
    now = timezone.now()
    today = timezone.localdate()

    # Visits at the sites the user works at (every site for the manager).
    site_ids = _sites_arg(user_site_ids(user))

    # First where every entry sits in the history (a few columns of each
    # row); then the whole rows of the entries on the page only: a history
    # of years costs its index, not its records.
    items: list[TimelineItem] = []
    last_doppler_pk: int | None = None
    last_doppler_on: date | None = None
    next_visit_pk: int | None = None
    next_visit_at: datetime | None = None
    voided_label = _("voided")
    status_labels = choice_labels(VisitStatus.choices)
    zone = timezone.get_current_timezone()
    for kind, pk, on, moment, voided_at, status in _POSITIONS(patient.pk, site_ids):
        if kind == DOPPLER:
            # A day only: no clock, never planned.
            if voided_at is None and (last_doppler_on is None or on > last_doppler_on):
                last_doppler_pk, last_doppler_on = pk, on
            when, day, clock, is_future = on, on, time.min, False
        else:
            local = moment.astimezone(zone)
            when, day, clock = moment, local.date(), local.time()
            is_future = moment > now if kind == SESSION else moment >= now
        if kind == VISIT:
            label = status_labels.get(status, status)
            if (
                status == VisitStatus.SCHEDULED
                and is_future
                and (next_visit_at is None or moment < next_visit_at)
            ):
                next_visit_pk, next_visit_at = pk, moment
        else:
            status = "voided" if voided_at else "done"
            label = voided_label if voided_at else ""
        items.append(
            TimelineItem(
                kind=kind,
                when=when,
                day=day,
                clock=clock,
                obj=None,
                status=status,
                status_label=label,
                is_future=is_future,
                detail=clinical,
                pk=pk,
            )
        )
    items.sort(key=lambda item: item.sort_key)
    timeline = Timeline(
        patient=patient,
        items=items,
        alerts=[],
        next_visit=None,
        last_doppler=None,
        clinical=clinical,
        show=show,
        can_print_aftercare=user.has_perm("treatments.print_aftercare"),
    )
    wanted: dict[str, set[int]] = {DOPPLER: set(), SESSION: set(), VISIT: set()}
    for item in timeline.shown:
        wanted[item.kind].add(item.pk)
    if last_doppler_pk is not None:
        wanted[DOPPLER].add(last_doppler_pk)
    if next_visit_pk is not None:
        wanted[VISIT].add(next_visit_pk)
    rows: dict[str, dict[int, Any]] = {
        DOPPLER: _by_pk(_DOPPLER_ROWS, patient.pk, wanted[DOPPLER]),
        SESSION: _by_pk(_SESSION_ROWS, patient.pk, wanted[SESSION]),
        VISIT: _by_pk(_VISIT_ROWS, patient.pk, wanted[VISIT], site_ids),
    }
    for item in items:
        item.obj = rows[item.kind].get(item.pk)
    if last_doppler_pk is not None:
        timeline.last_doppler = rows[DOPPLER][last_doppler_pk]
    if next_visit_pk is not None:
        timeline.next_visit = rows[VISIT][next_visit_pk]
    timeline.alerts = build_alerts(
        patient, timeline.last_doppler, timeline.next_visit, today, clinical
    )
    if clinical:
        _add_detail(timeline.shown)
    render_entries(timeline, user)
    return timeline


# The page's queries are built and compiled once (core.prepared): their
# building cost more than the database took to answer them.


def _sites_arg(site_ids: Any) -> list[int] | None:
    """The sites a user's visits are read at: None for every site; a user of
    no site reads at site 0, which no visit has."""
    if site_ids is None:
        return None
    return sorted(site_ids) or [0]


def _visits(patient_id: int, site_ids: list[int] | None) -> Any:
    visits = FollowUpVisit.objects.filter(patient_id=patient_id)
    if site_ids is not None:
        visits = visits.filter(site_id__in=site_ids)
    return visits


def _positions(patient_id: int, site_ids: list[int] | None) -> Any:
    """Where every entry sits: (kind, pk, day of a Doppler, moment of a
    session or visit, voided at, visit status) of each Doppler, session and
    visit, in one query (a UNION of a few columns of each)."""
    no_day = Value(None, output_field=DateField())
    no_moment = Value(None, output_field=DateTimeField())
    no_status = Value("", output_field=CharField())

    def kind(name: str) -> Value:
        return Value(name, output_field=CharField())

    dopplers = DopplerAssessment.objects.filter(patient_id=patient_id).values_list(
        kind(DOPPLER), "pk", "assessed_on", no_moment, "voided_at", no_status
    )
    sessions = TreatmentSession.objects.filter(patient_id=patient_id).values_list(
        kind(SESSION), "pk", no_day, "performed_at", "voided_at", no_status
    )
    visits = _visits(patient_id, site_ids).values_list(
        kind(VISIT), "pk", no_day, "starts_at", no_moment, "status"
    )
    return dopplers.order_by().union(sessions.order_by(), visits.order_by(), all=True)


# The whole rows of the entries shown. The sign-off and the number of addenda
# are shown on every entry (a count per row, no query per entry).
def _doppler_rows(patient_id: int, pks: list[int]) -> Any:
    return (
        DopplerAssessment.objects.filter(patient_id=patient_id, pk__in=pks)
        .select_related("examiner")
        .annotate(addenda_count=child_count(DopplerAssessment, "addenda"))
    )


def _session_rows(patient_id: int, pks: list[int]) -> Any:
    return (
        TreatmentSession.objects.filter(patient_id=patient_id, pk__in=pks)
        .select_related("clinician")
        .annotate(
            addenda_count=child_count(TreatmentSession, "addenda"),
            # The session's photos not voided.
            photo_count=child_count(TreatmentSession, "photos", null=("voided_at",)),
        )
    )


def _visit_rows(patient_id: int, pks: list[int], site_ids: list[int] | None) -> Any:
    return _visits(patient_id, site_ids).filter(pk__in=pks).select_related("clinician")


_POSITIONS = PreparedQuery(_positions)
_DOPPLER_ROWS = PreparedQuery(_doppler_rows)
_SESSION_ROWS = PreparedQuery(_session_rows)
_VISIT_ROWS = PreparedQuery(_visit_rows)


def _by_pk(query: PreparedQuery, patient_id: int, pks: set[int], *more: Any) -> dict:
    if not pks:
        return {}
    return {obj.pk: obj for obj in query(patient_id, sorted(pks), *more)}


ENTRY_TEMPLATE = "records/timeline_entry.html"


def _row(obj: Any) -> tuple:
    """Every stored value of a model instance, for a fragment's key."""
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _person(user: Any) -> tuple:
    if user is None:
        return ()
    return (user.pk, user.get_username(), user.first_name, user.last_name)


def _entry_parts(item: TimelineItem, timeline: Timeline) -> tuple:
    obj = item.obj
    children = tuple(item.children) if item.detail else ()
    person = getattr(obj, "examiner" if item.kind == DOPPLER else "clinician", None)
    is_next = bool(timeline.next_visit and timeline.next_visit.pk == obj.pk)
    return (
        item.kind,
        item.status,
        item.status_label,
        item.is_future,
        item.detail,
        item.card,
        item.kind == VISIT and is_next,
        _row(obj),
        getattr(obj, "addenda_count", None),
        getattr(obj, "photo_count", None),
        _person(person),
        children,
    )


def render_entries(timeline: Timeline, user) -> None:
    """Put each shown entry's HTML on it: cached, or rendered now (its
    summaries and leg map worked out only then)."""
    shown = timeline.shown
    perms = PermWrapper(user)
    viewer = (
        timeline.clinical,
        timeline.can_print_aftercare,
        user.has_perm("photos.view_clinicalphoto"),
        user.has_perm("doppler.view_dopplerassessment"),
    )
    template = get_template(ENTRY_TEMPLATE)
    labels: dict = {}

    def render(n: int) -> str:
        item = shown[n]
        if item.detail:
            if item.kind in CHILDREN:
                _install_children(item)
            if not labels:
                labels.update(_injection_labels())
            _fill_extra(item, labels)
        context = {"item": item, "timeline": timeline, "perms": perms}
        return template.render(context)

    parts = [(viewer, _entry_parts(item, timeline)) for item in shown]
    for item, html in zip(
        shown, cached_fragments("timeline-entry", parts, render), strict=True
    ):
        item.html = html


# The child rows of a clinical entry: model, the foreign key to the entry's
# record, the record's accessor, the order shown.
CHILDREN: dict[str, tuple[Any, str, str, tuple[str, ...]]] = {
    DOPPLER: (DopplerFinding, "assessment", "findings", ("-leg", "id")),
    SESSION: (Injection, "session", "injections", ("-leg", "id")),
}


def _attnames(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _child_rows(kind: str) -> PreparedQuery:
    model, fk, _name, order = CHILDREN[kind]
    return PreparedQuery(
        lambda pks: (
            model.objects.filter(**{f"{fk}_id__in": pks})
            .order_by(*order)
            .values_list(*_attnames(model))
        )
    )


_CHILD_ROWS = {kind: _child_rows(kind) for kind in CHILDREN}


def _add_detail(shown: list[TimelineItem]) -> None:
    """Read the child rows of the shown entries (one query per kind, as
    values: an entry whose fragment is cached needs no model instances) and
    choose their cards; the summaries wait for _fill_extra."""
    for kind, (model, fk, _name, _order) in CHILDREN.items():
        items = {item.pk: item for item in shown if item.kind == kind}
        if not items:
            continue
        names = _attnames(model)
        at = names.index(model._meta.get_field(fk).attname)
        for row in _CHILD_ROWS[kind](sorted(items)):
            items[row[at]].children.append(row)
    cards = {kind: card_template(kind) for kind in CARD_TEMPLATES}
    for item in shown:
        item.card = cards[item.kind]


def _fill_extra(item: TimelineItem, labels: dict) -> None:
    """Work out a clinical entry's summaries (about to be rendered)."""
    if item.kind == SESSION:
        session = item.obj
        item.extra = {"groups": injection_groups(session.injections.all(), labels)}
        item.extra["leg_map"] = _session_map(session)
        if item.card is None:  # the session card shows its own totals and compression
            item.extra["totals"] = session.totals()
            item.extra["compression"] = session.compression_summary()
    elif item.kind == VISIT:
        item.extra = {
            "adverse_events": [
                ADVERSE_EVENT_LABELS.get(code, code)
                for code in item.obj.adverse_events or []
            ]
        }


def _session_map(session: TreatmentSession) -> str:
    """The small leg map of a session's placed injections ("" when none is
    placed), from the prefetched rows."""
    injections = session.injections.all()
    if not any(session_legmap.has_position(i) for i in injections if not i.voided_at):
        return ""
    return session_legmap.session_map(
        injections, size="sm", id_prefix=f"timeline-legmap-{session.pk}"
    )


def _install_children(item: TimelineItem) -> None:
    """Make the entry's child rows model instances, where its record's
    accessor (`session.injections.all()`) finds them, as a prefetch would."""
    obj = item.obj
    model, fk, name, _order = CHILDREN[item.kind]
    field_ = model._meta.get_field(fk)
    cache_name = field_.remote_field.cache_name
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache is None:
        cache = obj._prefetched_objects_cache = {}
    if cache_name in cache:
        return
    names = _attnames(model)
    children = []
    for row in item.children:
        child = model.from_db(obj._state.db, names, row)
        field_.set_cached_value(child, obj)
        children.append(child)
    queryset = getattr(obj, name).all()
    queryset._result_cache = children
    queryset._prefetch_done = True
    cache[cache_name] = queryset
