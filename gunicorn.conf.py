"""gunicorn's settings for Attest in production: ``.venv/bin/gunicorn -c gunicorn.conf.py config.wsgi``.

Each number can be changed through the environment without editing this file (docs/operators.md
lists the variables). The load test in bench/deadline_day_run.py runs the app with this file.
"""

import os


def _number(name: str, default: int) -> int:
    value = int(os.environ.get(name, default))
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, not {value}.")
    return value


# PORT as `make run` reads it; GUNICORN_BIND for anything else (a UNIX socket: "unix:/run/attest.sock").
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Threaded workers keep a long download (HR's certificate ZIP, about 9 ms a certificate) alive:
# a gthread worker's heartbeat does not wait for its requests, so `timeout` never kills a
# download part-way through. 4 x 4 is what the deadline-day load test ran on 2 cores
# (docs/benchmarks.md): a process runs Python on one core at a time, so at least one a core, and
# the threads cover the time each request waits for PostgreSQL.
workers = _number("WEB_CONCURRENCY", 4)
worker_class = "gthread"
threads = _number("GUNICORN_THREADS", 4)

# A worker that stops answering its heartbeat for this long is killed and replaced.
timeout = _number("GUNICORN_TIMEOUT", 30)
# On a restart or a deploy (SIGTERM, SIGHUP), requests in flight get this long to finish: long
# enough for a 10,000-certificate ZIP (about a minute and a half).
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 120)
# Seconds an idle connection from the proxy is kept open; keep it longer than the proxy's own idle
# timeout for its upstream connections, or the proxy may send a request down a closing one (a 502).
keepalive = _number("GUNICORN_KEEPALIVE", 5)

# Off by default: nothing in Attest is known to grow a worker's memory, and each restart costs the
# import of Django and Wagtail again and the worker's parsed scenario revisions. Set it (jitter a
# tenth of it, so the workers do not restart together) to recycle workers after so many requests.
max_requests = _number("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# The proxy in front terminates TLS and sends X-Forwarded-Proto; gunicorn believes it only from
# these addresses (its FORWARDED_ALLOW_IPS variable; loopback by default). Set it to the proxy's
# addresses. gunicorn never takes the client's address from X-Forwarded-For: REMOTE_ADDR (what the
# audit log, the ledger and the rate limits see) is the proxy's, unless the proxy speaks the PROXY
# protocol (GUNICORN_PROXY_PROTOCOL=auto, with PROXY_ALLOW_IPS set to the proxy's addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_protocol = os.environ.get("GUNICORN_PROXY_PROTOCOL", "off")
proxy_allow_ips = os.environ.get("PROXY_ALLOW_IPS", "127.0.0.1,::1")

# No access log by default: the proxy logs every request, and the app's own console log and audit
# log record what matters. GUNICORN_ACCESS_LOG=- writes one to standard output.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
