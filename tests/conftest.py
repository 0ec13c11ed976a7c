import pytest
from django.core.management import call_command
from django.db import connection

# The ledger's triggers refuse TRUNCATE on PostgreSQL, and a transactional test (threads, a live
# server) ends by emptying every table with TRUNCATE. Let that clean-up of the test database
# through, and nothing else: the triggers stay armed while the test itself runs.
LEDGER_TRIGGERS = [
    f"{model}:append_only_no_{operation}"
    for model in ("certificates.Attestation", "certificates.LedgerAnchor", "access.AuditEvent")
    for operation in ("update", "delete", "truncate")
]


def _flush_past_the_ledger_triggers():
    import pgtrigger
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        with pgtrigger.ignore(*LEDGER_TRIGGERS):
            flush(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown


def pytest_configure(config):
    _flush_past_the_ledger_triggers()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: CI's second pass runs it with DATABASE_URL set"))


@pytest.fixture
def demo(db):
    """The demo force from seed_demo: org units, a person per role, the policy and the module."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from learning.models import ModulePage, User

    return {
        "module": ModulePage.objects.get(slug="contacting-the-public"),
        **{user.username: user for user in User.objects.all()},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and used MFA codes live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
