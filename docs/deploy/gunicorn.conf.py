"""gunicorn settings of the tracker (the web bench, bench/web.py, runs with this file too).

    gunicorn --config /etc/zw/gunicorn.conf.py 'tracker.app:create_app()'

Two cores: 2 gthread workers x 4 threads. A request is mostly Python (CPU) with short database
waits; threads overlap those waits, and more processes than cores only add memory (each holds
pandas and plotly, ~150 MB). Variables: ZW_GUNICORN_BIND, ZW_GUNICORN_WORKERS,
ZW_GUNICORN_THREADS, ZW_GUNICORN_SWITCH_INTERVAL. The figures behind these choices:
docs/production.md ("Web speed").
"""
import os
import re
import sys

from gunicorn.glogging import Logger

bind = os.environ.get("ZW_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ZW_GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("ZW_GUNICORN_THREADS", "4"))
worker_class = "gthread"
keepalive = 5  # nginx keeps upstream connections open (see nginx-zw.conf)
timeout = 60  # a staff export of a large edition takes a few seconds, never a minute
graceful_timeout = 30
max_requests = 5000  # recycle workers now and then (pandas and plotly caches grow)
max_requests_jitter = 500
forwarded_allow_ips = "127.0.0.1"
# Files the app writes (outbox copies, generated secrets, a SQLite database) are for the zw
# user only, also when gunicorn is started by hand (the units set UMask=0077 too). gunicorn's
# own `umask` setting applies to its sockets only; the workers inherit this process's.
os.umask(0o077)
accesslog = "-"  # to the journal; the format hides secrets in URLs (below)
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

#: URL parts that are secrets: sign-in links and private calendar feeds.
SECRET_PATHS = re.compile(r"(/lien/|/calendrier/)(?!edition/)[^/?\s\".]+")


class MaskingLogger(Logger):
    """The access log without the tokens of sign-in links and calendar feeds."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q"):
            if key in atoms:
                atoms[key] = SECRET_PATHS.sub(r"\1***", atoms[key])
        return atoms


logger_class = MaskingLogger


#: How long a thread waiting for the GIL waits before it asks the running one to give it up
#: (Python's default: 5 ms). See post_fork.
SWITCH_INTERVAL = float(os.environ.get("ZW_GUNICORN_SWITCH_INTERVAL", "0.001"))


def post_fork(server, worker):
    # A weigh-in is a few short database round trips; each gives the GIL away while it waits
    # and must get it back from a thread computing a progress page (pure Python and pandas),
    # which keeps it up to this interval. Short: a weigh-in does not queue behind such a
    # page ~1 ms per round trip (figures: docs/production.md, "Web speed").
    sys.setswitchinterval(SWITCH_INTERVAL)
