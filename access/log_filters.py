"""Keep secrets out of the application's own logs, as out of the audit log."""

from __future__ import annotations

import logging


class RedactSecretPaths(logging.Filter):
    """Django logs the path of every 4xx and 5xx response ("Not Found: /accounts/password/
    reset/key/<key>/"). Where the path carries a key, log its URL pattern instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple) and path in record.args:
            from .audit import safe_path  # not at import: logging is set up before the models

            safe = safe_path(request)
            record.args = tuple(safe if arg == path else arg for arg in record.args)
        return True
