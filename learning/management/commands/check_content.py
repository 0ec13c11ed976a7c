"""Check a module's content files without loading them: ``manage.py check_content [directory]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learning.content import ContentError, load_module
from learning.guide import GUIDE_FILE, load_guide, reading_load
from scenarios.blocks import topic_tags

DEFAULT = Path("content") / "contacting-the-public"


class Command(BaseCommand):
    help = (
        "Check a module's content files (module.toml, policy.toml, scenarios/*.toml, guide.toml if there is one) "
        "and summarise them."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(DEFAULT), help=f"default: {DEFAULT}")

    def handle(self, *args, directory, **options):
        try:
            module = load_module(directory)
            guide = load_guide(directory, module.policy) if (module.path / GUIDE_FILE).is_file() else None
        except ContentError as error:
            raise CommandError(str(error)) from error
        steps = [step for scenario in module.scenarios for step in scenario.steps]
        kinds = [step["type"] for step in steps]
        self.stdout.write(self.style.SUCCESS(f"{module.title}: content is valid."))
        self.stdout.write(
            f"  {len(module.scenarios)} scenarios, {len(steps)} steps "
            f"({kinds.count('decision_point')} decision points, "
            f"{sum(1 for step in steps if step['value']['critical'])} critical)"
        )
        versions = ", ".join(
            f"{v.label} ({len(v.clauses)} clauses{', material' if v.material else ''})" for v in module.policy.versions
        )
        self.stdout.write(f"  policy {module.policy.reference}: versions {versions}")
        for tag, meaning in module.topics.items():
            count = sum(1 for step in steps if tag in topic_tags(step["value"]["topics"]))
            self.stdout.write(f"  {count:>2} step(s)  {tag}: {meaning}")
        if guide:
            self.stdout.write(
                f"  guide: the case in {len(guide.case)} parts, {len(guide.glossary)} glossary terms, "
                f"a job aid of {len(guide.job_aid.steps)} steps"
            )
        load = reading_load(module, guide)
        self.stdout.write(f"  reading on the right path: {load}")
        self.stdout.write(f"  estimated_minutes in module.toml: {module.estimated_minutes}")
