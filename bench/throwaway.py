"""Run a benchmark against a throwaway test database (SQLite by default; PostgreSQL when
DATABASE_URL is set), created before and dropped after, so no real data is touched."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection


def in_throwaway_database(main: Callable[[], None]) -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
