import functools

from django.conf import settings
from django.urls import reverse


def site(request):
    return {"FORCE_NAME": settings.FORCE_NAME}


@functools.cache
def layout_urls() -> dict[str, str]:
    """The addresses the layout (header and footer) links to on every page, reversed once per
    process rather than nine times a request: they are the same for everyone. The layout reads
    them with ``{% layout_url %}`` (``core.templatetags.layout``), which needs no request: the
    error pages Django draws without one keep their links."""
    names = {
        "dashboard": "learning:dashboard",
        "my_certificates": "certificates:mine",
        "team": "records:team",
        "sign_in_security": "mfa_index",
        "sign_out": "account_logout",
        "verify": "certificates:verify_form",
        "my_data": "records:my_data",
        "accessibility": "core:accessibility",
    }
    return {key: reverse(name) for key, name in names.items()}
