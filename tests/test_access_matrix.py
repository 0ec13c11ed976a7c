"""Exploration draft."""

import re
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, resolve, Resolver404
from wagtail.documents.models import Document
from wagtail.models import Collection, Site, Task, Workflow

from certificates.models import Certificate, PolicyDocument
from certificates.services import Context
from learning.models import Assignment, Exemption, PeopleImport, User
from learning.services import attest_to_module, begin_module, exempt
from scenarios.models import ScenarioPage
from scenarios.services import answer_remaining
from tests.helpers import sign_in_with_mfa

ROLES = ["anonymous", "officer", "manager", "trainer", "policyowner", "hr", "reporting", "admin"]


def join(prefix, route):
    if prefix and route.startswith("^"):
        route = route[1:]
    return prefix + route


def routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, route)
        else:
            yield route, pattern


def build_world(demo):
    module = demo["module"]
    officer = demo["officer"]
    attempt = begin_module(officer, module)
    answer_remaining(attempt, lambda step: sorted(step.correct_ids))
    version = module.policy_document.current_version()
    outcome = attest_to_module(
        officer, module, officer.get_full_name(), Context(user_agent="test"), shown_body_sha256=version.body_sha256
    )
    scenario = ScenarioPage.objects.child_of(module).first()
    policy = module.policy_document
    document = Document.objects.create(title="Guidance", file=ContentFile(b"%PDF-1.4 guidance", name="guidance.pdf"))
    people_import = PeopleImport.objects.create(uploaded_by=demo["hr"], file_name="people.csv", content=b"x")
    exemption = exempt(demo["reporting"], module, reason="Not operational", by=demo["hr"])
    return SimpleNamespace(
        module=module,
        scenario=scenario,
        attempt=attempt,
        certificate=outcome.certificate,
        policy=policy,
        document=document,
        people_import=people_import,
        exemption=exemption,
        assignment=Assignment.objects.first(),
        officer=officer,
        revision=module.latest_revision,
        collection=Collection.get_first_root_node(),
        workflow=Workflow.objects.first(),
        task=Task.objects.first(),
        site=Site.objects.first(),
        group=Group.objects.get(name="HR"),
    )



N = 999999

def values(w):
    return {
        "page_id": w.module.pk, "parent_page_id": w.module.pk, "page_to_move_id": w.scenario.pk,
        "destination_id": w.module.pk, "revision_id": w.revision.pk,
        "content_type_app_name": "scenarios", "content_type_model_name": "scenariopage",
        "app_label": "learning", "model_name": "modulepage", "app_name": "learning", "action": "delete",
        "task_state_id": N, "task_id": w.task.pk, "workflow_state_id": N, "action_name": "approve",
        "session_id": N, "object_id": w.module.pk, "document_id": w.document.pk, "doc_id": w.document.pk,
        "image_id": N, "uploaded_file_id": N, "filter_spec": "original", "redirect_id": N,
        "collection_id": w.collection.pk, "serial": w.certificate.display_serial, "reference": w.policy.reference,
        "public_id": w.attempt.public_id, "position": 1, "person_id": w.officer.pk, "uidb64": "MQ",
        "token": "set-password", "restriction_id": N, "page_view_restriction_id": N, "workflow_pk": w.workflow.pk,
        "page_pk": w.module.pk, "pk": N,
    }

PK = {
    "admin/api/main/pages/": lambda w: w.module.pk,
    "admin/api/main/documents/": lambda w: w.document.pk,
    "admin/collections/": lambda w: w.collection.pk,
    "admin/workflows/": lambda w: w.workflow.pk,
    "admin/workflows/tasks/": lambda w: w.task.pk,
    "admin/workflows/task_chooser/": lambda w: w.task.pk,
    "admin/snippets/": lambda w: w.policy.pk,
    "admin/assignments/": lambda w: w.assignment.pk,
    "admin/exemptions/": lambda w: w.exemption.pk,
    "admin/people/import/": lambda w: w.people_import.pk,
    "admin/sites/": lambda w: w.site.pk,
    "admin/users/": lambda w: w.officer.pk,
    "admin/groups/": lambda w: w.group.pk,
    "admin/documents/": lambda w: w.document.pk,
    "admin/settings/": lambda w: N,
}

CONCRETE = {
    r"admin/pages/(?P<pk>\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\.(?P<revision_id_b>live|latest|\d+)/$": lambda w: f"/admin/pages/{w.module.pk}/revisions/compare/earliest...latest/",
    r"admin/snippets/certificates/policydocument/history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\.(?P<revision_id_b>live|latest|\d+)/$": lambda w: f"/admin/snippets/certificates/policydocument/history/{w.policy.pk}/revisions/compare/earliest...latest/",
    "admin/.*/$": lambda w: "/admin/no-such-page/",
    r"documents/(\d+)/(.*)$": lambda w: f"/documents/{w.document.pk}/guidance.pdf",
    r"accounts/confirm-email/(?P<key>[-:\w]+)/$": lambda w: "/accounts/confirm-email/not-a-key/",
    r"accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": lambda w: "/accounts/password/reset/key/1-not-a-key/",
    "accounts/oidc/(?P<provider_id>[^/]+)/login/": lambda w: "/accounts/oidc/entra/login/",
    "accounts/oidc/(?P<provider_id>[^/]+)/login/callback/": lambda w: "/accounts/oidc/entra/login/callback/",
    r"training/((?:[\w\-]+/)*)$": lambda w: w.module.url,
}

CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")

def longest(table, route):
    keys = [k for k in table if route.startswith(k)]
    return table[max(keys, key=len)] if keys else None


def concrete(route, w):
    if route in CONCRETE:
        return CONCRETE[route](w)
    vals = values(w)
    def sub(m):
        name = m[1]
        if name == "pk" and (f := longest(PK, route)):
            return str(f(w))
        return str(vals[name])
    return "/" + CONVERTER.sub(sub, route)


def outcome(response):
    code = response.status_code
    if code in (403, 404):
        return str(code)
    if code in (301, 302):
        path = urlsplit(response["Location"]).path
        if path == "/accounts/login/":
            return "login"
        if path == "/admin/" and any("permission" in str(m) for m in get_messages(response.wsgi_request)):
            return "noperm"
        return f"{code}>{path}"
    return str(code)


@pytest.mark.parametrize("role", ROLES)
def test_dump(client, demo, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = build_world(demo)
    if role != "anonymous":
        sign_in_with_mfa(client, demo[role])
    out = []
    t = time.time()
    seen = set()
    for route, pattern in routes():
        if route in seen:
            continue
        seen.add(route)
        url = concrete(route, w)
        try:
            r = resolve(urlsplit(url).path).route
        except Resolver404:
            r = "404!"
        t0 = time.time()
        try:
            response = client.get(url)
            o = outcome(response)
            if role != "anonymous" and "sessionid" in response.cookies and not response.cookies["sessionid"].value:
                o += " LOGGEDOUT"
                sign_in_with_mfa(client, demo[role])
        except Exception as e:
            o = "EXC " + type(e).__name__ + str(e)[:80]
        out.append(f"{route}\t{url}\t{o}\t{time.time()-t0:.2f}" + ("" if r == route else f"\tMISMATCH {r}"))
    open(f"/tmp/matrix-{role}.tsv", "w").write("\n".join(out))
    print(role, time.time() - t)


def test_peek(client, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = build_world(demo)
    sign_in_with_mfa(client, demo["reporting"])
    for url in [
        "/admin/pages/create/learning/modulepage",
        f"/admin/pages/{w.scenario.pk}/move/{w.module.pk}/confirm/",
        f"/admin/pages/workflow/confirm_cancellation/{w.module.pk}/",
        "/admin/workflows/task_chooser/",
        "/admin/workflows/task_chooser/create/",
        f"/admin/workflows/task_chooser/{w.task.pk}/",
        "/admin/reports/site-history/results/",
        "/admin/api/main/pages/",
        f"/admin/api/main/documents/{w.document.pk}/",
        "/admin/choose-page/",
        f"/admin/choose-page/{w.module.pk}/",
        "/admin/snippets/choose/certificates/policydocument/",
        f"/admin/snippets/choose/certificates/policydocument/chosen/{w.policy.pk}/",
        "/admin/documents/chooser/",
        f"/admin/pages/{w.module.pk}/revisions/",
    ]:
        r = client.get(url)
        print("=====", url, r.status_code, r.get("Location"))
        import re as _re
        text = _re.sub(r"<[^>]+>", " ", r.content.decode(errors="replace"))
        print(" ".join(text.split())[:1500])
