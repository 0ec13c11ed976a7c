import pytest

from . import lrs as stand_in


@pytest.fixture(scope="module")
def _server():
    lrs, server = stand_in.start()
    yield lrs
    lrs.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def lrs(_server, settings):
    """The LRS stand-in, empty, with Attest configured to send to it (a short timeout, so a
    "timeout" failure costs a fraction of a second)."""
    _server.stored.clear()
    _server.requests.clear()
    _server.refusals.clear()
    _server.failures.clear()
    settings.XAPI_LRS_ENDPOINT = _server.url
    settings.XAPI_LRS_USERNAME = stand_in.USERNAME
    settings.XAPI_LRS_PASSWORD = stand_in.PASSWORD
    settings.XAPI_ACCOUNT_HOMEPAGE = "https://www.met.police.uk"
    settings.XAPI_TIMEOUT_SECONDS = 0.3
    return _server
