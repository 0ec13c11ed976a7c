"""Step analytics for trainers (being built: see tests/test_analytics.py)."""

from wagtail.admin.menu import MenuItem

urlpatterns: list = []


def menu_item():
    return None
