import pytest
from django.core.management import call_command
from django.db import connection


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
