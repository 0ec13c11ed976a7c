"""Rich text is sanitised on output: whatever is stored, officers get only what Wagtail's editor
can make. The payloads are written straight into the database, past the editor."""

from pathlib import Path

import pytest
from django.conf import settings

from core.templatetags.attest_richtext import clean_richtext
from learning.models import ModuleIndexPage, ModulePage

PAYLOADS = [
    '<script>alert("x")</script>',
    '<img src="/x.png" alt="" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)" onclick="alert(2)">also</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    "<p onmouseover=alert(1)>hover</p>",
]
HOSTILE = ("<script", "onerror", "onclick", "onmouseover", "javascript:", "<iframe", "<svg", "style=")


def hostile_in(html: str) -> list[str]:
    return [marker for marker in HOSTILE if marker in html.lower()]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markup_is_removed(payload):
    assert hostile_in(clean_richtext(payload)) == []


def test_what_the_editor_makes_is_kept():
    html = (
        '<h2>Heading</h2><p>Some <b>bold</b> and <i>italic</i>, a <a href="https://example.org/">link</a>, '
        '<a href="mailto:help@example.org">mail</a>.</p><ul><li>one</li></ul><ol><li>two</li></ol><hr>'
    )
    cleaned = str(clean_richtext(html))
    for kept in ("<h2>Heading</h2>", "<b>bold</b>", "<i>italic</i>", "<ul><li>one</li></ul>", "<ol><li>two</li></ol>"):
        assert kept in cleaned
    assert 'href="https://example.org/"' in cleaned and 'href="mailto:help@example.org"' in cleaned


def test_pages_sanitise_rich_text_stored_directly_in_the_database(client, demo):
    payload = "".join(PAYLOADS) + "<p>Still <b>readable</b></p>"
    module = demo["module"]
    ModulePage.objects.filter(pk=module.pk).update(learning_outcomes=payload)
    index = ModuleIndexPage.objects.get()
    ModuleIndexPage.objects.filter(pk=index.pk).update(intro=payload)
    client.force_login(demo["officer"])
    for url in (module.url, index.url):
        page = client.get(url).content.decode()
        assert "Still <b>readable</b>" in page, url
        assert hostile_in(page.split("<main", 1)[1].split("</main>", 1)[0]) == [], url


def test_no_template_renders_rich_text_unsanitised():
    templates = Path(settings.BASE_DIR, "templates").rglob("*.html")
    raw = [str(path) for path in templates if "|richtext" in path.read_text(encoding="utf-8")]
    assert raw == [], "use |clean_richtext (core/templatetags/attest_richtext.py)"
