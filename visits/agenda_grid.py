"""The agenda as a time grid: which rows, columns, blocks and free slots a
site's day or week shows, read in a fixed number of queries.

Rows are wall-clock steps of the site's agenda step (Site.slot_minutes) over
its opening hours (08:00-20:00 when it has none set), stretched to hold any
visit outside them. The day grid has a column per clinician, the week grid a
column per day; visits that overlap in a column sit side by side in lanes.
Every position is a grid line number (the templates turn them into classes:
the Content-Security-Policy allows no style attribute).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from clinics.availability import Rules, load_rules
from clinics.models import Absence, Closure, OpeningHours, Site, WorkingHours
from core.clock import local_datetime
from core.roles import clinician_label
from patients import screening
from visits.models import (
    FollowUpVisit,
    MessageStatus,
    StatusReason,
    VisitMessage,
    VisitPurpose,
    VisitStatus,
)

# A site with no opening hours set is drawn over these hours.
DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(20, 0)
# Cancelled and no-show visits leave the grid (their time is free again) and
# are listed under it.
OFF_STATUSES = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)
# Line 1 of the grid is its header; the first time row is line 2.
FIRST_ROW = 2


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@dataclass
class Cell:
    """One step of one column: a free slot to book, or why it is not one."""

    row: int
    at: time
    state: str = ""  # "", "free", "closed", "off", "absent"
    note: str = ""
    slot_at: time | None = (
        None  # a free cell's slot start (the week's rows are coarser)
    )


@dataclass
class Block:
    visit: GridVisit
    row: int
    span: int
    lane: int = 0
    clinical: bool = False  # shown to a clinical viewer: with the allergy flag
    html: str = ""  # the block's markup (visits.agenda_fragments)

    @property
    def unknown_reminder(self) -> bool:
        return bool(self.visit.unknown_reminder)

    @property
    def flag(self) -> list[str]:
        """The allergy flag's reasons, for a clinical viewer (worked out when
        the block is rendered: a cached block's key holds what they come
        from, the patient's answers)."""
        return _allergy_flag(self.visit.patient) if self.clinical else []


@dataclass
class Column:
    key: Any  # clinician id (day) or date (week)
    label: str
    start: int = 0  # first grid column line
    lanes: int = 1
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    closed: str = ""  # the whole column is closed: why
    clinician: Any = None
    day: date | None = None
    hours_not_set: bool = False
    cells_html: str = ""  # the cells' markup (visits.agenda_fragments)
    blocks_html: str = ""  # the blocks' markup, all of them


@dataclass
class Grid:
    site: Site
    step: int
    first_minute: int
    rows: list[time]
    columns: list[Column]
    off_visits: list[GridVisit]
    site_has_hours: bool
    # The day grid's columns come a page at a time (day_grid's
    # first_column/column_count): where this page starts, how many in all.
    first_column: int = 0
    column_total: int = 0

    @property
    def width(self) -> int:
        return 1 + sum(c.lanes for c in self.columns)

    @property
    def blocks(self) -> list[Block]:
        return [b for c in self.columns for b in c.blocks]

    @property
    def patient_count(self) -> int:
        return len({b.visit.patient_id for b in self.blocks})

    def row_labels(self) -> list[tuple[int, time]]:
        return [(FIRST_ROW + n, at) for n, at in enumerate(self.rows)]


# --- reads ---------------------------------------------------------------------


# What the grid shows of a visit, its patient and its clinician: a week of
# all clinicians is hundreds of rows, and whole patient rows cost more to
# build than the rest of the page. A clinical viewer's rows add the screening
# answers and allergy notes, for the allergy flag.
VISIT_FIELDS = (
    "code",
    "version",
    "updated_at",
    "site",
    "starts_at",
    "duration_min",
    "status",
    "status_reason",
    "purpose",
    "confirmation",
    "patient",
    "clinician",
)
PATIENT_FIELDS = ("code", "version", "first_name", "last_name")
# What the allergy flag reads (_allergy_flag): the screening answers and the
# allergy notes, not the rest of the patient's row.
CLINICAL_PATIENT_FIELDS = (*screening.QUESTION_FIELDS, "allergy_notes")
CLINICIAN_FIELDS = ("username", "first_name", "last_name")
# VISIT_FIELDS as a GridVisit's attributes (a foreign key's is its id).
VISIT_NAMES = tuple(
    f"{f}_id" if f in ("site", "patient", "clinician") else f for f in VISIT_FIELDS
)


class GridPerson:
    """A patient or clinician as the grid shows them: the few values read."""

    pk: int
    id: int

    def __init__(self, pk: int, **values: Any) -> None:
        self.pk = self.id = pk
        self.__dict__.update(values)


class GridVisit:
    """A visit as the grid shows it: the row of values grid_visits read (a
    week of all clinicians is hundreds of rows; model instances, three per
    row, cost more than the rest of the page). Its patient and clinician are
    made from the row when a template asks for them; the row itself, which
    holds everything the grid shows of the visit, keys its cached markup."""

    __slots__ = ("row", "local_start", "_layout", "_patient", "_clinician")

    # The row's columns (see grid_visits), as attributes.
    pk: int
    id: int
    code: str
    version: int
    updated_at: datetime
    site_id: int
    starts_at: datetime
    duration_min: int
    status: str
    status_reason: str
    purpose: str
    confirmation: str
    patient_id: int
    clinician_id: int
    unknown_reminder: bool

    def __init__(self, row: tuple, layout: RowLayout, local_start: datetime) -> None:
        self.row = row
        self._layout = layout
        self.local_start = local_start
        self._patient: GridPerson | None = None
        self._clinician: GridPerson | None = None

    @property
    def patient(self) -> GridPerson:
        if self._patient is None:
            self._patient = self._layout.person(self.row, "patient", self.patient_id)
        return self._patient

    @property
    def clinician(self) -> GridPerson:
        if self._clinician is None:
            self._clinician = self._layout.clinicians.get(self.clinician_id)
            if self._clinician is None:
                self._clinician = self._layout.clinicians[self.clinician_id] = (
                    self._layout.person(self.row, "clinician", self.clinician_id)
                )
        return self._clinician

    # The visit's own rules, read from the same attributes.
    get_absolute_url = FollowUpVisit.get_absolute_url
    ends_at = FollowUpVisit.ends_at
    can_print_slip = FollowUpVisit.can_print_slip

    def get_status_display(self) -> str:
        return _label(VisitStatus, self.status)

    def get_purpose_display(self) -> str:
        return _label(VisitPurpose, self.purpose)

    def get_status_reason_display(self) -> str:
        return _label(StatusReason, self.status_reason)


# The visit's own columns of a grid row, first (GridVisit's attributes).
ROW_VISIT_NAMES = ("pk", "code", *VISIT_NAMES[1:], "unknown_reminder")


def _column(index: int) -> property:
    """A GridVisit attribute: its row's value at `index`."""
    return property(lambda visit: visit.row[index])


def _code(text: str) -> str:
    """A code read as text, in its usual form: SQLite keeps UUIDs as 32 hex
    digits, PostgreSQL writes them with hyphens."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


for _index, _name in enumerate(ROW_VISIT_NAMES):
    setattr(GridVisit, _name, _column(_index))
GridVisit.code = property(lambda visit: _code(visit.row[1]))  # type: ignore[assignment]
GridVisit.id = GridVisit.pk


@dataclass
class RowLayout:
    """Where a grid row's patient and clinician columns are."""

    patient_fields: tuple[str, ...]
    clinicians: dict[int, GridPerson] = field(default_factory=dict)

    def person(self, row: tuple, who: str, pk: int) -> GridPerson:
        start = len(ROW_VISIT_NAMES)
        names: tuple[str, ...] = CLINICIAN_FIELDS
        if who != "clinician":
            names, start = self.patient_fields, start + len(CLINICIAN_FIELDS)
        values = dict(zip(names, row[start : start + len(names)], strict=True))
        if "code" in values:
            values["code"] = _code(values["code"])
        return GridPerson(pk, **values)


def _label(choices: Any, value: str) -> str:
    """A choice's label, as Model.get_FOO_display gives it."""
    return str(dict(choices.choices).get(value, value))


def grid_visits(
    site: Site | None,
    start: datetime,
    end: datetime,
    clinician=None,
    clinical=True,
    *,
    clinician_ids: Sequence[int] | None = None,
    others_than: Sequence[int] | None = None,
) -> list[GridVisit]:
    """Visits at `site` (None: at any site) starting in [start, end), with
    their patient, clinician and whether a reminder's outcome is unknown (one
    query). `clinician_ids`: only the visits of these clinicians (a page of
    them), and with `others_than` also those of anyone not in it (the last
    page holds a former clinician's visits)."""
    visits = FollowUpVisit.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if site is not None:
        visits = visits.filter(site=site)
    if clinician is not None:
        visits = visits.filter(clinician=clinician)
    if clinician_ids is not None:
        chosen = Q(clinician_id__in=list(clinician_ids))
        if others_than:
            chosen |= ~Q(clinician_id__in=list(others_than))
        visits = visits.filter(chosen)
    unknown = VisitMessage.objects.filter(
        visit=OuterRef("pk"), status=MessageStatus.UNKNOWN
    )
    patient_fields = list(PATIENT_FIELDS)
    if clinical:
        patient_fields += CLINICAL_PATIENT_FIELDS
    # The codes as text: UUID objects cost more to make than the rest of a
    # row, and the grid only writes them into links.
    text: CharField = CharField()
    columns = [
        "id",
        "code_text",
        *VISIT_FIELDS[1:],
        "unknown_reminder",
        *(f"clinician__{f}" for f in CLINICIAN_FIELDS),
        *(
            "patient_code_text" if f == "code" else f"patient__{f}"
            for f in patient_fields
        ),
    ]
    rows = (
        visits.annotate(
            unknown_reminder=Exists(unknown),
            code_text=Cast("code", text),
            patient_code_text=Cast("patient__code", text),
        )
        .order_by("starts_at", "id")
        .values_list(*columns)
    )
    layout = RowLayout(tuple(patient_fields))
    # The local start, once per moment (visits share their slots' times):
    # the layout reads it three times per visit.
    zone = timezone.get_current_timezone()
    local: dict[datetime, datetime] = {}
    found = []
    at_index = ROW_VISIT_NAMES.index("starts_at")
    for row in rows:
        starts_at = row[at_index]
        at = local.get(starts_at)
        if at is None:
            at = local[starts_at] = starts_at.astimezone(zone)
        found.append(GridVisit(row, layout, at))
    return found


def _local_start(visit: GridVisit, zone: Any) -> datetime:
    """The visit's start in `zone`: as grid_visits found it, or worked out."""
    found = getattr(visit, "local_start", None)
    return found if found is not None else visit.starts_at.astimezone(zone)


def _opening_minutes(rules: Rules, site: Site) -> dict[int, list[tuple[int, int]]]:
    """opening_intervals, from Rules already read."""
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in rules.opening.get(site.pk, []):
        by_day[row.weekday].append((_minutes(row.opens), _minutes(row.closes)))
    return dict(by_day)


def opening_intervals(site: Site) -> dict[int, list[tuple[int, int]]]:
    """The site's opening intervals per weekday, in minutes (one query)."""
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in OpeningHours.objects.filter(site=site).order_by("weekday", "opens"):
        by_day[row.weekday].append((_minutes(row.opens), _minutes(row.closes)))
    return dict(by_day)


def closures_between(site: Site, first: date, last: date) -> list[Closure]:
    return list(
        Closure.objects.filter(site=site, first_day__lte=last, last_day__gte=first)
    )


def _closure_on(closures: Iterable[Closure], day: date) -> Closure | None:
    return next((c for c in closures if c.covers(day)), None)


# --- layout --------------------------------------------------------------------


def _span_minutes(
    intervals: Iterable[tuple[int, int]], visits: list, step: int
) -> tuple[int, int]:
    """First and last minute of the grid: the opening hours, and any visit."""
    starts = [a for a, _ in intervals]
    ends = [b for _, b in intervals]
    if not starts:
        starts, ends = [_minutes(DEFAULT_OPENS)], [_minutes(DEFAULT_CLOSES)]
    zone = timezone.get_current_timezone()
    for visit in visits:
        local = _local_start(visit, zone)
        begin = local.hour * 60 + local.minute
        starts.append(begin)
        ends.append(min(begin + visit.duration_min, 24 * 60))
    first = (min(starts) // step) * step
    last = -(-max(ends) // step) * step
    return first, max(last, first + step)


def _place(visit: GridVisit, first: int, step: int, row_count: int, zone: Any) -> Block:
    local = _local_start(visit, zone)
    begin = local.hour * 60 + local.minute
    row = (begin - first) // step
    span = max(1, -(-(begin - first - row * step + visit.duration_min) // step))
    span = min(span, row_count - row)
    return Block(visit=visit, row=FIRST_ROW + row, span=max(span, 1))


def _lanes(blocks: list[Block]) -> int:
    """Put overlapping blocks side by side; return how many lanes it takes."""
    lane_ends: list[int] = []
    for block in sorted(blocks, key=lambda b: (b.row, b.visit.pk)):
        for n, end in enumerate(lane_ends):
            if end <= block.row:
                block.lane, lane_ends[n] = n, block.row + block.span
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.row + block.span)
    return max(1, len(lane_ends))


def _allergy_flag(patient) -> list[str]:
    """What the agenda flags beside a patient's name for clinicians: the
    screening's contraindications and any recorded allergy (worked out once
    per patient of the page)."""
    found = getattr(patient, "agenda_flag", None)
    if found is None:
        found = [c.message for c in screening.contraindications(patient)]
        if patient.allergy_notes:
            found.append(patient.allergy_notes)
        patient.agenda_flag = found
    return found


def _blocks(visits: list, first: int, step: int, rows: int, clinical: bool):
    blocks = []
    zone = timezone.get_current_timezone()
    for visit in visits:
        block = _place(visit, first, step, rows, zone)
        block.clinical = clinical
        blocks.append(block)
    return blocks


def _assign_columns(columns: list[Column]) -> None:
    line = 2
    for column in columns:
        column.lanes = _lanes(column.blocks)
        column.start = line
        line += column.lanes


# --- the day -------------------------------------------------------------------


def _absent_at(absences: list[Absence], moment: datetime) -> Absence | None:
    return next((a for a in absences if a.starts_at <= moment < a.ends_at), None)


def day_grid(
    *,
    site: Site,
    day: date,
    clinicians: list,
    selected: Any = None,
    free: dict[int, list] | Callable[[list, Rules], dict[int, list]] | None = None,
    clinical: bool = False,
    first_column: int = 0,
    column_count: int | None = None,
    visits: list[GridVisit] | None = None,
) -> Grid:
    """The day's grid at `site`: a column per clinician who works there that
    day (or has no hours set at all, or has a visit there that day); `free`
    holds the free slots per clinician id (visits.availability.free_slots),
    or is a function that finds them for the clinicians it is given and the
    clinic's Rules the grid read (clinics.availability.load_rules).

    With `column_count`, only the columns from `first_column` on, that many
    (a page of clinicians): the rest of the day is neither laid out nor
    rendered. The rows still span every column's visits, so paging does not
    move a row, and the cancelled list holds the whole day.

    `visits`: grid_visits of the selected clinician read over a wider span
    or at every site (for the free slots too): those of the site and day are
    kept."""
    from core.clock import local_day_bounds

    start, end = local_day_bounds(day)
    if visits is None:
        visits = grid_visits(site, start, end, selected, clinical)
    else:
        visits = [
            v for v in visits if v.site_id == site.pk and start <= v.starts_at < end
        ]
    # The site's hours and closures, the clinicians' hours and absences: read
    # once (four queries) for the grid and for the free slots.
    rules = load_rules(sites=[site], clinicians=clinicians, first_day=day, last_day=day)
    hours = _opening_minutes(rules, site)
    today = hours.get(day.weekday(), [])
    closure = rules.closure_on(site.pk, day)
    working: dict[int, list[WorkingHours]] = defaultdict(list)
    any_hours: set[int] = set()
    for cid, hours_rows in rules.working.items():
        for wh in hours_rows:
            any_hours.add(cid)
            if wh.site_id == site.pk and wh.weekday == day.weekday():
                working[cid].append(wh)
    absences: dict[int, list[Absence]] = rules.absences

    active = [v for v in visits if v.status not in OFF_STATUSES]
    off = [v for v in visits if v.status in OFF_STATUSES]
    first, last = _span_minutes(today, active, site.slot_minutes)
    step = site.slot_minutes
    rows = [_clock(m) for m in range(first, last, step)]

    with_visits = {v.clinician_id for v in active}
    shown = [
        c
        for c in clinicians
        if c.pk in working or c.pk not in any_hours or c.pk in with_visits
    ]
    known = {c.pk for c in shown}
    for visit in active:  # a former clinician's visits keep their column
        if visit.clinician_id not in known:
            known.add(visit.clinician_id)
            shown.append(visit.clinician)
    column_total = len(shown)
    if column_count is not None:
        first_column = max(0, min(first_column, column_total - 1))
        shown = shown[first_column : first_column + column_count]
    else:
        first_column = 0
    if callable(free):
        ids_here = {c.pk for c in clinicians}
        free = free([c for c in shown if c.pk in ids_here], rules)

    free_at: dict[int, set[time]] = defaultdict(set)
    for cid, slots in (free or {}).items():
        for slot in slots:
            local = timezone.localtime(slot.starts_at)
            if local.date() == day:
                free_at[cid].add(local.time().replace(second=0, microsecond=0))

    site_has_hours = bool(hours)
    closed_day = ""
    if closure:
        closed_day = closure.reason
    elif site_has_hours and not today:
        closed_day = "weekday"
    columns = []
    # Each clinician's visits, grouped once (not a pass over the day's per
    # column).
    by_clinician: dict[int, list[GridVisit]] = defaultdict(list)
    for visit in active:
        by_clinician[visit.clinician_id].append(visit)
    for user in shown:
        column = Column(
            key=user.pk,
            label=clinician_label(user),
            clinician=user,
            hours_not_set=user.pk not in any_hours,
            closed=closed_day,
        )
        column.blocks = _blocks(
            by_clinician.get(user.pk, []),
            first,
            step,
            len(rows),
            clinical,
        )
        for n, at in enumerate(rows):
            column.cells.append(
                _day_cell(
                    FIRST_ROW + n,
                    at,
                    day=day,
                    closed=closed_day,
                    opening=today if site_has_hours else None,
                    working=working.get(user.pk),
                    hours_set=user.pk in any_hours,
                    absences=absences.get(user.pk, []),
                    free=at in free_at.get(user.pk, ()),
                )
            )
        _note_runs_once(column.cells)
        columns.append(column)
    _assign_columns(columns)
    return Grid(
        site,
        step,
        first,
        rows,
        columns,
        off,
        site_has_hours,
        first_column=first_column,
        column_total=column_total,
    )


def site_clinicians(clinicians: list, rules: Rules, site: Site) -> list:
    """The clinicians of `site`'s grid, in the order given: those with working
    hours there (any weekday), and those with none set anywhere (who may be
    booked at any site). `rules` holds their working hours (load_rules)."""
    here = {
        cid
        for cid, rows in rules.working.items()
        if any(row.site_id == site.pk for row in rows)
    }
    return [c for c in clinicians if c.pk in here or not rules.working.get(c.pk)]


def _note_runs_once(cells: list[Cell]) -> None:
    """An absence's kind is written on its first cell only."""
    previous = ""
    for cell in cells:
        current = f"{cell.state}:{cell.note}"
        if current == previous:
            cell.note = ""
        previous = current


def _day_cell(row, at, *, day, closed, opening, working, hours_set, absences, free):
    cell = Cell(row=row, at=at)
    minute = _minutes(at)
    if free:
        cell.state = "free"
    elif closed:
        cell.state = "closed"
    elif opening is not None and not any(a <= minute < b for a, b in opening):
        cell.state = "closed"
    elif absences and (absence := _absent_at(absences, local_datetime(day, at))):
        cell.state, cell.note = "absent", absence.get_kind_display()
    elif hours_set and not any(
        _minutes(w.starts) <= minute < _minutes(w.ends) for w in working or ()
    ):
        cell.state = "off"
    return cell


# --- the week ------------------------------------------------------------------


def _free_by_day(free: Iterable) -> dict[date, list[time]]:
    """Free slots' wall-clock starts per local day, earliest first."""
    # The zone read once (a week of free slots is hundreds of them).
    zone = timezone.get_current_timezone()
    by_day: dict[date, set[time]] = defaultdict(set)
    for slot in free:
        local = slot.starts_at.astimezone(zone)
        by_day[local.date()].add(time(local.hour, local.minute))
    return {d: sorted(starts) for d, starts in by_day.items()}


def week_grid(
    *,
    site: Site,
    monday: date,
    selected: Any = None,
    clinical: bool = False,
    free: Iterable | None = None,
    rules: Rules | None = None,
    visits: list[GridVisit] | None = None,
) -> Grid:
    """The week's grid at `site`: a column per day the site opens (all seven
    when it has no hours set), and any day holding a visit. `free` holds the
    selected clinician's free slots of the week (visits.availability
    .free_slots); a row offers the first of them starting within it. `rules`:
    clinics.availability.load_rules of the site for the week, when the caller
    read them for the free slots (else the site's two are read here).
    `visits`: grid_visits of the selected clinician read over a wider span
    or at every site (for the free slots too): those of the site and week
    are kept."""
    from core.clock import local_day_bounds

    days = [monday + timedelta(days=n) for n in range(7)]
    start = local_day_bounds(days[0])[0]
    end = local_day_bounds(days[-1])[1]
    if visits is None:
        visits = grid_visits(site, start, end, selected, clinical)
    else:
        visits = [
            v for v in visits if v.site_id == site.pk and start <= v.starts_at < end
        ]
    if rules is None:
        rules = load_rules(
            sites=[site], clinicians=[], first_day=days[0], last_day=days[-1]
        )
    hours = _opening_minutes(rules, site)
    closures = rules.closures.get(site.pk, [])
    active = [v for v in visits if v.status not in OFF_STATUSES]
    off = [v for v in visits if v.status in OFF_STATUSES]
    by_day: dict[date, list] = defaultdict(list)
    zone = timezone.get_current_timezone()
    for visit in active:
        by_day[_local_start(visit, zone).date()].append(visit)
    shown_days = [d for d in days if not hours or d.weekday() in hours or by_day.get(d)]
    intervals = [iv for d in shown_days for iv in hours.get(d.weekday(), [])]
    step = site.slot_minutes
    first, last = _span_minutes(intervals, active, step)
    # A week of 5-minute rows would be too tall to read: at least 15 minutes.
    step = max(step, 15)
    first, last = (first // step) * step, -(-last // step) * step
    rows = [_clock(m) for m in range(first, last, step)]
    free_on = _free_by_day(free or ())
    columns = []
    for d in shown_days:
        closure = _closure_on(closures, d)
        opening = hours.get(d.weekday(), [])
        column = Column(key=d, label="", day=d)
        if closure:
            column.closed = closure.reason
        elif hours and not opening:
            column.closed = "weekday"
        column.blocks = _blocks(by_day.get(d, []), first, step, len(rows), clinical)
        # Each row offers the first free slot starting within it.
        row_slot: dict[int, time] = {}
        for t in free_on.get(d, ()):
            offset = _minutes(t) - first
            if offset >= 0:
                row_slot.setdefault(offset // step, t)
        for n, at in enumerate(rows):
            cell = Cell(row=FIRST_ROW + n, at=at)
            minute = _minutes(at)
            slot_at = row_slot.get(n)
            if slot_at is not None:
                cell.state, cell.slot_at = "free", slot_at
            elif column.closed or (
                hours and not any(a <= minute < b for a, b in opening)
            ):
                cell.state = "closed"
            column.cells.append(cell)
        columns.append(column)
    _assign_columns(columns)
    return Grid(site, step, first, rows, columns, off, bool(hours))
