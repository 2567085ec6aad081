"""fieldapp: venue QR check-in inspections, for inspectors in the field."""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context

from fieldapp import clock, jobs, places, storage
from fieldapp.assets import init_assets
from fieldapp.auth import limits
from fieldapp.auth.same_origin import check_same_origin
from fieldapp.config import INSTANCE, ROOT, configure
from fieldapp.database_lost import init_database_lost
from fieldapp.extensions import (
    babel,
    compress,
    csrf,
    db,
    htmx,
    limiter,
    login_manager,
    migrate,
)
from fieldapp.form_messages import init_form_messages
from fieldapp.fragments import wants_fragment, wants_json
from fieldapp.headers import init_headers
from fieldapp.offline.session_mark import mark_session
from fieldapp.proxies import trust_proxies
from fieldapp.request_input import init_request_input
from fieldapp.request_log import init_request_log


def select_locale() -> str:
    """The user's chosen language; Vietnamese unless they chose English."""
    if not has_request_context():  # CLI commands and services called outside a request
        return "vi"
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in languages else "vi"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, config)
    storage.check_settings(app.config)
    jobs.configure(app)
    init_request_log(app)  # first: every request gets its id before any hook may refuse it
    trust_proxies(app)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    init_assets(app)
    init_headers(app)
    init_request_input(app)  # after htmx, whose request class it extends
    babel.init_app(app, locale_selector=select_locale)
    init_form_messages(app)  # WTForms' own messages from the app's catalogue
    login_manager.init_app(app)
    limiter.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself

    # The models, areas, commands and labels are imported here, not at the top: every module
    # of the app imports this package first, which must not load the whole app in turn.
    from fieldapp import models  # noqa: F401  (register tables with SQLAlchemy)
    from fieldapp.auth.sessions import LOCKED_MESSAGE, session_of_a_locked_account, user_for_token

    @login_manager.unauthorized_handler
    def ask_to_log_in():
        if session_of_a_locked_account():  # the log-in page says why the session ended
            flash(str(LOCKED_MESSAGE), "error")
        # An htmx request cannot show the login page inside a fragment: send the
        # whole page there, and come back to where the user was afterwards.
        if request.htmx:
            back = urlsplit(request.htmx.current_url or "/")
            target = url_for(
                "auth.login", next=back.path + (f"?{back.query}" if back.query else "")
            )
            return "", 401, {"HX-Redirect": target}
        if wants_json():  # the outbox keeps the finding and asks the inspector to log in
            return jsonify(
                status="login",
                login_url=url_for("auth.login"),
                message=_("Log in again to send what is waiting."),
            ), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(token: str):
        # A whole page names the user's district and province: load them with the user.
        return user_for_token(token, with_places=not (wants_fragment() or wants_json()))

    from fieldapp.account.routes import bp as account_bp
    from fieldapp.assignments.routes import bp as assignments_bp
    from fieldapp.auth.routes import bp as auth_bp
    from fieldapp.citizens.import_routes import bp as citizen_imports_bp
    from fieldapp.citizens.public_routes import bp as citizen_intake_bp
    from fieldapp.citizens.routes import bp as citizens_bp
    from fieldapp.health import bp as health_bp
    from fieldapp.home.routes import bp as home_bp
    from fieldapp.inspections.routes import bp as inspections_bp
    from fieldapp.letters.routes import bp as letters_bp
    from fieldapp.map.routes import bp as map_bp
    from fieldapp.offline.routes import bp as offline_bp
    from fieldapp.posters.routes import bp as posters_bp
    from fieldapp.reports.routes import bp as reports_bp
    from fieldapp.reviews.routes import bp as reviews_bp
    from fieldapp.trail.routes import bp as trail_bp
    from fieldapp.users.routes import bp as users_bp
    from fieldapp.venues.routes import bp as venues_bp

    for blueprint in (
        auth_bp,
        home_bp,
        venues_bp,
        inspections_bp,
        account_bp,
        offline_bp,
        posters_bp,
        reviews_bp,
        assignments_bp,
        map_bp,
        reports_bp,
        letters_bp,
        users_bp,
        trail_bp,
        health_bp,
        citizen_imports_bp,
        citizens_bp,
        citizen_intake_bp,
    ):
        app.register_blueprint(blueprint)

    from fieldapp.cli import register_commands

    register_commands(app)

    _register_template_helpers(app)
    _register_error_pages(app)
    init_database_lost(app)

    app.before_request(check_same_origin)
    app.after_request(mark_session)

    @app.after_request
    def vary_on_htmx(response):
        # The same URL answers with a page or a fragment: caches must tell them apart.
        response.vary.add("HX-Request")
        return response

    return app


def _register_template_helpers(app: Flask) -> None:
    from fieldapp import audit
    from fieldapp.inspections import labels as inspection_labels
    from fieldapp.offline.ui_text import ui_text
    from fieldapp.posters import labels as poster_labels
    from fieldapp.reviews import labels as review_labels
    from fieldapp.reviews.service import may_review, review_version
    from fieldapp.venues import labels as venue_labels

    @app.template_filter("vn_date")
    def vn_date(value):
        return clock.day_text(value)

    @app.template_filter("vn_datetime")
    def vn_datetime(value):
        return clock.moment_text(value)

    # A unit written by its kind ("xã Sơn Hà", "quận Ba Đình"): the one rule, places.py.
    app.add_template_filter(places.unit_of, "unit")

    # Numbers on a screen follow the user's language (1,234 in English, 1.234 in Vietnamese):
    # format_decimal takes the request's locale. A change and a share are written by the
    # notice's rules in that locale; the documents (notice, letters) stay Vietnamese.
    from fieldapp.reports.notice import vn_percent, vn_signed

    @app.template_filter("number")
    def number(value, digits=0):
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern)

    app.add_template_filter(lambda value: vn_signed(value, str(get_locale())), "signed")
    app.add_template_filter(lambda value: vn_percent(value, str(get_locale())), "percent")

    label_dicts = {
        "venue_types": venue_labels.VENUE_TYPE_LABELS,
        "commune_kinds": venue_labels.COMMUNE_KIND_LABELS,
        "outcome_labels": inspection_labels.OUTCOME_LABELS,
        "reason_labels": inspection_labels.REASON_LABELS,
        "qr_posted_labels": inspection_labels.QR_POSTED_LABELS,
        "poster_reasons": poster_labels.POSTER_REASON_LABELS,
        "poster_states": poster_labels.POSTER_STATE_LABELS,
        "batch_states": poster_labels.BATCH_STATE_LABELS,
        "review_labels": review_labels.REVIEW_LABELS,
        "audit_actions": audit.AUDIT_ACTION_LABELS,
    }
    translated: dict = {}  # (catalogue's id, GPS limits) -> (catalogue, labels)

    def labels_in_language() -> dict:
        """The labels, the GPS warnings and the scripts' texts in the request's language,
        translated once per catalogue and settings rather than at every render (a lazy label
        is translated anew each time a template prints it). Keyed by the catalogue object
        itself: another language, or a catalogue loaded anew, is translated afresh."""
        translations = get_translations()
        config = app.config
        key = (id(translations), config["GPS_MAX_ACCURACY_M"], config["GPS_MAX_DISTANCE_M"])
        found = translated.get(key)
        if found is not None and found[0] is translations:
            return found[1]
        texts = {
            name: {code: str(label) for code, label in labels.items()}
            for name, labels in label_dicts.items()
        }
        texts["gps_warning_labels"] = inspection_labels.gps_warning_labels()
        texts["ui_text"] = ui_text()
        if len(translated) > 32:  # a catalogue per language: more means catalogues replaced
            translated.clear()
        translated[key] = (translations, texts)
        return texts

    # The templates' _() and ngettext() take the catalogue the render started with (put in
    # its context below) instead of asking Flask-Babel for it again at every call; a
    # template rendered without it (no request) asks as before.
    def catalogue(context) -> object:
        return context.get("_catalogue") or get_translations()

    @pass_context
    def template_gettext(context, string):
        return catalogue(context).ugettext(string)

    @pass_context
    def template_ngettext(context, singular, plural, n):
        return catalogue(context).ungettext(singular, plural, n)

    @pass_context
    def template_pgettext(context, message_context, string):
        return catalogue(context).upgettext(message_context, string)

    @pass_context
    def template_npgettext(context, message_context, singular, plural, n):
        return catalogue(context).unpgettext(message_context, singular, plural, n)

    app.jinja_env.install_gettext_callables(
        gettext=template_gettext,
        ngettext=template_ngettext,
        newstyle=True,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
    )

    @app.context_processor
    def labels():
        return {
            **labels_in_language(),
            "_catalogue": get_translations(),
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale() or "vi"),
            "field_label": audit.field_label,
            "field_value": audit.field_value,
            # The audit trail's entries in the screens' words (helper "screens").
            "audit_entry_heading": audit.entry_heading,
            "audit_entry_time": audit.entry_time,
            "audit_change_lines": audit.change_lines,
            "audit_detail_lines": audit.detail_lines,
            "audit_record_line": audit.record_line,
            "may_review": may_review,
            "review_version": review_version,
        }


def _register_error_pages(app: Flask) -> None:
    def error_page(status: int, title: str, message: str, kind: str = "refused"):
        if wants_json():
            return jsonify(status=kind, title=title, message=message), status
        return render_template(
            "errors/error.html", status=status, title=title, message=message
        ), status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(
            400,
            _("The form expired"),
            _("Go back, reload the page and send it again. Nothing was saved."),
            kind="csrf",
        )

    @app.errorhandler(400)
    def bad_request(error):
        return error_page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(403)
    def forbidden(error):
        return error_page(403, _("Not allowed"), _("Your account cannot open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return error_page(
            404, _("Not found"), _("This page does not exist, or it belongs to another district.")
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        # An address only a button posts to (a reset, a log-out, "delivered"), opened again
        # from the history or typed: nothing was done; say so, with the way back.
        page, status = error_page(
            405,
            _("This address cannot be opened directly"),
            _("It belongs to a button of the app. Nothing was done: go back and use the button."),
        )
        allowed = ", ".join(error.valid_methods or ())
        return page, status, ({"Allow": allowed} if allowed else {})

    @app.errorhandler(413)
    def too_large(error):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error_page(
            413,
            _("Upload too large"),
            _(
                "The photos together are larger than %(mb)s MB. Go back and "
                "send fewer or smaller photos.",
                mb=mb,
            ),
        )

    @app.errorhandler(429)
    def too_many_attempts(error):
        seconds = limits.wait_seconds()
        if wants_json():
            return limits.limited_json(seconds)
        page = render_template(
            "errors/error.html",
            status=429,
            title=_("Please wait"),
            message=limits.wait_message(seconds),
        )
        return page, 429, {"Retry-After": str(seconds)}

    def storage_unavailable(error):
        app.logger.error("The file storage did not answer", exc_info=error)
        return error_page(
            503,
            _("Try again in a moment"),
            _(
                "The photo storage does not answer. Nothing was recorded: send again in a "
                "moment (a finding waiting on the phone is sent again by itself)."
            ),
            kind="retry",
        )

    for exception in storage.UNAVAILABLE:
        app.register_error_handler(exception, storage_unavailable)

    @app.errorhandler(500)
    def server_error(error):
        return error_page(
            500, _("Something went wrong"), _("The error was logged. Go back and try again.")
        )
