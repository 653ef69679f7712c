"""gunicorn settings: `gunicorn -c gunicorn.conf.py sclero_clinic.wsgi`.

Each value can be changed by its environment variable (OPERATIONS.md).
"""

import multiprocessing
import os

bind = os.getenv("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: 2 per core + 1 is gunicorn's advice; a clinic's load is small.
workers = int(os.getenv("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
# A day's aftercare sheets in one PDF take seconds; 30 s (the default) is too
# tight for a group's day, 120 s leaves room without hiding a hung worker.
timeout = int(os.getenv("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# WeasyPrint's memory is given back by recycling workers now and then.
max_requests = int(os.getenv("GUNICORN_MAX_REQUESTS", "500"))
max_requests_jitter = 50
# Access log and errors on stdout/stderr with timestamps, for the service
# manager to keep. The access log has no query strings (patient searches).
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s %(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
loglevel = os.getenv("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.getenv("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
