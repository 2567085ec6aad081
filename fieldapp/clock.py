"""The one clock: what time and what day it is in Vietnam.

The database keeps naive UTC datetimes; officials think in Vietnam's calendar days
(UTC+7 all year, no daylight saving). Every "now", "today" and day boundary of the app
comes from here, and all of them read the time through `_utc_now()`, so a test freezes
the whole app's time by replacing that one function.
"""

from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext

TIME_ZONE = "Asia/Ho_Chi_Minh"
VIETNAM = ZoneInfo(TIME_ZONE)


def _utc_now() -> datetime:
    """The current moment, aware, in UTC: the only place the app reads the time."""
    return datetime.now(UTC)


def stopwatch() -> float:
    """A start for `elapsed_ms`: the monotonic clock, for durations (a request's), never
    for moments."""
    return monotonic()


def elapsed_ms(start: float) -> float:
    """Milliseconds since `start` (a `stopwatch()` value)."""
    return (monotonic() - start) * 1000


def utcnow() -> datetime:
    """The current moment as the naive UTC the database stores (column defaults use it)."""
    return as_stored(_utc_now())


def now() -> datetime:
    """The current moment in Vietnam, aware."""
    return _utc_now().astimezone(VIETNAM)


def today() -> date:
    """Today's date in Vietnam, whatever the server's own time zone."""
    return now().date()


def vietnam_time(utc_moment: datetime) -> datetime:
    """A stored moment (naive UTC, or aware) as an aware Vietnam time."""
    if utc_moment.tzinfo is None:
        utc_moment = utc_moment.replace(tzinfo=UTC)
    return utc_moment.astimezone(VIETNAM)


def vietnam_offset() -> timedelta:
    """How far Vietnam's clock is ahead of UTC, the same all year: SQL that dates stored
    moments in the database (the findings rollup's) shifts them by this."""
    return VIETNAM.utcoffset(datetime(2021, 1, 1))


def vietnam_date(utc_moment: datetime) -> date:
    """The Vietnamese calendar day a stored moment (naive UTC) falls on."""
    return vietnam_time(utc_moment).date()


def as_stored(moment: datetime) -> datetime:
    """Any moment as the naive UTC the database stores; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def at_vietnam_time(day: date, at: time) -> datetime:
    """A Vietnam wall-clock time of a day, as the naive UTC the database stores."""
    return as_stored(datetime.combine(day, at, VIETNAM))


def day_start(day: date) -> datetime:
    """The first moment of a Vietnamese day (00:00 there), as naive UTC."""
    return at_vietnam_time(day, time.min)


def day_end(day: date) -> datetime:
    """The first moment after a Vietnamese day (00:00 of the next day there), as naive UTC:
    moments of the day are those before it."""
    return day_start(day + timedelta(days=1))


def days_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The naive UTC bounds [start, end) of the Vietnamese days first to last, both included:
    filter with `start <= moment < end`."""
    return day_start(first), day_end(last)


# How days and moments are written and typed: DD/MM/YYYY, in Vietnam's time.
def day_text(day: date | datetime | None) -> str:
    """12/11/2021; "" for no day. A stored moment (a datetime: naive UTC, or aware) is
    written as the Vietnamese day it falls on: a finding made at 00:30 in Vietnam is
    stored on the day before in UTC."""
    if not day:
        return ""
    if isinstance(day, datetime):
        day = vietnam_date(day)
    return day.strftime("%d/%m/%Y")


def moment_text(utc_moment: datetime | None) -> str:
    """A stored moment as Vietnam's clock reads it: 12/11/2021 06:30; "" for none."""
    return vietnam_time(utc_moment).strftime("%d/%m/%Y %H:%M") if utc_moment else ""


# The years a typed day may fall in: 0001-01-01 or 9999-12-31 in a filter is a slip of the
# keyboard, and its day's bounds in UTC would fall outside what a datetime can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def parse_day(text: str | None) -> date | None:
    """A day typed as 12/11/2021 (or 12-11-2021), or sent by a date input as 2021-11-12;
    None when it is none of these, or falls outside FIRST_YEAR..LAST_YEAR."""
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
    return None


# A day planned ahead (an assignment's due date, a re-inspection, the answer to a citizen's
# report) lies at most this many days after today: 31/12/2099 is a typing slip, not a plan.
PLANNED_DAYS_AHEAD = 366


def beyond_planning(day: date, from_day: date | None = None) -> bool:
    """Whether a planned day lies further ahead of today (or of from_day) than anyone plans
    (PLANNED_DAYS_AHEAD)."""
    return day > latest_planned_day(from_day)


def latest_planned_day(from_day: date | None = None) -> date:
    """The furthest day a plan may name from today (or from from_day): what a refusal by
    `beyond_planning` tells the user, and a date input's `max`."""
    return (from_day or today()) + timedelta(days=PLANNED_DAYS_AHEAD)


def planning_refusal(from_day: date | None = None):
    """The one sentence refusing a day `beyond_planning` (a due date, a re-inspection, a
    citizen's report's inspection), naming the latest day allowed; lazy, so it is said in
    the language of the page that shows it."""
    return lazy_gettext(
        "Too far ahead: choose a day no later than %(day)s.",
        day=day_text(latest_planned_day(from_day)),
    )


def parse_moment(text: str | None) -> datetime | None:
    """A moment typed in Vietnam's time as 12/11/2021 06:30 (seconds allowed, or 2021-11-12
    06:30), as the naive UTC the database stores; None when it is none of these."""
    text = " ".join((text or "").split())
    for pattern in (
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ):
        try:
            typed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not FIRST_YEAR <= typed.year <= LAST_YEAR:
            return None
        return as_stored(typed.replace(tzinfo=VIETNAM))
    return None
