"""Sign-in and what guards it: sessions that end, rate limits on a shared cache, MFA for
privileged roles, the audit log, and the security headers."""

from __future__ import annotations

import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.mfa import SESSION_KEY as MFA_SESSION_KEY
from access.middleware import ACTIVITY_COOKIE, LAST_SEEN, SIGNED_IN_AT
from access.models import AuditEvent
from tests.config.test_settings_and_seed import run_with_settings
from tests.helpers import FORMULA_NAME, assert_formula_safe, certified, csv_cells, sign_in_with_mfa, xlsx_cells

PASSWORD = "a-long-test-password-2026"
Action = AuditEvent.Action


@pytest.fixture
def people(demo):
    """The demo force, with a known password for each person and no authenticators: each test
    gives one to whoever it needs."""
    for user in demo.values():
        if hasattr(user, "set_password"):
            user.set_password(PASSWORD)
            user.save()
    Authenticator.objects.all().delete()
    return demo


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": login, "password": password})


def current_code(secret: str) -> str:
    """The authenticator app's code now; a code about to expire is waited out, as a person would."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def give_totp(user) -> str:
    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, secret)
    return secret


def events(action: str, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


# Sessions -----------------------------------------------------------------------------------


def test_signing_in_starts_a_new_session(client, people):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, "officer")
    assert client.session.session_key != before
    assert client.get("/").status_code == 200


def test_signing_out_ends_the_session(client, people):
    sign_in(client, "officer")
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302
    assert events(Action.SIGN_OUT, actor=people["officer"]).count() == 1


def age_session(client: Client, *, idle_seconds: int = 0, since_sign_in: int = 0) -> None:
    """Make the session look as if its last request was ``idle_seconds`` ago (the activity
    cookie of that request, sent back now, would say no later)."""
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - idle_seconds
    session[SIGNED_IN_AT] = now - since_sign_in
    session.save()
    client.cookies.pop(ACTIVITY_COOKIE, None)


def test_a_session_idle_for_30_minutes_ends(client, people):
    sign_in(client, "officer")
    age_session(client, idle_seconds=29 * 60, since_sign_in=29 * 60)
    assert client.get("/").status_code == 200  # 29 minutes: still signed in
    age_session(client, idle_seconds=30 * 60, since_sign_in=31 * 60)
    response = client.get("/certificates/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/certificates/")
    assert "_auth_user_id" not in client.session
    event = events(Action.SESSION_EXPIRED).get()
    assert event.actor == people["officer"] and "30 minutes" in event.details["why"]
    page = client.get(response.url).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_a_session_ends_12_hours_after_sign_in_however_active(client, people):
    sign_in(client, "officer")
    age_session(client, idle_seconds=10, since_sign_in=12 * 3600 - 60)
    assert client.get("/").status_code == 200
    age_session(client, idle_seconds=10, since_sign_in=12 * 3600)
    assert client.get("/").status_code == 302
    assert "12 hours" in events(Action.SESSION_EXPIRED).get().details["why"]


def test_activity_keeps_a_session_alive(client, people):
    sign_in(client, "officer")
    age_session(client, idle_seconds=25 * 60, since_sign_in=25 * 60)
    assert client.get("/").status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN] < 5  # the request counted as activity


class Clock:
    """``time.time`` for the session limits, moved on by hand."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: int) -> None:
        self.now += seconds


@override_settings(SESSION_IDLE_MINUTES=1)
def test_the_idle_limit_is_exact_to_the_second_and_the_session_is_written_once_a_minute(client, people, monkeypatch):
    """A one-minute limit: a request every 20 seconds keeps the session for five minutes (it was
    ended after 60 s when activity was noted only once a minute), while the session row itself is
    written about once a minute; 59 idle seconds later it is alive, 60 seconds later it is over."""
    from django.contrib.sessions.backends.db import SessionStore

    clock = Clock()
    monkeypatch.setattr("access.middleware.time.time", clock)
    sign_in(client, "officer")
    writes = []
    save = SessionStore.save
    monkeypatch.setattr(
        SessionStore, "save", lambda store, *args, **kwargs: (writes.append(1), save(store, *args, **kwargs))
    )
    for _ in range(15):
        clock.wait(20)
        assert client.get("/certificates/").status_code == 200
    assert len(writes) <= 5 + 1, f"{len(writes)} session writes in five minutes"
    clock.wait(59)
    assert client.get("/certificates/").status_code == 200
    clock.wait(60)
    response = client.get("/certificates/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_activity_cookie_from_another_session_or_forged_counts_for_nothing(client, people):
    sign_in(client, "officer")
    client.get("/")
    stolen = client.cookies[ACTIVITY_COOKIE].value
    age_session(client, idle_seconds=30 * 60, since_sign_in=31 * 60)
    client.cookies[ACTIVITY_COOKIE] = str(int(time.time()))  # unsigned: a forgery
    assert client.get("/").status_code == 302
    sign_in(client, "officer")  # a new session: the old session's cookie is not valid for it
    age_session(client, idle_seconds=30 * 60, since_sign_in=31 * 60)
    client.cookies[ACTIVITY_COOKIE] = stolen
    assert client.get("/").status_code == 302


def test_deactivating_an_account_ends_all_its_sessions(people):
    laptop, terminal = Client(), Client()
    sign_in(laptop, "officer")
    sign_in(terminal, "officer")
    assert UserSession.objects.filter(user=people["officer"]).count() == 2
    officer = people["officer"]
    officer.is_active = False
    officer.save()
    assert UserSession.objects.filter(user=officer).count() == 0
    assert not Session.objects.filter(session_key__in=[laptop.session.session_key, terminal.session.session_key])
    assert laptop.get("/").status_code == 302 and terminal.get("/").status_code == 302
    assert events(Action.SESSIONS_ENDED).get().details == {"why": "deactivated", "ended": 2}


def test_changing_a_password_ends_the_other_sessions_and_keeps_this_one(people):
    here, elsewhere = Client(), Client()
    sign_in(here, "officer")
    sign_in(elsewhere, "officer")
    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-password-77", "password2": "another-long-password-77"},
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert events(Action.PASSWORD_CHANGED, actor=people["officer"]).count() == 1
    assert events(Action.SESSIONS_ENDED).get().details["why"] == "password changed"


def test_an_administrator_setting_a_password_ends_every_session(people):
    officer_client = Client()
    sign_in(officer_client, "officer")
    officer = people["officer"]
    officer.set_password("reset-by-the-service-desk-1")
    officer.save()
    assert officer_client.get("/").status_code == 302


# Rate limits --------------------------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_account_for_five_minutes(client, people):
    for _ in range(5):
        response = sign_in(client, "officer", "wrong-password")
        assert response.status_code == 200 and "too many" not in response.content.decode().lower()
    response = sign_in(client, "officer")  # the right password, too late
    assert response.status_code == 200
    assert "too many failed" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session
    assert events(Action.SIGN_IN_FAILED, actor_label="officer").count() == 5
    assert events(Action.SIGN_IN_REFUSED, actor_label="officer").count() == 1


def test_the_username_and_email_of_one_account_share_its_five_attempts(people):
    email = people["officer"].email
    for attempt in range(5):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{attempt}"), email if attempt % 2 else "officer", "wrong")
    response = sign_in(Client(REMOTE_ADDR="10.0.1.1"), email)
    assert "too many failed" in response.content.decode().lower()
    assert "_auth_user_id" not in Client().session


def test_another_accounts_failures_do_not_lock_this_one(client, people):
    for _ in range(6):
        sign_in(Client(), "manager", "wrong")
    response = sign_in(client, "officer")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(people["officer"].pk)


def test_the_wagtail_admin_sign_in_page_is_not_a_way_around_the_limits(client, people):
    for _ in range(5):
        sign_in(client, "trainer", "wrong")
    assert client.get("/admin/login/?next=/admin/").url == "/accounts/login/?next=/admin/"
    response = client.post("/admin/login/", {"username": "trainer", "password": PASSWORD})
    assert response.status_code in (301, 302) and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_the_cache_is_shared_by_every_process_the_database_by_default_redis_when_set():
    def backend(**env):
        code = (
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'))"
        )
        result = run_with_settings("config.settings.dev", code, **env)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert backend() == ["django.core.cache.backends.db.DatabaseCache", "attest_cache"]
    assert backend(REDIS_URL="redis://127.0.0.1:6379/3") == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/3",
    ]


def redis_or_skip() -> None:
    """Redis at 127.0.0.1:6379 (CI starts it). Missing on a laptop: skip. Missing in CI: fail."""
    import os

    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("CI is set but Redis is not answering at 127.0.0.1:6379.")
        pytest.skip("Redis is not answering at 127.0.0.1:6379: start it to run the Redis cache test.")


DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "attest_cache"}}
REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
        "KEY_PREFIX": "attest-test",
    }
}


@pytest.mark.parametrize("cache_settings", [DATABASE_CACHE, REDIS_CACHE], ids=["database", "redis"])
def test_the_sign_in_limit_holds_across_processes_on_the_shared_cache(people, cache_settings):
    """Two app processes share nothing but the cache: the limit counted by one holds in the other."""
    if cache_settings is REDIS_CACHE:
        redis_or_skip()
    with override_settings(CACHES=cache_settings):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        try:
            for _ in range(5):
                sign_in(Client(), "officer", "wrong")
            # What a second process sees: a fresh connection to the same cache.
            caches._connections.default = None
            del caches["default"]
            response = sign_in(Client(), "officer")
            assert "too many failed" in response.content.decode().lower()
        finally:
            caches["default"].clear()


# MFA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("trainer", "/admin/"),
        ("policyowner", "/admin/snippets/"),
        ("hr", "/admin/reports/completion/by-unit/"),
        ("reporting", "/admin/reports/completion/by-unit/"),
        ("admin", "/admin/users/"),
        ("manager", "/team/"),
    ],
)
def test_privileged_roles_without_an_authenticator_are_sent_to_set_one_up(client, people, username, url):
    Authenticator.objects.filter(user=people[username]).delete()
    sign_in(client, username)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/totp/activate/?next=")


def test_privileged_roles_with_an_authenticator_are_asked_for_a_code_at_sign_in(client, people):
    secret = give_totp(people["hr"])
    response = sign_in(client, "hr")
    assert response.url.startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session  # not signed in until the code is given
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.session[MFA_SESSION_KEY]["method"] == "totp"
    assert client.get("/admin/").status_code == 200
    assert events(Action.MFA_PASSED, actor=people["hr"]).count() == 1


def test_a_wrong_code_is_refused_and_logged(client, people):
    give_totp(people["hr"])
    sign_in(client, "hr")
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert events(Action.MFA_FAILED, actor=people["hr"]).count() == 1


@pytest.mark.django_db(transaction=True)  # allauth signals once committed, as in production
def test_setting_up_an_authenticator_satisfies_mfa_and_is_logged(client, people):
    Authenticator.objects.filter(user=people["trainer"]).delete()
    sign_in(client, "trainer")
    # Adding an authenticator asks for the password again first (allauth's reauthentication).
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.url.startswith("/accounts/reauthenticate/")
    client.post(response.url, {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    added = events(Action.MFA_ADDED, actor=people["trainer"])
    assert sorted(added.values_list("verb", flat=True)) == ["recovery_codes", "totp"]


def test_a_session_signed_in_before_mfa_was_set_up_elsewhere_must_confirm_with_it(client, people):
    sign_in(client, "hr")  # no authenticator yet: a password is all it took
    give_totp(people["hr"])
    response = client.get("/admin/")
    assert response.url == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2F"
    # Sent back to the MFA step: logged, once however often the page is asked for again.
    for _ in range(5):
        client.get("/admin/")
    client.get("/team/")
    logged = events(Action.ACCESS_DENIED, actor=people["hr"], verb="mfa-required")
    assert sorted(logged.values_list("path", flat=True)) == ["/admin/", "/team/"]


@pytest.mark.parametrize(
    "url",
    ["/accounts/2fa/totp/deactivate/", "/accounts/2fa/recovery-codes/generate/", "/accounts/2fa/webauthn/add/"],
)
def test_a_password_alone_cannot_change_the_mfa_methods_of_someone_who_has_one(client, people, url):
    sign_in(client, "hr")  # before the authenticator existed: a password was all it took
    secret = give_totp(people["hr"])
    response = client.get(url)
    assert response.url == f"/accounts/2fa/reauthenticate/?next={url.replace('/', '%2F')}"
    assert Authenticator.objects.filter(user=people["hr"]).count() == 1
    client.post(response.url, {"code": current_code(secret)})  # the app's code: now it may
    assert client.get(url).status_code == 200


def test_officers_are_never_asked_for_mfa(client, people):
    sign_in(client, "officer")
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 403  # refused, not asked for MFA
    assert client.get(f"/people/{people['officer'].pk}/transcript/").status_code == 200


def test_a_manager_needs_mfa_for_someone_elses_transcript_but_not_their_own(client, people):
    Authenticator.objects.filter(user=people["manager"]).delete()
    sign_in(client, "manager")
    assert client.get(f"/people/{people['manager'].pk}/transcript/").status_code == 200
    assert client.get(f"/people/{people['officer'].pk}/transcript/").url.startswith("/accounts/2fa/")


def test_someone_elses_certificate_needs_mfa_but_ones_own_does_not(client, people):
    officers = certified(Client(), people["officer"], people["module"])
    managers = certified(Client(), people["manager"], people["module"])
    sign_in(client, "manager")  # no authenticator: password only
    assert client.get(f"/certificates/{managers.display_serial}/").status_code == 200
    for url in (f"/certificates/{officers.display_serial}/", f"/certificates/{officers.display_serial}/pdf/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/2fa/totp/activate/"), url
    assert not events(Action.EXPORT, verb="certificate PDF", actor=people["manager"]).exists()
    session = client.session
    session[MFA_SESSION_KEY] = {"method": "test", "at": 0}
    session.save()
    assert client.get(f"/certificates/{officers.display_serial}/").status_code == 200


@pytest.mark.parametrize("username", ["officer", "manager"])
@pytest.mark.parametrize("url", ["/admin/", "/admin/pages/"])
def test_signed_in_people_without_admin_access_are_refused_the_admin_not_sent_round_a_loop(
    client, people, username, url
):
    # Wagtail sends them to sign in, and the sign-in page sends a signed-in person back: the
    # test client raises RedirectCycleError where a browser shows ERR_TOO_MANY_REDIRECTS.
    sign_in(client, username)  # the line manager has no authenticator: no MFA asked either
    response = client.get(url, follow=True)
    assert response.status_code == 403 and response.redirect_chain == []
    assert "You cannot open this page" in response.content.decode()
    assert events(Action.ACCESS_DENIED, actor=people[username]).exists()


def test_the_admin_still_sends_anonymous_people_to_sign_in_and_lets_admin_users_in(client, people):
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/admin/"
    sign_in_with_mfa(client, people["admin"])
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200 and response.redirect_chain == []


def test_the_wagtail_admin_sign_out_needs_no_mfa(client, people):
    Authenticator.objects.filter(user=people["trainer"]).delete()
    sign_in(client, "trainer")
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and not response.url.startswith("/accounts/2fa/")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(login=st.text(max_size=300), password=st.text(max_size=300), extra=st.text(max_size=50))
def test_the_sign_in_form_never_fails_whatever_is_typed(people, login, password, extra):
    caches["default"].clear()
    response = Client().post("/accounts/login/", {"login": login, "password": password, "remember": extra})
    assert response.status_code in (200, 302)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(max_size=200))
def test_the_mfa_code_form_never_fails_whatever_is_typed(people, code):
    caches["default"].clear()
    if not Authenticator.objects.filter(user=people["hr"]).exists():
        give_totp(people["hr"])
    client = Client()
    sign_in(client, "hr")
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code in (200, 302)
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code in (200, 302)


# The audit log ------------------------------------------------------------------------------


def test_sign_ins_and_failures_are_logged_without_the_password(client, people):
    sign_in(client, "officer", "the-wrong-password-typed")
    sign_in(client, "officer")
    failed = events(Action.SIGN_IN_FAILED).get()
    assert failed.actor is None and failed.actor_label == "officer" and failed.ip_address == "127.0.0.1"
    assert events(Action.SIGN_IN, actor=people["officer"]).count() == 1
    dumped = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "the-wrong-password-typed" not in dumped and PASSWORD not in dumped
    assert client.session.session_key not in dumped


def test_refusals_are_logged(client, people, demo):
    other = certified(Client(), people["reattest"], demo["module"])
    sign_in(client, "officer")
    assert client.get(f"/certificates/{other.display_serial}/").status_code == 404
    assert client.get("/team/").status_code == 403
    denied = events(Action.ACCESS_DENIED, actor=people["officer"])
    assert sorted(denied.values_list("verb", flat=True)) == ["certificate", "page"]


def test_changes_in_the_admin_are_logged_with_who_made_them(client, demo, django_capture_on_commit_callbacks):
    import datetime

    from people.models import OrgUnit

    sign_in_with_mfa(client, demo["hr"])
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    unit = OrgUnit.objects.get(code="cw-response-a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/assignments/new/",
            {"module": demo["module"].pk, "due_date": due, "ranks": "", "roles": "", "org_units": [unit.pk]},
        )
    assert response.status_code == 302
    change = events(Action.CHANGE, verb="wagtail.create", object_type="learning.assignment").get()
    assert change.actor == demo["hr"] and change.actor_label == "hr"


def test_exports_are_logged_with_who_and_what(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = client.get("/admin/reports/completion/people/?export=csv&status=overdue")
    assert response.status_code == 200
    export = events(Action.EXPORT).get()
    assert export.actor == demo["hr"] and export.verb == "training-by-person"
    assert export.details["filters"] == {"status": "overdue", "export": "csv"}


def test_certificate_revocation_is_in_the_audit_log(client, demo):
    from certificates.services import revoke

    certificate = certified(Client(), demo["officer"], demo["module"])
    revoke(certificate, reason="Issued in error", by=demo["hr"])
    event = events(Action.CHANGE, verb="attest.certificate.revoke").get()
    assert event.actor == demo["hr"] and event.object_id == str(certificate.pk)


@pytest.mark.parametrize(("username", "allowed"), [("hr", True), ("admin", True), ("trainer", False)])
def test_the_audit_log_view_is_for_hr_and_administrators(client, demo, username, allowed):
    sign_in_with_mfa(client, demo[username])
    response = client.get("/admin/audit/")
    if allowed:
        assert response.status_code == 200 and "Audit log" in response.content.decode()
    else:
        assert response.status_code in (302, 403)


def test_officers_and_anonymous_cannot_see_the_audit_log(client, demo):
    assert client.get("/admin/audit/").status_code == 302
    client.force_login(demo["officer"])
    assert client.get("/admin/audit/?export=jsonl").status_code in (302, 403)
    assert not events(Action.EXPORT).exists()


def test_the_audit_log_filters_and_exports_json_lines(client, people):
    sign_in(Client(), "officer", "wrong")
    sign_in(Client(), "manager", "wrong")
    hr = Client()
    sign_in_with_mfa(hr, people["hr"])
    page = hr.get("/admin/audit/?action=sign-in-failed&actor_label=officer").content.decode()
    assert "officer" in page and "manager" not in page.split("Audit log", 1)[-1].split("<tbody", 1)[-1]
    response = hr.get("/admin/audit/?action=sign-in-failed&export=jsonl")
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["actor_label"] for row in rows] == ["officer", "manager"]
    assert {"at", "action", "ip_address", "details", "path"} <= set(rows[0])
    assert events(Action.EXPORT, verb="audit log", actor=people["hr"]).get().details["format"] == "jsonl"


def test_the_audit_log_query_count_does_not_grow_with_its_length(client, demo, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["hr"])
    for _ in range(150):
        sign_in(Client(), "nobody", "wrong")
    with django_assert_max_num_queries(25):
        assert client.get("/admin/audit/").status_code == 200


def test_audit_events_cannot_be_changed_or_removed_through_the_orm(db):
    from access.audit import record

    event = record(Action.SIGN_IN_FAILED, actor_label="someone")
    event.actor_label = "someone else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(actor_label="x")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_auditevent SET actor_label = 'x'",
        "DELETE FROM access_auditevent",
        "TRUNCATE access_auditevent CASCADE",
    ],
)
def test_the_database_refuses_to_change_the_audit_log(transactional_db, statement):
    from django.db import DatabaseError

    from access.audit import record

    # A committed row, as in production: PostgreSQL will not even try to TRUNCATE a table with
    # work pending in the same transaction, which would hide whether the trigger fired.
    record(Action.SIGN_IN_FAILED, actor_label="someone")
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(actor_label="someone").count() == 1


def test_details_never_keep_anything_named_like_a_secret():
    from access.audit import scrub

    assert scrub(
        {
            "password": "x",
            "access_token": "y",
            "sessionid": "z",
            "nested": {"client_secret": "s", "kept": 1},
            "why": "kept",
            "code": "123456",
        }
    ) == {"nested": {"kept": 1}, "why": "kept"}


# Headers ------------------------------------------------------------------------------------


def test_officer_pages_have_a_strict_content_security_policy(client, people):
    sign_in(client, "officer")
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_and_verify_pages_have_the_strict_policy_too(client, db):
    for url in ("/accounts/login/", "/verify/"):
        assert "unsafe-inline" not in client.get(url)["Content-Security-Policy"]


def test_the_wagtail_admin_policy_lets_it_preview_in_a_frame_of_itself(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy


def test_the_editors_preview_may_be_framed_by_the_admin_and_the_page_itself_still_not(client, people):
    index = people["module"].get_parent().specific  # the training index: its edit form is title and slug
    sign_in_with_mfa(client, people["trainer"])
    preview = f"/admin/pages/{index.pk}/edit/preview/"
    assert client.post(preview, {"title": index.title, "slug": index.slug}).json()["is_valid"]
    revision = f"/admin/pages/{index.pk}/revisions/{index.save_revision().pk}/view/"  # history's preview
    for response in (client.get(f"{preview}?in_preview_panel=true"), client.get(revision)):
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "frame-ancestors 'none'" not in policy
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert "unsafe-inline" not in policy  # the page's own strict policy, framing aside
    sign_in(client, "officer")
    response = client.get(index.url)
    assert response.status_code == 200 and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_turn_on_hsts_and_secure_cookies():
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE, "
        "settings.SESSION_COOKIE_HTTPONLY, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT]))"
    )
    result = run_with_settings(
        "config.settings.production",
        code,
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attest.example",
        SITE_URL="https://attest.example",
        LEDGER_KEYS="k1:" + "y" * 40,
    )
    assert result.returncode == 0, result.stderr
    hsts, session_secure, http_only, csrf_secure, redirect = json.loads(result.stdout)
    assert hsts >= 31536000 and session_secure and http_only and csrf_secure and redirect


# What the review found ----------------------------------------------------------------------


def test_a_password_reset_key_in_the_address_never_reaches_the_log(client, people):
    from access.audit import record

    request = RequestFactory().get("/accounts/password/reset/key/1-abc123-secretkey/")
    event = record(Action.ACCESS_DENIED, request=request)
    assert event.path == "/accounts/password/reset/key/1-[redacted]/"
    assert record(Action.ACCESS_DENIED, request=RequestFactory().get("/certificates/")).path == "/certificates/"


def test_the_log_takes_any_text_the_database_would_refuse(db):
    from access.audit import record

    event = record(
        Action.SIGN_IN_FAILED,
        actor_label="nul\x00name",
        details={"filters": {"x": "a\x00b"}, "ratio": float("nan"), "k\x00": 1},
        request=RequestFactory().get("/verify/", HTTP_USER_AGENT="agent\x00"),
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_label == "nulname" and event.user_agent == "agent"
    assert event.details == {"filters": {"x": "ab"}, "ratio": "nan", "k": 1}


def test_an_export_url_with_a_nul_in_its_query_is_no_server_error(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(f"/people/{demo['officer'].pk}/transcript/?x=%00").status_code == 400  # not a 500
    assert not events(Action.EXPORT).exists()


def _failed_sign_in_with_formulas_then_export(people, export_format):
    Client(HTTP_USER_AGENT=FORMULA_NAME).post("/accounts/login/", {"login": "=1+2", "password": "wrong"})
    hr = Client()
    sign_in_with_mfa(hr, people["hr"])
    response = hr.get(f"/admin/audit/?action=sign-in-failed&export={export_format}")
    assert response.status_code == 200
    assert events(Action.EXPORT, verb="audit log").get().details["format"] == export_format
    return response


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_audit_log_spreadsheets_never_hold_a_formula(client, people, export_format):
    response = _failed_sign_in_with_formulas_then_export(people, export_format)
    rows = csv_cells(response) if export_format == "csv" else xlsx_cells(response)
    assert_formula_safe(rows)  # the user agent
    assert "'=1+2" in [cell for row in rows for cell in row]  # the name typed


def test_the_audit_logs_json_lines_keep_what_was_typed(client, people):
    # JSON lines are data for the SIEM, not a spreadsheet: valid JSON, values as they were.
    response = _failed_sign_in_with_formulas_then_export(people, "jsonl")
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [(row["actor_label"], row["user_agent"]) for row in rows] == [("=1+2", FORMULA_NAME)]


def test_someone_elses_records_a_person_downloaded_stay_out_of_their_own_data(client, demo):
    certificate = certified(Client(), demo["officer"], demo["module"])
    sign_in_with_mfa(client, demo["hr"])
    client.get(f"/people/{demo['officer'].pk}/transcript/")
    client.get(f"/certificates/{certificate.display_serial}/pdf/")
    body = client.get("/my-data/download/").content.decode()
    assert demo["officer"].warrant_number not in body
    assert certificate.display_serial not in body and certificate.serial not in body


def test_the_editors_heartbeat_does_not_keep_an_unattended_session_alive(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    age_session(client, idle_seconds=20 * 60, since_sign_in=20 * 60)
    client.post("/admin/editing-sessions/ping/wagtailcore/page/1/1/")
    session = client.session
    assert int(time.time()) - session[LAST_SEEN] >= 20 * 60  # the ping did not count as activity
    assert ACTIVITY_COOKIE not in client.cookies


def test_an_administrator_can_delete_an_account_that_has_signed_in(client, demo):
    from people.models import User

    newcomer = User.objects.create_user("newcomer", "newcomer@attest.example", PASSWORD)
    sign_in(Client(), "newcomer")
    assert events(Action.SIGN_IN, actor_label="newcomer").exists()
    sign_in_with_mfa(client, demo["admin"])
    response = client.post(f"/admin/users/delete/{newcomer.pk}/")
    assert response.status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()
    assert events(Action.SIGN_IN, actor_label="newcomer").exists()  # the log keeps its name


def test_a_key_in_a_logged_path_is_redacted(db, caplog):
    import logging

    from access.log_filters import RedactSecretPaths

    # A refused form post is logged with its path ("Forbidden (CSRF cookie not set.): /...").
    with caplog.at_level(logging.WARNING):
        Client(enforce_csrf_checks=True).post("/accounts/password/reset/key/1-abc123-secretkey/", {})
    (record,) = [record for record in caplog.records if record.name == "django.security.csrf"]
    record.args = (record.args[0], record.request.path)  # as logged, before any filter
    assert "secretkey" in record.getMessage()
    RedactSecretPaths().filter(record)
    assert record.getMessage() == "Forbidden (CSRF cookie not set.): /accounts/password/reset/key/1-[redacted]/"


def test_people_cannot_add_or_change_their_own_email_address(client, demo):
    from allauth.account.models import EmailAddress

    officer = demo["officer"]
    client.force_login(officer)
    page = client.get("/accounts/email/").content.decode()
    assert officer.email in page and "comes from your HR record" in page
    before = list(EmailAddress.objects.filter(user=officer).values_list("email", "primary"))
    for form in (
        {"action_add": "", "email": "hr@attest.example"},
        {"action_primary": "", "email": "hr@attest.example"},
        {"action_remove": "", "email": officer.email},
    ):
        response = client.post("/accounts/email/", form)
        assert response.status_code == 403
        assert "ask HR to change it" in response.content.decode()
    assert list(EmailAddress.objects.filter(user=officer).values_list("email", "primary")) == before
    officer.refresh_from_db()
    assert officer.email == demo["officer"].email
    refusals = events(Action.ACCESS_DENIED).filter(actor=officer, path="/accounts/email/")
    assert refusals.count() == 3


def test_the_email_page_needs_a_sign_in(client):
    response = client.get("/accounts/email/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_mfa_codes_refused_by_the_rate_limit_are_logged_against_the_person(client, people):
    give_totp(people["hr"])
    sign_in(client, "hr")
    for _ in range(8):
        client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    limited = events(Action.MFA_FAILED, actor=people["hr"], details__why="too many codes: rate limited")
    wrong = events(Action.MFA_FAILED, actor=people["hr"]).exclude(pk__in=limited)
    assert limited.count() >= 1 and wrong.count() >= 1
    assert limited.count() + wrong.count() == 8  # each refused code once, whichever the reason
    assert not events(Action.SIGN_IN_REFUSED).exists()  # the password step was not refused


def test_a_hundred_officers_behind_one_address_sign_in_within_a_minute(db):
    """A force reaches the site through a few proxy addresses: none of them is refused."""
    from people.factories import UserFactory

    officers = UserFactory.create_batch(100)
    for officer in officers:
        response = sign_in(Client(REMOTE_ADDR="10.9.9.9"), officer.username, "correct-horse-battery")
        assert response.status_code == 302, f"{officer.username}: {response.status_code}"


def test_wrong_passwords_behind_one_address_lock_only_their_own_accounts(db):
    from people.factories import UserFactory

    careless, others = UserFactory(), UserFactory.create_batch(20)
    for _ in range(6):
        sign_in(Client(REMOTE_ADDR="10.9.9.9"), careless.username, "wrong")
    for officer in others:  # twenty more wrong passwords from the same address, one each
        sign_in(Client(REMOTE_ADDR="10.9.9.9"), officer.username, "wrong")
    locked = sign_in(Client(REMOTE_ADDR="10.9.9.9"), careless.username, "correct-horse-battery")
    assert locked.status_code == 200 and "too many failed" in locked.content.decode().lower()
    for officer in others:  # one wrong password each: not locked, and the address is not either
        assert sign_in(Client(REMOTE_ADDR="10.9.9.9"), officer.username, "correct-horse-battery").status_code == 302
