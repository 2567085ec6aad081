"""gunicorn's settings for fieldapp: `make serve`, the systemd unit and compose.yaml use this
file (`gunicorn -c deploy/gunicorn.conf.py`). Run it from the app's folder (where wsgi.py is).

Settings from the environment (defaults in brackets):
  GUNICORN_BIND     where to listen [127.0.0.1:8000]; an application server that nginx
                    reaches over the network listens on its private address, e.g. 10.0.0.11:8000
  GUNICORN_WORKERS  worker processes [2 × cores + 1]
  GUNICORN_THREADS  threads per worker [4]: a request waiting on the database or the photo
                    storage does not hold up the others
  GUNICORN_TIMEOUT  seconds a worker may stay silent before it is restarted [120]
FIELDAPP_ENV is production unless the environment says otherwise: the app then refuses to
start without SECRET_KEY and DATABASE_URL (deploy/.env.example lists every setting).

Slow mobile uploads: nginx receives the whole request (six photos over a weak 3G signal may
take minutes) before it passes it on in one go (`proxy_request_buffering on`, its default,
deploy/nginx/fieldapp.conf.template), and takes the answer whole (`proxy_buffering`), so a
worker's thread never waits on a phone. The timeout covers the app's own work: re-encoding
six photos, a poster PDF, a weekly report.
"""

import multiprocessing
import os

os.environ.setdefault("FIELDAPP_ENV", "production")

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On a restart or an upgrade (SIGTERM, `systemctl restart`) requests under way get this
# long to finish.
graceful_timeout = 30
# nginx keeps connections to the workers open between requests (its upstream keepalive).
keepalive = 75
# No control socket (gunicornc): systemd and compose start and stop the server.
control_socket_disable = True
# A worker is replaced after this many requests (give or take the jitter), so that memory a
# library keeps does not grow for ever.
max_requests = 2000
max_requests_jitter = 200

# The scheme and the client's address come from the trusted proxies' headers, read by the
# app alone (werkzeug's ProxyFix, FIELDAPP_TRUSTED_PROXIES): gunicorn reads none of them.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# No access log of gunicorn's: the app writes one JSON line per request with its id, user,
# status and duration (fieldapp/request_log.py). gunicorn's own lines (start, workers,
# timeouts) are JSON too, on standard output with the app's.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "formatters": {"json": {"()": "fieldapp.request_log.JsonFormatter"}},
}
