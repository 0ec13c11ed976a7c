"""One base for every report in the Wagtail admin, and the viewsets that put them in its menus.

``AdminReport`` is a Wagtail ``ReportView`` (filters, pagination, the CSV and XLSX downloads) that
adds what each of our reports used to write for itself:

- **downloads in sight**: "Download CSV" and "Download XLSX" are buttons in the report's
  header (with the filters applied), not items of Wagtail's "…" menu; an XLSX sheet is named
  after the report (``sheet_title``, default the page title), not "Sheet1";
- **one permission**: ``permission`` (a codename such as ``"learning.view_reports"``) is needed
  to open the report, its results, its exports, and to see its menu entry. Refused, it raises
  ``PermissionDenied``, which the admin turns into its "no permission" redirect (and the audit
  log records);
- **no export past a bad filter**: an export whose filters do not validate shows the page with
  what is wrong, rather than a file of everything;
- **formula-safe exports**: CSV and XLSX are written by ``core.export`` (its one cell rule),
  streamed, without building the page around them; a queryset is read in chunks;
- **audited exports**: each download is announced (``core.export.announce``) and recorded in the
  audit log by ``access``. ``core`` cannot import ``access`` (dependencies point down, and
  ``access`` is built on ``core``), so the audit log listens rather than being called.

``ReportViewSet`` registers a report with the ``register_admin_viewset`` hook: its page and
results URLs, and its entry in the Reports menu (``add_to_reports_menu``, the default) or the
main menu (``add_to_admin_menu``), shown only to holders of the report's permission.
``ReportShortcut`` adds a second entry that opens a report already registered with its filters
set (HR's "Overdue" is the people report filtered to the overdue). ``AdminViewSet`` does the
same for an admin page that is not a report (the HR import).

The URL names are not namespaced (``report_by_unit``, not ``completion-by-unit:index``): they
were named before the viewsets, and the templates, tests and the access matrix use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import URLPattern, path, reverse
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import HeaderButton

from . import export

EXPORT_CHUNK = 2000  # rows read from the database at a time by an export
#: Wagtail's class for "as wide as the space it is in" (width: 100%).
FULL_WIDTH = "w-w-full"


class AdminFilterSet(WagtailFilterSet):
    """A report's filters, each drop-down as wide as Wagtail's filter panel and no wider.

    The panel is 300 px wide; a drop-down is as wide as its longest choice (an org unit
    indented four levels down, a module's full title: 438 px), so it and its help text ran
    past the panel's edge and were cut off. At 100% width it fits, and still lists each choice
    in full when opened."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for field in form.fields.values():
                if isinstance(field.widget, forms.Select):
                    classes = field.widget.attrs.get("class", "")
                    field.widget.attrs["class"] = f"{classes} {FULL_WIDTH}".strip()
        return self._form


def may(user, permission: str) -> bool:
    """The one check for a report and its menu entry: ``user`` holds ``permission``. A page
    that names no permission is open to nobody, rather than to everybody."""
    return bool(permission) and user.has_perm(permission)


class AdminReport(ReportView):
    """A report in the Wagtail admin: see the module docstring for what it adds."""

    #: The permission needed to open the report, export it and see it in the menu.
    permission = ""
    #: What the audit log calls a download of the report (default: ``export_filename``).
    export_label = ""
    #: The name of an XLSX download's sheet (default: ``page_title``), cut to what Excel allows.
    sheet_title = ""

    @classmethod
    def allows(cls, user) -> bool:
        """Whether ``user`` may open (and export) the report."""
        return may(user, cls.permission)

    def dispatch(self, request, *args, **kwargs):
        if not self.allows(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def header_more_buttons(self):
        # Wagtail tucks the downloads into the "…" menu, where nobody finds them: they are
        # header buttons of their own instead (``header_buttons``).
        return [button for button in super().header_more_buttons if button.url not in self.export_urls]

    @cached_property
    def header_buttons(self):
        if not self.show_export_buttons:
            return list(super().header_buttons)
        return [
            *super().header_buttons,
            HeaderButton("Download CSV", url=self.csv_export_url, icon_name="download", priority=90),
            HeaderButton("Download XLSX", url=self.xlsx_export_url, icon_name="download", priority=100),
        ]

    @cached_property
    def export_urls(self) -> set[str]:
        return {self.csv_export_url, self.xlsx_export_url}

    def filters_valid(self) -> bool:
        return self.filters is None or self.filters.is_valid()

    def get(self, request, *args, **kwargs):
        if self.is_export:
            if self.filters_valid():
                return self.as_spreadsheet(self.export_queryset(), request.GET["export"])
            self.is_export = False  # the page, with the filter's error, instead of a file of everything
        return super().get(request, *args, **kwargs)

    def export_queryset(self) -> Iterable[Any]:
        """What an export lists: the filtered rows, described as the page would show them, but
        not paginated or counted."""
        return self.decorate_paginated_queryset(self.get_filtered_queryset())

    def record_export(self, export_format: str) -> None:
        export.announce(self.request, self.export_label or self.export_filename, export_format)

    def export_rows(self, queryset: Iterable[Any]) -> Iterator[list[Any]]:
        """Each item's ``list_export`` values, in order. The cells are made safe by the writer,
        not by Wagtail's per-field preprocessing, which these reports do not use."""
        items = queryset.iterator(chunk_size=EXPORT_CHUNK) if isinstance(queryset, QuerySet) else queryset
        for item in items:
            yield list(self.to_row_dict(item).values())

    def as_spreadsheet(self, queryset, spreadsheet_format):
        self.record_export(spreadsheet_format)
        headings = [self.get_heading(queryset, field) for field in self.list_export]
        rows = self.export_rows(queryset)
        if spreadsheet_format == self.FORMAT_XLSX:
            return export.xlsx_response(
                headings, rows, f"{self.get_filename()}.xlsx", title=self.sheet_title or str(self.page_title)
            )
        return export.csv_response(headings, rows, f"{self.get_filename()}.csv")


class PermissionMenuItem(MenuItem):
    """A menu entry shown only to holders of ``permission``."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request) -> bool:
        return may(request.user, self.permission)


class AdminViewSet(ViewSet):
    """An admin page of ours, registered with ``register_admin_viewset``: its URLs (names not
    namespaced) and a menu entry shown only to holders of ``permission``.

    Give ``name`` (also the menu entry's name), ``url_prefix``, ``menu_label``, ``icon``,
    ``menu_order`` and one of ``add_to_admin_menu`` / ``add_to_reports_menu``, as class
    attributes or keyword arguments; ``urlpatterns`` are the routes under ``url_prefix``.
    """

    permission = ""
    urlpatterns: list[URLPattern] = []
    #: Put the entry in the admin's Reports menu (Wagtail has the hook, not the flag).
    add_to_reports_menu = False
    url_namespace = None  # see the module docstring

    @cached_property
    def menu_name(self) -> str:
        return self.name

    @property
    def menu_hook(self) -> str | None:
        if self.add_to_settings_menu:
            return "register_settings_menu_item"
        if self.add_to_admin_menu:
            return "register_admin_menu_item"
        if self.add_to_reports_menu:
            return "register_reports_menu_item"
        return None

    @property
    def menu_item_class(self):
        return partial(PermissionMenuItem, permission=self.permission)

    def get_url_name(self, view_name: str) -> str:
        return view_name

    def get_urlpatterns(self) -> list[URLPattern]:
        return list(self.urlpatterns)


class ReportViewSet(AdminViewSet):
    """An ``AdminReport`` in the admin: its page (``url_prefix``/) and results
    (``url_prefix``/results/) under the report's own URL names, any further ``urlpatterns``
    (e.g. a download), and a menu entry for holders of the report's permission."""

    report: type[AdminReport]
    add_to_reports_menu = True

    @property
    def permission(self) -> str:
        return self.report.permission

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            path("", self.report.as_view(), name=self.report.index_url_name),
            path("results/", self.report.as_view(results_only=True), name=self.report.index_results_url_name),
            *self.urlpatterns,
        ]


class ReportShortcut(AdminViewSet):
    """A second menu entry for a report registered by a ``ReportViewSet``, opening it with
    ``query`` (e.g. ``"status=overdue"``) as its filters. It adds no URL."""

    report: type[AdminReport]
    query = ""
    add_to_reports_menu = True

    @property
    def permission(self) -> str:
        return self.report.permission

    @cached_property
    def menu_url(self) -> str:
        return reverse(self.report.index_url_name) + (f"?{self.query}" if self.query else "")
