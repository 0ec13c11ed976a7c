import os

import pytest
from django.core.management import call_command
from django.db import connection

# The ledger's triggers refuse TRUNCATE on PostgreSQL, and a transactional test (threads, a live
# server) ends by emptying every table with TRUNCATE. Let that clean-up of the test database
# through, and nothing else: the triggers stay armed while the test itself runs.
DEMO_MODULE_SLUG = "contacting-the-public"

LEDGER_TRIGGERS = [
    f"{model}:append_only_no_{operation}"
    for model in (
        "certificates.Attestation",
        "certificates.LedgerAnchor",
        "certificates.Certificate",
        "certificates.CertificateEvent",
        "certificates.CertificatePdf",
        "access.AuditEvent",
        "learning.RecordedCompletion",
    )
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


def _seed_demo() -> None:
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def _demo_is_loaded() -> bool:
    from learning.models import ModulePage

    return ModulePage.objects.filter(slug=DEMO_MODULE_SLUG).exists()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated, with the demo force loaded once for the whole run (once per
    xdist worker). Each test runs in a transaction that is rolled back, so the demo every test
    sees is the one seed_demo made. A transactional test (live server, threads) empties the
    tables when it ends; pytest-django runs those after all the others, and ``demo`` loads the
    force again for the next one that asks."""
    with django_db_blocker.unblock():
        _seed_demo()


@pytest.fixture
def demo(db):
    """The demo force from seed_demo: org units, a person per role, the policy and the module."""
    from learning.models import ModulePage
    from people.models import User

    if not _demo_is_loaded():  # emptied by a transactional test before this one
        _seed_demo()
    return {
        "module": ModulePage.objects.get(slug=DEMO_MODULE_SLUG),
        **{user.username: user for user in User.objects.all()},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and used MFA codes live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _forget_kept_values():
    """What processes keep between requests (``core.kept``) is emptied before each test: a test's
    rows are rolled back without a signal, and SQLite gives the next test's rows the same ids."""
    from core.kept import Kept

    Kept.forget_everything()
