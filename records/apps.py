from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The read side for HR and line managers: completion reports, the certificates admin,
    transcripts, My team, and data-protection exports and retention."""

    name = "records"
    verbose_name = "Records"
