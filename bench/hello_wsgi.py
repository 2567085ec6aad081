"""The bench's WSGI entry: fieldapp, and a bare Flask "hello" route at /hello in the same
process, so one gunicorn serves both and bench/national.py can compare their requests per
second in the same run. For the bench only; the app knows nothing of it.

    gunicorn -w 2 bench.hello_wsgi:application      (from the app's folder)
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi import app as fieldapp

hello = Flask("hello")


@hello.route("/")
def say_hello():
    """The bare route: no database, no template, no session."""
    return "hello"


application = DispatcherMiddleware(fieldapp, {"/hello": hello})
