"""gunicorn.conf.py: the production app server's settings, and the variables that change them."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
VARIABLES = (
    "PORT",
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "FORWARDED_ALLOW_IPS",
    "GUNICORN_PROXY_PROTOCOL",
    "PROXY_ALLOW_IPS",
    "GUNICORN_ACCESS_LOG",
)


@pytest.fixture
def environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_are_the_documented_production_server(environment):
    conf = runpy.run_path(str(CONF))

    assert conf["bind"] == "0.0.0.0:8000"
    assert (conf["workers"], conf["worker_class"], conf["threads"]) == (4, "gthread", 4)
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"]) == (30, 120, 5)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (0, 0)
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["proxy_protocol"] == "off"
    assert conf["accesslog"] is None
    assert conf["errorlog"] == "-"


def test_the_environment_changes_each_number(environment):
    environment.setenv("PORT", "9000")
    environment.setenv("WEB_CONCURRENCY", "8")
    environment.setenv("GUNICORN_THREADS", "2")
    environment.setenv("GUNICORN_MAX_REQUESTS", "5000")
    environment.setenv("GUNICORN_ACCESS_LOG", "-")

    conf = runpy.run_path(str(CONF))

    assert conf["bind"] == "0.0.0.0:9000"
    assert (conf["workers"], conf["threads"]) == (8, 2)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (5000, 500)
    assert conf["accesslog"] == "-"


def test_a_bind_address_wins_over_the_port(environment):
    environment.setenv("PORT", "9000")
    environment.setenv("GUNICORN_BIND", "unix:/run/attest.sock")

    assert runpy.run_path(str(CONF))["bind"] == "unix:/run/attest.sock"


def test_a_negative_number_is_refused(environment):
    environment.setenv("WEB_CONCURRENCY", "-1")

    with pytest.raises(ValueError, match="WEB_CONCURRENCY must be 0 or more"):
        runpy.run_path(str(CONF))
