"""What makes the app work with no signal: the service worker, the manifest, the
outbox page and the page shown when something was never cached."""

import hashlib

from flask import Blueprint, current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from fieldapp.offline.ui_text import answer_labels

bp = Blueprint("offline", __name__)

# Files every page needs, cached when the service worker installs.
APP_SHELL = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/offline.js",
    "vendor/htmx.min.js",
    "icons/icon.svg",
    "icons/icon-192.png",
)


@bp.route("/sw.js")
def service_worker():
    """The service worker, at the site root so it controls every page.

    Its text names the fingerprinted shell files, so any change to them changes
    it, and phones install the new version on their next visit.
    """
    asset_url = current_app.jinja_env.globals["asset_url"]
    shell = [asset_url(name) for name in APP_SHELL]
    response = make_response(
        render_template(
            "offline/sw.js",
            shell=shell,
            shell_version=hashlib.sha256("|".join(shell).encode()).hexdigest()[:12],
            outbox_script=asset_url("js/outbox.js"),
            offline_page=url_for("offline.fallback"),
        )
    )
    response.mimetype = "application/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest, so the app installs to the phone's home screen."""
    asset_url = current_app.jinja_env.globals["asset_url"]
    response = jsonify(
        {
            "name": _("QR check-in inspections"),
            "short_name": _("QR inspections"),
            "start_url": url_for("home.index"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#f3f5f8",
            "theme_color": "#0b4f8a",
            "icons": [
                {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": asset_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/outbox")
@login_required
def outbox():
    """Findings waiting on this phone; the list itself is drawn from the phone's storage."""
    return render_template("offline/outbox.html", answer_labels=answer_labels())


@bp.route("/offline")
def fallback():
    """Shown by the service worker for a page that was never opened with signal.

    The worker keeps it in the app shell for whoever uses the phone: it names nobody and
    carries no CSRF token."""
    return render_template("offline/fallback.html", shared_page=True)
