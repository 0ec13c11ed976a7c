"""Configuration from the environment, and the demo data command."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from certificates.models import Attestation, PolicyVersion
from learning.models import Assignment, Enrolment, ModulePage
from people.models import OrgUnit, User
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt, ScenarioPage
from tests.helpers import sign_in_with_mfa

ROOT = Path(__file__).resolve().parents[2]
LEDGER_KEYS = "k1:" + "y" * 40


def load_settings(module: str, **env: str) -> subprocess.CompletedProcess:
    return run_with_settings(
        module,
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
        "'name': str(settings.DATABASES['default']['NAME']), 'debug': settings.DEBUG}))",
        **env,
    )


def run_with_settings(module: str, code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with these settings and only these variables of ours set."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "SITE_URL",
            "CACHE_URL",
            "REDIS_URL",
            "PORT",
            "LEDGER_KEYS",
            "DATABASE_POOL_SIZE",
        }
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"ALLOWED_HOSTS": "attest.example"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "attest.example"}, "LEDGER_KEYS"),
        ({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "attest.example", "LEDGER_KEYS": LEDGER_KEYS}, "SITE_URL"),
        (
            {
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "attest.example",
                "LEDGER_KEYS": LEDGER_KEYS,
                "SITE_URL": "http://attest.example",
            },
            "SITE_URL",
        ),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, missing):
    result = load_settings("config.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_starts_with_its_secrets_and_debug_off():
    result = load_settings(
        "config.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attest.example",
        LEDGER_KEYS=LEDGER_KEYS,
        SITE_URL="https://attest.example",
    )
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout


@pytest.mark.parametrize(("size", "pool"), [(None, {"min_size": 1, "max_size": 4, "timeout": 10}), ("0", None)])
def test_production_pools_postgresql_connections_unless_told_not_to(size, pool):
    env = {"DATABASE_POOL_SIZE": size} if size is not None else {}
    result = run_with_settings(
        "config.settings.production",
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('pool')))",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attest.example",
        LEDGER_KEYS=LEDGER_KEYS,
        SITE_URL="https://attest.example",
        DATABASE_URL="postgres://attest@db.example:5432/attest",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == pool


def test_database_url_selects_postgresql_otherwise_a_sqlite_file():
    postgres = load_settings("config.settings.dev", DATABASE_URL="postgres://attest@db.example:5432/attest")
    assert '"engine": "django.db.backends.postgresql"' in postgres.stdout
    default = load_settings("config.settings.dev")
    assert '"engine": "django.db.backends.sqlite3"' in default.stdout
    assert "db.sqlite3" in default.stdout


@pytest.mark.parametrize(
    ("env", "site_url"), [({"PORT": "8123"}, "http://127.0.0.1:8123"), ({}, "http://127.0.0.1:8000")]
)
def test_in_development_the_sites_address_follows_the_port_make_run_serves_on(env, site_url):
    # The verify link, the QR code and email links are built from SITE_URL (issue 15).
    result = run_with_settings(
        "config.settings.dev",
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SITE_URL, settings.WAGTAILADMIN_BASE_URL)",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [site_url, site_url]


def test_in_development_a_site_url_that_is_set_wins_over_the_port():
    result = run_with_settings(
        "config.settings.dev",
        "import django; from django.conf import settings; django.setup(); print(settings.SITE_URL)",
        PORT="8123",
        SITE_URL="http://attest.local:9000/",
    )
    assert result.stdout.strip() == "http://attest.local:9000"


def docs_text() -> str:
    return "\n".join(path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_every_environment_variable_is_in_the_operators_guide():
    from config.settings.base import env

    guide = (ROOT / "docs" / "operators.md").read_text()
    for name in [*env.scheme, "DJANGO_SETTINGS_MODULE"]:
        assert f"`{name}`" in guide, name


def test_every_command_the_docs_name_exists():
    from django.core.management import get_commands

    named = set(re.findall(r"manage\.py ([a-z_]+)", docs_text()))
    assert named - set(get_commands()) == set()
    assert {"seed_demo", "import_people", "apply_retention", "verify_ledger"} <= named


def test_every_setting_the_docs_name_exists():
    from django.conf import settings

    from config.settings.base import env

    not_settings = {"DJANGO_SETTINGS_MODULE", "PORT", "PYTEST_ARGS", "TEST_WORKERS", "REMOTE_ADDR", "INFO"}
    named = set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", docs_text())) - not_settings
    # gunicorn.conf.py reads its own variables (_number("X", ...) or os.environ.get("X")).
    gunicorn = set(
        re.findall(r"""(?:_number|environ\.get)\(["']([A-Z][A-Z0-9_]+)["']""", (ROOT / "gunicorn.conf.py").read_text())
    )
    unknown = {
        name for name in named if name not in env.scheme and name not in gunicorn and not hasattr(settings, name)
    }
    unknown.discard("ATTESTDEMOTOTPSECRETPUBLISHED234")  # the demo's published authenticator secret
    assert unknown == set()


def test_the_readme_stays_a_front_door():
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


def test_seed_demo_can_run_twice_without_duplicating_anything(demo):
    models = (User, OrgUnit, ModulePage, ScenarioPage, Assignment, Enrolment, PolicyVersion, Attempt, Attestation)
    counts = [model.objects.count() for model in models]
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert [model.objects.count() for model in models] == counts
    assert counts[3] >= 10


def test_seed_demo_refuses_where_demo_data_is_not_allowed(db, settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    User.objects.filter(username="officer").update(first_name="Changed")
    with pytest.raises(CommandError, match="only for development"):
        call_command("seed_demo")
    assert User.objects.get(username="officer").first_name == "Changed"  # not put back


def test_seed_demo_keeps_a_trainers_changes(demo):
    scenario = ScenarioPage.objects.get(slug="the-bats-screen")
    scenario.unpublish()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not ScenarioPage.objects.get(slug="the-bats-screen").live


def test_seed_demo_creates_one_account_per_role_and_assigns_the_officer(demo):
    assert {"officer", "manager", "trainer", "policyowner", "hr", "admin"} <= set(
        User.objects.values_list("username", flat=True)
    )
    enrolment = Enrolment.objects.get(user__username="officer")
    assert enrolment.module.title == "Contacting the public: personal devices and police data"
    assert enrolment.due_date is not None
    assert demo["officer"].line_manager == demo["manager"]


# The demo's authenticator apps --------------------------------------------------------------

PRIVILEGED_DEMO_ACCOUNTS = {"manager", "trainer", "policyowner", "hr", "reporting", "admin"}


def demo_apps():
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(type=Authenticator.Type.TOTP)


def test_seed_demo_gives_each_privileged_account_one_app_with_the_published_secret(demo):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    apps = list(demo_apps().select_related("user"))
    assert sorted(app.user.username for app in apps) == sorted(PRIVILEGED_DEMO_ACCOUNTS)
    assert {decrypt(app.data["secret"]) for app in apps} == {DEMO_TOTP_SECRET}
    recovery = Authenticator.objects.filter(type=Authenticator.Type.RECOVERY_CODES)
    assert set(recovery.values_list("user__username", flat=True)) == PRIVILEGED_DEMO_ACCOUNTS


def test_seed_demo_run_again_keeps_one_app_each_and_puts_the_demo_secret_back(demo):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    first = {app.user_id: app.pk for app in demo_apps()}
    Authenticator.objects.filter(user=demo["hr"]).delete()
    TOTP.activate(demo["hr"], generate_totp_secret())  # hr set up their own app
    Authenticator.objects.filter(user=demo["trainer"]).delete()  # the trainer removed theirs
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    again = {app.user_id: app.pk for app in demo_apps()}
    assert again.keys() == first.keys()
    assert demo_apps().count() == len(PRIVILEGED_DEMO_ACCOUNTS)
    unchanged = first.keys() - {demo["hr"].pk, demo["trainer"].pk}
    assert all(again[user_id] == first[user_id] for user_id in unchanged)
    out = io.StringIO()
    call_command("demo_code", "hr", stdout=out, stderr=io.StringIO())
    assert re.fullmatch(r"\d{6}\n", out.getvalue())


def test_demo_code_prints_the_code_the_app_shows_now(demo):
    from allauth.mfa.totp.internal.auth import validate_totp_code

    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    out, err = io.StringIO(), io.StringIO()
    call_command("demo_code", "trainer", stdout=out, stderr=err)
    assert validate_totp_code(DEMO_TOTP_SECRET, out.getvalue().strip())
    assert "Valid for another" in err.getvalue()


def test_demo_code_refuses_an_account_without_the_demo_app(demo):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="has no authenticator app"):
        call_command("demo_code", "officer")
    demo_apps().filter(user=demo["hr"]).delete()
    TOTP.activate(demo["hr"], generate_totp_secret())
    with pytest.raises(CommandError, match="not the demo one"):
        call_command("demo_code", "hr")


def test_demo_code_refuses_where_demo_data_is_not_allowed(demo, settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    out = io.StringIO()
    with pytest.raises(CommandError, match="only for development"):
        call_command("demo_code", "trainer", stdout=out)
    assert out.getvalue() == ""


# The Wagtail admin ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["trainer", "policyowner", "hr", "admin"])
def test_staff_roles_reach_the_wagtail_admin(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("username", ["officer", "manager"])
def test_officers_do_not_reach_the_wagtail_admin(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    response = client.get("/admin/")
    assert response.status_code == 403  # refused; not sent to sign in again, which looped


def test_the_admin_edits_and_previews_a_scenario(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    scenario = ScenarioPage.objects.get(slug="the-bats-screen")
    assert client.get(f"/admin/pages/{scenario.pk}/edit/").status_code == 200
    preview = client.get(f"/admin/pages/{scenario.pk}/view_draft/")
    assert preview.status_code == 200
    assert b"Get the details from the custody system on a Met terminal when one is free." in preview.content


def test_trainers_can_edit_scenarios_and_hr_cannot(client, demo):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    sign_in_with_mfa(client, demo["trainer"])
    assert client.get(f"/admin/pages/{scenario.pk}/edit/").status_code == 200
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(f"/admin/pages/{scenario.pk}/edit/").status_code in (302, 403)


def test_a_scenario_with_attempts_cannot_be_deleted_from_the_admin(client, demo):
    scenario = ScenarioPage.objects.get(slug="the-bats-screen")
    sign_in_with_mfa(client, demo["admin"])
    response = client.post(f"/admin/pages/{scenario.pk}/delete/", follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert ScenarioPage.objects.filter(pk=scenario.pk).exists()
    module_delete = client.post(f"/admin/pages/{demo['module'].pk}/delete/", follow=True)
    assert "cannot be deleted" in module_delete.content.decode()
    assert ModulePage.objects.filter(pk=demo["module"].pk).exists()


def test_a_scenario_nobody_has_taken_can_be_deleted(client, demo):
    taken = ScenarioPage.objects.get(slug="the-bats-screen")
    scenario = ScenarioPageFactory(parent=demo["module"], steps=taken.steps.raw_data)
    sign_in_with_mfa(client, demo["admin"])
    client.post(f"/admin/pages/{scenario.pk}/delete/")
    assert not ScenarioPage.objects.filter(pk=scenario.pk).exists()
