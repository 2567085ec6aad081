"""Command-line tasks: flask seed-demo, import-venues, create-user, set-password, disable-user,
posters, import-stats, report, rollups-rebuild, uploads-orphans, jobs-worker.

The commands speak English, like click's own help and errors: they are the
district IT officer's tools. Messages shared with the web pages (the import
report) are translatable and are shown here in English.
"""

import getpass
import logging
import time
from datetime import date
from functools import wraps
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select, text

from fieldapp import clock, jobs, storage
from fieldapp.access import district_venues
from fieldapp.assignments.service import cancel_all_of
from fieldapp.audit import record_event
from fieldapp.citizens.deadlines import (
    HolidayRefused,
    add_holiday,
    holidays_listed,
    remove_holiday,
    seed_holidays,
)
from fieldapp.citizens.routes import HOLIDAY_REFUSALS  # the screen's own words
from fieldapp.demo import DEMO_PASSWORD, DEMO_USERS, DemoExists, seed_demo
from fieldapp.extensions import db
from fieldapp.inspections.photos import local_photo_metadata
from fieldapp.inspections.service import orphan_upload_folders, remove_orphan
from fieldapp.models import Commune, District, Province, Role, Scope, User, Venue
from fieldapp.places import in_vietnamese_order, official_name, places_named, province_kind_of
from fieldapp.places_import import apply_places, check_places, kind_name
from fieldapp.posters.render import PosterError, poster_png, register_fonts
from fieldapp.posters.service import poster_text, render_batch
from fieldapp.reports import exports
from fieldapp.reports.figures import (
    FIELD_LABELS,
    SheetUnreadable,
    apply_import,
    guess_columns,
    preview_import,
    read_sheet,
    report_date_problem,
)
from fieldapp.reports.notice import vn_date
from fieldapp.reports.rollups import rebuild_rollups
from fieldapp.reports.weekly import (
    district_month_report,
    district_report,
    national_month_report,
    national_report,
    plausible_report_date,
    province_month_report,
    province_report,
)
from fieldapp.text import fold
from fieldapp.users.service import (
    AccountProblem,
    account_fields,
    choose_password,
    create_user,
    record_account_event,
    scope_problem,
    set_enabled,
)
from fieldapp.venues.importer import import_venues
from fieldapp.venues.search_index import rebuild_search_index


def in_english(command):
    """Run a command with the app context and English messages (there is no request locale)."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return with_appcontext(wrapped)


def refresh_statistics() -> None:
    """Let the database planner see the new data (ANALYZE: SQLite and PostgreSQL alike).

    Without statistics SQLite filters a large log through its least selective index.
    """
    db.session.execute(text("ANALYZE"))
    db.session.commit()


AS_OPTION = click.option(
    "--as",
    "as_username",
    metavar="USERNAME",
    help="Whose figures or venues these are, for the audit trail (by default the "
    "operating-system user who runs the command).",
)


def who_ran(as_username: str | None) -> dict:
    """Who ran a command that changes data, for the audit trail: the operating-system user,
    and the username they ran it for (`--as`)."""
    who = {"os_user": getpass.getuser()}
    if as_username:
        who["as"] = as_username.strip()[:50]
    return who


def district_named(name: str | None) -> District:
    """The district a name means ("Huyện Quan Sơn", "quan son"); the only one when none is given."""
    districts = in_vietnamese_order(db.session.scalars(select(District)))
    if name is None:
        if len(districts) == 1:
            return districts[0]
        raise click.UsageError("Say which district with --district.")
    matches = places_named(districts, name)
    if len(matches) == 1:
        return matches[0]
    if matches:
        found = ", ".join(f"{d.name} ({d.province.name})" for d in matches)
        raise click.BadParameter(f"{name} is ambiguous: {found}.", param_hint="--district")
    known = ", ".join(d.name for d in districts) or "none yet"
    raise click.BadParameter(
        f"No district named {name}. Districts: {known}.", param_hint="--district"
    )


def echo_demo_logins() -> None:
    """Print the demo accounts that exist here and still take the demo password."""
    users = {
        u.username: u
        for u in db.session.scalars(
            select(User).where(User.username.in_([name for name, _, _ in DEMO_USERS]))
        )
    }
    working = [
        users[name]
        for name, _, _ in DEMO_USERS
        if name in users and users[name].check_password(DEMO_PASSWORD)
    ]
    if not working:
        click.echo("This database has no demo logins.")
        return
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for user in working:
        scope = (
            " (whole country)"
            if user.sees_country
            else " (whole province)"
            if user.sees_province
            else ""
        )
        click.echo(f"  {user.username:<12} {user.role:<11} {user.display_name}{scope}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has a district.")
@in_english
def seed_demo_command(if_empty: bool) -> None:
    """Load the Quan Sơn demo: communes, venues, users and five weeks of inspections."""
    if if_empty and db.session.scalar(select(District.id).limit(1)) is not None:
        click.echo("The database already has data: demo not loaded.")
    else:
        try:
            summary = seed_demo()
        except DemoExists as exists:
            db.session.rollback()
            raise click.ClickException(f"Demo not loaded: {exists}.") from exists
        db.session.commit()
        refresh_statistics()
        outcomes = ", ".join(
            f"{count} {outcome.replace('_', ' ')}"
            for outcome, count in sorted(summary.outcomes.items())
        )
        click.echo(
            f"Loaded the demo: {summary.communes} communes, {summary.venues} venues "
            f"({summary.closed_venues} closed), {summary.users} users, "
            f"{summary.inspections} inspections ({outcomes})."
        )
    echo_demo_logins()


@click.command("search-index-rebuild")
@in_english
def search_index_rebuild_command() -> None:
    """Rebuild the venue search's word index from the venues (after bulk loads)."""
    rebuild_search_index()
    db.session.commit()
    count = db.session.scalar(select(func.count(Venue.id)).where(Venue.is_active.is_(True)))
    click.echo(f"Rebuilt the venue search index: {count} active venues.")


@click.command("import-venues")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--district",
    "district_name",
    metavar="NAME",
    help="The district the venues belong to (needed when there are several).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Update the venues already registered with a code of the file (its "
    "non-empty cells) instead of refusing those rows.",
)
@AS_OPTION
@in_english
def import_venues_command(
    file: Path, district_name: str | None, update: bool, as_username: str | None
) -> None:
    """Import venues from a CSV (UTF-8, Windows-1258 or -1252) or XLSX file, with English or
    Vietnamese headers."""
    district = district_named(district_name)
    report = import_venues(file.read_bytes(), district, filename=file.name, update=update)
    if report.refused is not None:
        db.session.rollback()
        click.echo(f"{file.name}: {report.refused}", err=True)
        raise click.exceptions.Exit(1)
    if report.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(report.ignored_columns)}")
    for problem in report.problems:
        click.echo(f"Row {problem.row}: {problem.message}", err=True)
    record_event(
        "venues_imported",
        None,
        entity="venue",
        detail={
            "file": file.name,
            "imported": [venue.code for venue in report.venues],
            "updated": [venue.code for venue in report.updated],
            **who_ran(as_username),
        },
        district_id=district.id,
    )
    db.session.commit()
    refresh_statistics()
    updated = f"{len(report.updated)} updated, " if update else ""
    click.echo(
        f"{district.name}: {len(report.venues)} venues imported, {updated}"
        f"{len(report.refused_rows)} rows refused."
    )
    if report.problems:
        raise click.exceptions.Exit(1)


def counted(number: int, word: str) -> str:
    """ "1 district", "12 communes"."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


@click.command("import-places")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would be created; write nothing.")
@in_english
def import_places_command(file: Path, dry_run: bool) -> None:
    """Register provinces, districts and communes from a CSV or XLSX file with the columns
    province, district, commune and kind (xã, phường or thị trấn; or a prefix: "Xã Sơn Hà").

    Places already registered are reused; a bad row refuses the whole file."""
    plan = check_places(file.read_bytes(), file.name)
    if plan.refused is not None:
        raise click.ClickException(f"{file.name}: {plan.refused} Nothing was imported.")
    for problem in plan.problems:
        click.echo(f"Row {problem.row}: {problem.message}", err=True)
    if plan.problems:
        rows = len({problem.row for problem in plan.problems})
        click.echo(f"{file.name}: {counted(rows, 'row')} refused; nothing was imported.", err=True)
        raise click.exceptions.Exit(1)
    levels = (
        ("province", plan.all_provinces),
        ("district", plan.all_districts),
        ("commune", plan.all_communes),
    )
    new = {level: plan.new(places) for level, places in levels}
    registered = ", ".join(
        counted(len(places) - len(new[level]), level) for level, places in levels
    )
    if not any(new.values()):
        if not dry_run:  # the kinds its prefixes say and its official order still apply
            apply_places(plan)
            db.session.commit()
        click.echo(f"Nothing to create: the file's places are all registered ({registered}).")
        return
    if dry_run:
        click.echo("Would create:")
        for place in new["province"]:
            kind = place.kind or province_kind_of(place.name)
            click.echo(f"  province {official_name(place.name, kind)}")
        for place in new["district"]:
            written = official_name(place.name, place.kind or "huyen")
            click.echo(f"  district {written} ({place.parent.name})")
        for place in new["commune"]:
            click.echo(f"  {kind_name(place.kind)} {place.name} ({place.parent.name})")
    else:
        apply_places(plan)
        for district in plan.all_districts:
            communes = [commune.name for commune in plan.new(district.children)]
            if communes:
                record_event(
                    "places_imported",
                    None,
                    entity="district",
                    detail={"file": file.name, "communes": communes, **who_ran(None)},
                    district_id=district.registered.id,
                )
        db.session.commit()
    created = ", ".join(counted(len(new[level]), level) for level, _ in levels)
    if dry_run:
        click.echo(f"Dry run: would create {created}; already registered: {registered}.")
    else:
        click.echo(f"Created {created}; already registered: {registered}.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--district", "district_name", required=True, metavar="NAME")
@click.option("--display-name", default="", help="The name shown in the app (default: username).")
@click.option("--password", default=None, help="Asked for, hidden, when not given.")
@click.option(
    "--province-wide",
    is_flag=True,
    help="A supervisor who sees every district of the district's province (--scope province).",
)
@click.option(
    "--scope",
    "scope_name",
    type=click.Choice([scope.value for scope in Scope]),
    default=None,
    help="What a supervisor sees: their district, its province, or the whole country (only "
    "here can a national account be made).",
)
@in_english
def create_user_command(
    username: str,
    role: str,
    district_name: str,
    display_name: str,
    password: str | None,
    province_wide: bool,
    scope_name: str | None,
) -> None:
    """Create an account in a district, with a role (the password rules of the app apply)."""
    if province_wide and scope_name not in (None, Scope.PROVINCE.value):
        raise click.BadParameter("Give either --province-wide or --scope.", param_hint="--scope")
    scope = scope_name or (Scope.PROVINCE if province_wide else Scope.DISTRICT).value
    problem = scope_problem(role, scope)
    if problem:
        hint = "--province-wide" if province_wide else "--scope"
        raise click.BadParameter(problem, param_hint=hint)
    district = district_named(district_name)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, display_name, role, district, password, scope)
    except AccountProblem as problem:
        raise_account_problem(problem)
    record_account_event("user_created", user, None, **account_fields(user), **who_ran(None))
    db.session.commit()
    where = {
        Scope.PROVINCE.value: f"the province {district.province.name}",
        Scope.COUNTRY.value: "the whole country",
    }.get(scope, district.name)
    click.echo(f"Created {role} {user.username} in {where}.")


PARAMETER_OF_FIELD = {"username": "USERNAME", "password": "--password", "scope": "--province-wide"}


def raise_account_problem(problem: AccountProblem) -> None:
    """A refusal of the accounts' rules as click reports it."""
    if problem.conflict:
        raise click.ClickException(problem.message)
    raise click.BadParameter(
        problem.message, param_hint=PARAMETER_OF_FIELD.get(problem.field, problem.field)
    )


def user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.BadParameter(f"No user named {username}.", param_hint="USERNAME")
    return user


@click.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Asked for, hidden, when not given.")
@in_english
def set_password_command(username: str, password: str | None) -> None:
    """Give a user a new password (the password rules apply); their sessions end."""
    user = user_named(username)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        choose_password(user, password)
    except AccountProblem as problem:
        raise_account_problem(problem)
    record_account_event("password_changed", user, None, **who_ran(None))
    db.session.commit()
    click.echo(f"New password set for {user.username}; their sessions have ended.")


@click.command("disable-user")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@in_english
def disable_user_command(username: str, enable: bool) -> None:
    """Disable an account (it cannot log in; its sessions end), or enable it again."""
    user = user_named(username)
    if user.is_enabled == enable:  # nothing to do: no second audit entry
        click.echo(f"{user.username} is already {'enabled' if enable else 'disabled'}.")
        return
    set_enabled(user, enable)
    record_account_event("user_enabled" if enable else "user_disabled", user, None, **who_ran(None))
    cancelled = [] if enable else cancel_all_of(user, None)
    db.session.commit()
    if enable:
        click.echo(f"Enabled {user.username}.")
    else:
        click.echo(f"Disabled {user.username}; their sessions have ended.")
    for assignment in cancelled:
        click.echo(
            f"Cancelled their open assignment: {assignment.venue.code} {assignment.venue.name}"
        )


@click.command("posters")
@click.option("--venue", "venue_code", metavar="CODE", help="One venue, by its code.")
@click.option(
    "--commune",
    "commune_name",
    metavar="NAME",
    help="Every active venue of a commune that has a registered code.",
)
@click.option(
    "--district",
    "district_name",
    metavar="NAME",
    help="The commune's district (needed only when several districts have the commune's name).",
)
@click.option("--size", type=click.Choice(["A4", "A5", "A6"]), default="A4", show_default=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A .pdf file, or a .png file for one venue.",
)
@in_english
def posters_command(venue_code, commune_name, district_name, size, output: Path) -> None:
    """Make QR posters: one venue's (PDF or PNG) or a commune's batch (one PDF)."""
    if bool(venue_code) == bool(commune_name):
        raise click.UsageError("Give either --venue CODE or --commune NAME.")
    config = current_app.config
    register_fonts(Path(config["POSTER_FONT_DIR"]))
    issuer = config["POSTER_ISSUER"]
    as_png = output.suffix.lower() == ".png"
    if venue_code:
        venue = db.session.scalar(select(Venue).where(Venue.code == venue_code.strip()))
        if venue is None:
            raise click.ClickException(f"No venue has the code {venue_code}.")
        try:
            text = poster_text(venue, issuer)
            if as_png:
                output.write_bytes(poster_png(text, Path(config["POSTER_FONT_DIR"]), size))
            else:
                render_batch([text], output, size)
        except PosterError as error:
            raise click.ClickException(f"{venue.code}: {error}") from error
        click.echo(f"Poster {text.serial} for {venue.name} written to {output}.")
        return
    if as_png:
        raise click.UsageError("A commune's posters come as one PDF: name a .pdf file.")
    commune = _poster_commune(commune_name, district_name)
    venues = db.session.scalars(
        district_venues(commune.district_id)
        .where(Venue.commune_id == commune.id, Venue.is_active.is_(True), Venue.qr_payload != "")
        .order_by(Venue.search_key)
    ).all()
    if not venues:
        raise click.ClickException(f"No venue of {commune.name} has a registered code.")
    try:
        count = render_batch(
            (poster_text(v, issuer) for v in venues),
            output,
            size,
            lambda done: click.echo(f"  {done} of {len(venues)} posters made"),
        )
    except PosterError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count} posters for {commune.name} ({commune.district.name}) written to {output}.")


def _poster_commune(name: str, district_name: str | None) -> Commune:
    """The commune a name means, matched as fieldapp/places.py matches every written place
    name: in the district given, or, with none, in whichever district has a commune of that
    name (asked to choose with --district when several have one)."""
    if district_name is not None or db.session.scalar(select(func.count(District.id))) == 1:
        district = district_named(district_name)
        communes = places_named(district.communes, name)
        if not communes:
            known = ", ".join(c.name for c in in_vietnamese_order(district.communes))
            raise click.BadParameter(
                f"No commune named {name} in {district.name}. Communes: {known}.",
                param_hint="--commune",
            )
    else:
        communes = places_named(db.session.scalars(select(Commune)), name)
        if not communes:
            raise click.BadParameter(
                f"No commune named {name} in any district. Check the spelling, or give "
                "--district NAME to list that district's communes.",
                param_hint="--commune",
            )
    if len(communes) > 1:
        found = "; ".join(
            f"{c.name} in {c.district.name} ({c.district.province.name})"
            for c in in_vietnamese_order(communes)
        )
        raise click.UsageError(
            f"{len(communes)} communes are named {name}: {found}. "
            "Say which with --district NAME (e.g. --district "
            f'"{in_vietnamese_order(communes)[0].district.name}").'
        )
    return communes[0]


def _report_day(value: str) -> date:
    day = clock.parse_day(value)
    if day is None:
        raise click.BadParameter(f"{value!r} is not a date as DD/MM/YYYY.", param_hint="--date")
    if not plausible_report_date(day):
        raise click.BadParameter(f"{value} is not a plausible report date.", param_hint="--date")
    return day


def _report_month(value: str) -> date:
    """A month written 2026-11 (or 11/2026), as its first day."""
    parts = value.strip().replace("/", "-").split("-")
    if len(parts) == 2 and len(parts[1]) == 4:
        parts.reverse()
    try:
        first = date(int(parts[0]), int(parts[1]), 1)
    except (ValueError, IndexError):
        raise click.BadParameter(
            f"{value!r} is not a month as YYYY-MM.", param_hint="--month"
        ) from None
    if not plausible_report_date(first):
        raise click.BadParameter(f"{value} is not a plausible month.", param_hint="--month")
    return first


@click.command("import-stats")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--district",
    "district_name",
    metavar="NAME",
    help="The district the figures are for (needed when there are several).",
)
@click.option(
    "--date",
    "date_text",
    required=True,
    metavar="DD/MM/YYYY",
    help="The report date the figures are as of.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar='FIELD="HEADER"',
    help="Read FIELD from the column headed HEADER, for headers not recognised; "
    "FIELD is one of district, commune, venues_with_qr, scans, installs, "
    "smartphones. Repeatable.",
)
@AS_OPTION
@in_english
def import_stats_command(
    file: Path,
    district_name: str | None,
    date_text: str,
    columns: tuple[str, ...],
    as_username: str | None,
) -> None:
    """Import a CSV or XLSX spreadsheet of national figures per commune for a report date.

    Prints what was imported and what was refused. The accepted rows are imported, each
    replacing its commune's figures for the date; the exit code is 1 if any row was refused
    or nothing could be imported, 2 for a bad option.
    """

    district = district_named(district_name)
    day = _report_day(date_text)
    try:
        sheet = read_sheet(file.read_bytes(), file.name)
    except SheetUnreadable as error:
        raise click.ClickException(f"{file.name}: {error}") from None
    mapping = None
    if columns:
        mapping = guess_columns(sheet.headers)
        folded = {fold(h): i for i, h in enumerate(sheet.headers)}
        for option in columns:
            name, _, header = option.partition("=")
            name, header = name.strip(), header.strip().strip('"')
            if name not in FIELD_LABELS:
                raise click.BadParameter(
                    f"{name!r} is not a field: use one of {', '.join(FIELD_LABELS)}.",
                    param_hint="--column",
                )
            if fold(header) not in folded:
                raise click.BadParameter(
                    f"No column headed {header!r}. Headers: {' | '.join(sheet.headers)}.",
                    param_hint="--column",
                )
            mapping[name] = folded[fold(header)]
    today = clock.today()
    preview = preview_import(sheet, district, day, today, mapping)
    if preview.date_problem:
        raise click.ClickException(f"{preview.date_problem} Nothing was imported.")
    if preview.missing_fields:
        missing = ", ".join(preview.missing_fields)
        raise click.ClickException(
            f"No column recognised for: {missing}. Headers (row {preview.header_row}): "
            f'{" | ".join(sheet.headers)}. Map them with --column FIELD="HEADER". '
            "Nothing was imported."
        )
    saved = apply_import(preview, None, file.name, who_ran(as_username))
    db.session.commit()
    click.echo(
        f"{district.name}, {vn_date(day)}: imported {saved} communes, "
        f"refused {len(preview.refused)} rows."
    )
    for row in preview.accepted:
        figures = row.figures
        click.echo(
            f"  row {row.number}: {row.commune.name}: {figures['venues_with_qr']} venues "
            f"with QR, {figures['scans']} scans" + (" (replaced)" if row.replaces else "")
        )
    for row in preview.refused:
        click.echo(f"  row {row.number}: refused: {row.problem}", err=True)
    if preview.refused or not saved:
        raise SystemExit(1)


@click.command("report")
@click.option(
    "--district",
    "district_name",
    metavar="NAME",
    help="The district (needed when there are several).",
)
@click.option(
    "--province",
    "province_name",
    metavar="NAME",
    help="A province's report instead: one row per district.",
)
@click.option("--country", is_flag=True, help="The national summary: one row per province.")
@click.option("--date", "date_text", metavar="DD/MM/YYYY")
@click.option("--month", "month_text", metavar="YYYY-MM", help="A calendar month's report.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf", "docx"]), required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@in_english
def report_command(
    district_name: str | None,
    province_name: str | None,
    country: bool,
    date_text: str | None,
    month_text: str | None,
    fmt: str,
    output: Path,
) -> None:
    """Write the report of a district (or a province, or the country) on a report date or
    for a calendar month: the letter with its appendix as PDF or DOCX, or the appendix as
    CSV or XLSX."""
    if (date_text is None) == (month_text is None):
        raise click.UsageError("Give either --date or --month.")
    day = _report_day(date_text) if date_text else None
    month = _report_month(month_text) if month_text else None
    # A report of a date or month to come is refused, as its page is (the same rule).
    if problem := report_date_problem(day or month, clock.today(), month=month is not None):
        raise click.ClickException(f"{problem} Nothing was written.")
    province = None
    if country:
        report = national_report(day) if day else national_month_report(month)
        district = None
    elif province_name:
        province = next(
            iter(places_named(db.session.scalars(select(Province)), province_name)), None
        )
        if province is None:
            raise click.BadParameter(f"No province named {province_name}.", param_hint="--province")
        report = province_report(province, day) if day else province_month_report(province, month)
        district = None
    else:
        district = district_named(district_name)
        report = district_report(district, day) if day else district_month_report(district, month)
    output.write_bytes(exports.export_report(report, fmt, current_app.config, district, province))
    district_id = district.id if district else None
    exports.record_export(report, fmt, None, district_id, **who_ran(None))
    db.session.commit()
    with_figures = len(report.rows_with_figures)
    when = f"{month:%m/%Y}" if month else clock.day_text(report.report_date)
    click.echo(
        f"Wrote {output} ({report.area_name}, {when}, "
        f"{with_figures} of {len(report.rows)} rows with figures)."
    )
    if not with_figures:
        click.echo(
            f"No national figures for {when}: import them with flask import-stats.",
            err=True,
        )


@click.command("uploads-orphans")
@click.option("--remove", is_flag=True, help="Delete the folders listed.")
@in_english
def uploads_orphans_command(remove: bool) -> None:
    """List the photo folders no finding refers to, untouched for a day (--remove: delete
    them), in the local upload folder or the object storage alike."""
    # File times are the storage's own, compared with the operating system's clock.
    folders = orphan_upload_folders(time.time())
    for folder in folders:
        click.echo(f"{folder.prefix}  {len(folder.files)} files, {folder.size // 1024} KiB")
        if remove:
            remove_orphan(folder)
    if not folders:
        click.echo("No orphan upload folders.")
    elif remove:
        click.echo(f"Removed {len(folders)} folders.")
    else:
        click.echo(f"{len(folders)} folders: run with --remove to delete them.")


@click.command("storage-move-local")
@in_english
def storage_move_local_command() -> None:
    """Copy the photos and poster batch PDFs of the local folders (UPLOAD_FOLDER,
    POSTER_FOLDER) into the object storage of FIELDAPP_STORAGE_URL. A file already there with
    the same size is skipped, so running it again copies only what is missing; the local
    files are left in place."""
    if storage.is_local():
        raise click.UsageError(
            "FIELDAPP_STORAGE_URL is empty: set it to s3://bucket/prefix (and "
            "FIELDAPP_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) first."
        )
    for name, what, describe in (
        ("photos", "photos", local_photo_metadata),
        ("posters", "batch PDFs", None),
    ):
        done = storage.copy_local_area(name, describe)
        click.echo(
            f"{what}: {done.copied} copied ({done.bytes_copied // 1024} KiB), "
            f"{done.skipped} already there."
        )


@click.command("rollups-rebuild")
@in_english
def rollups_rebuild_command():
    """Count every finding and poster into the reports' rollup again, from scratch.

    One transaction: reports read the old rollup until it commits, so none is marked."""
    start = clock.stopwatch()
    cells = rebuild_rollups()
    db.session.commit()
    click.echo(f"Rollup rebuilt: {cells} cells in {clock.elapsed_ms(start) / 1000:.1f} s.")


@click.command("jobs-worker")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64),
    help="Jobs run at the same time (each a thread, or a process).",
)  # fmt: skip
@click.option(
    "--worker-type",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Run the workers as threads of this process, or as processes of their own.",
)
@with_appcontext
def jobs_worker_command(workers, worker_type):
    """Run the job queue's consumer (poster batches): FIELDAPP_QUEUE_URL chooses the queue.

    SIGTERM lets running jobs finish; Ctrl-C stops at once (the batch is taken up again)."""
    if not logging.getLogger().handlers:  # development; production's log is JSON already
        logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
    # Each job taken, finished or failed, in the consumer's log (stdout).
    for name in ("huey", "fieldapp"):
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        consumer = jobs.consumer(workers, worker_type)
    except jobs.QueueSettingError as problem:
        raise click.ClickException(str(problem)) from None
    consumer.run()


@click.command("seed-holidays")
@with_appcontext
def seed_holidays_command() -> None:
    """Add Vietnam's public holidays of 2026 and 2027 that the holiday list lacks."""
    added = seed_holidays()
    db.session.commit()
    click.echo(f"{added} holidays added.")


@click.group("holidays")
def holidays_command() -> None:
    """Change the public holiday list (national: every district's reports are due by it)."""


@holidays_command.command("add")
@click.argument("day")
@click.argument("name")
@with_appcontext
def holiday_add_command(day: str, name: str) -> None:
    """Add DAY (DD/MM/YYYY) named NAME; the open reports it concerns are due again."""
    try:
        moved = add_holiday(clock.parse_day(day), name, None)
    except HolidayRefused as refusal:
        raise click.ClickException(f"Not added: {HOLIDAY_REFUSALS[refusal.reason]()}") from None
    db.session.commit()
    click.echo(f"Holiday added; {moved} open reports' due dates counted again.")


@holidays_command.command("remove")
@click.argument("day")
@with_appcontext
def holiday_remove_command(day: str) -> None:
    """Take DAY (DD/MM/YYYY) off the list; the open reports it concerns are due again."""
    parsed = clock.parse_day(day)
    found = holidays_listed(parsed, parsed) if parsed else []
    if not found:
        raise click.ClickException(HOLIDAY_REFUSALS["not_found"]())
    moved = remove_holiday(found[0], None)
    db.session.commit()
    click.echo(f"Holiday removed; {moved} open reports' due dates counted again.")


def register_commands(app) -> None:
    """Attach the commands to the app's `flask` CLI."""
    for command in (
        seed_demo_command,
        seed_holidays_command,
        holidays_command,
        search_index_rebuild_command,
        import_venues_command,
        import_places_command,
        create_user_command,
        set_password_command,
        disable_user_command,
        posters_command,
        import_stats_command,
        report_command,
        rollups_rebuild_command,
        uploads_orphans_command,
        storage_move_local_command,
        jobs_worker_command,
    ):
        app.cli.add_command(command)
