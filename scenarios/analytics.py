"""Step analytics for trainers (being built: see tests/test_analytics.py)."""

from wagtail.admin.menu import MenuItem

urlpatterns: list = []


class _Hidden(MenuItem):
    def is_shown(self, request):
        return False


def menu_item():
    return _Hidden("Scenario steps", "#", icon_name="table")
