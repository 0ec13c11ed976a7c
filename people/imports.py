"""People from the HR system, as CSV: a dry run that reports every row, then an all-or-nothing apply.

The file has exactly these columns, in any order (``COLUMNS``)::

    warrant_number, first_name, last_name, email, rank, role, org_unit_path, line_manager_number, active

Rows are keyed on the warrant or staff number: a number Attest does not know creates a person,
a known one updates them. ``active`` is yes or no (blank means yes): a leaver marked no is
deactivated, never deleted, and their sessions are ended. ``org_unit_path`` names a unit by its
codes from the top, e.g. ``met/frontline/cw-bcu/cw-response-a``; units are not created here.
``line_manager_number`` is another person's number, in the file or already in Attest.

``check(data)`` reads and checks a file and says, row by row, what applying it would do; it
changes nothing. ``apply(data)`` checks again and, only if no row has an error, makes every
change in one transaction. Checking reads the people and units once, whatever the file's size.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from access.sessions import end_sessions

from .models import OrgUnit, PeopleImport, User
from .signals import people_imported

COLUMNS = (
    "warrant_number",
    "first_name",
    "last_name",
    "email",
    "rank",
    "role",
    "org_unit_path",
    "line_manager_number",
    "active",
)
# The person's fields a row sets, in the order a report lists their changes.
FIELDS = ("first_name", "last_name", "email", "rank", "role", "org_unit_id", "is_active")
FIELD_NAMES = {"org_unit_id": "org unit", "is_active": "active", "line_manager_id": "line manager"}
WARRANT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
YES = {"", "yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive", "leaver"}
BATCH = 2000


class ImportError_(Exception):
    """The file cannot be read as people at all (encoding, columns); ``str()`` says why."""


@dataclass
class Row:
    """One data row of the file and what applying it would do."""

    line: int
    warrant_number: str
    action: str = "unchanged"  # created, updated, deactivated, unchanged, skipped or error
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    manager_number: str = ""


@dataclass
class Report:
    """What a file would do (or did): one ``Row`` per data row, or the reason it was not read."""

    rows: list[Row] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not any(row.errors for row in self.rows)

    def counts(self) -> dict[str, int]:
        counted = Counter(row.action for row in self.rows)
        return {
            action: counted.get(action, 0)
            for action in ("created", "updated", "deactivated", "unchanged", "skipped", "error")
        }

    def problems(self) -> list[Row]:
        return [row for row in self.rows if row.errors]


def read(data: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts, with each row's line number under ``"#line"``. Raises
    ``ImportError_`` for a file that is not UTF-8 CSV with exactly ``COLUMNS``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportError_(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). In Excel, save it as "
            "“CSV UTF-8 (Comma delimited)”."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if not any(header):
        raise ImportError_("The file is empty: it needs a header row naming the columns, then one row per person.")
    missing = [name for name in COLUMNS if name not in header]
    extra = [name or "(blank)" for name in header if name not in COLUMNS]
    repeated = sorted(name for name, times in Counter(header).items() if times > 1)
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    if repeated:
        problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)}")
    if problems:
        raise ImportError_(f"The header row has {'; '.join(problems)}. The columns are: {', '.join(COLUMNS)}.")
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # a blank line
            row = {name: value.strip() for name, value in zip(header, values, strict=False)}
            row["#line"] = reader.line_num
            row["#width"] = len(values)
            rows.append(row)
    except csv.Error as error:
        raise ImportError_(f"Line {reader.line_num} cannot be read as CSV ({error}).") from error
    if not rows:
        raise ImportError_("The file has a header row but no people.")
    return rows


def unit_paths(*, closed: bool = False) -> dict[str, int]:
    """Every open org unit's path of codes from the top (``met/frontline/...``) to its id, in one
    query; with ``closed``, closed units too (to name where someone was)."""
    units = list(OrgUnit.objects.order_by("path").values_list("pk", "path", "code", "closed_on"))
    code_at = {path: code for _, path, code, _ in units}
    return {
        "/".join(code_at[above] for above in OrgUnit.path_and_above(path)): pk
        for pk, path, _, closed_on in units
        if closed or closed_on is None
    }


def sentence(counts: dict[str, int]) -> str:
    """An import's counts as words: "6 created", "6 created and 2 updated", "6 created, 2 updated
    and 1 deactivated"; "no rows" when every count is nought."""
    parts = [f"{count:,} {action}" for action, count in counts.items() if count]
    if not parts:
        return "no rows"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def check(data: bytes) -> Report:
    """What applying ``data`` would do, row by row. Changes nothing."""
    try:
        raw_rows = read(data)
    except ImportError_ as error:
        return Report(file_error=str(error))
    return _plan(raw_rows)


def _plan(raw_rows: list[dict[str, str]]) -> Report:
    people = {
        person["warrant_number"]: person
        for person in User.objects.exclude(warrant_number=None).values(
            "pk", "warrant_number", "username", "line_manager_id", *FIELDS
        )
    }
    number_of = {person["pk"]: number for number, person in people.items()}
    emails = {person["email"].casefold(): number for number, person in people.items() if person["email"]}
    usernames = set(User.objects.values_list("username", flat=True))
    units = unit_paths()
    unit_by_code = {path.rsplit("/", 1)[-1]: path for path in units}
    every_unit = unit_paths(closed=True)
    path_of = {pk: path for path, pk in every_unit.items()}
    closed = every_unit.keys() - units.keys()

    report = Report()
    seen: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for raw in raw_rows:
        row = Row(line=raw["#line"], warrant_number=raw.get("warrant_number", "").upper())
        report.rows.append(row)
        if raw["#width"] != len(COLUMNS):
            row.errors.append(f"has {raw['#width']} values; every row needs {len(COLUMNS)}, one per column")
            continue
        _check_values(row, raw, units, unit_by_code, closed)
        number = row.warrant_number
        if number in seen:
            row.errors.append(f"warrant or staff number {number} is also on line {seen[number]}")
        elif number:
            seen[number] = row.line
        email = row.values.get("email", "").casefold()
        if email:
            if email in seen_emails:
                row.errors.append(f"email {row.values['email']} is also on line {seen_emails[email]}")
            elif emails.get(email, number) != number:
                row.errors.append(f"email {row.values['email']} belongs to {emails[email]} in Attest already")
            seen_emails.setdefault(email, row.line)

    in_file = {row.warrant_number: row for row in report.rows if row.warrant_number and not row.errors}
    managers = _managers_after(report.rows, people, number_of)
    for row in report.rows:
        if row.errors:
            continue
        manager = row.manager_number
        if manager and manager not in in_file and manager not in people:
            row.errors.append(f"line manager {manager} is not in the file or in Attest")
        elif manager in in_file and manager not in people and not in_file[manager].values["is_active"]:
            row.errors.append(f"line manager {manager} is a leaver who is not in Attest")
        elif manager == row.warrant_number:
            row.errors.append("a person cannot be their own line manager")
        elif manager and (loop := _cycle(row.warrant_number, managers)):
            row.errors.append(f"line managers form a loop: {' → '.join(loop)}")
        existing = people.get(row.warrant_number)
        if existing is None and row.values["username"] in usernames:
            row.errors.append(f"the username {row.values['username']} is taken by another account")
        if not row.errors:
            _decide(row, existing, number_of, path_of)
    for row in report.rows:
        if row.errors:
            row.action = "error"
    return report


def _check_values(
    row: Row, raw: dict[str, str], units: dict[str, int], unit_by_code: dict[str, str], closed: set[str]
) -> None:
    """Check one row's values and keep them, cleaned, in ``row.values``."""
    number = row.warrant_number
    if not number:
        row.errors.append("warrant or staff number is missing")
    elif not WARRANT_NUMBER.match(number):
        row.errors.append(f"warrant or staff number {number} is not letters, digits and hyphens (at most 20)")
    for name in ("first_name", "last_name"):
        if not raw[name]:
            row.errors.append(f"{name.replace('_', ' ')} is missing")
        elif len(raw[name]) > 150:
            row.errors.append(f"{name.replace('_', ' ')} is longer than 150 characters")
    try:
        if raw["email"]:
            validate_email(raw["email"])
    except ValidationError:
        row.errors.append(f"email {raw['email']} is not an email address")
    if len(raw["email"]) > 254:
        row.errors.append("email is longer than 254 characters")
    if any("\x00" in value for value in raw.values() if isinstance(value, str)):
        row.errors.append("contains a NUL character: the file may not be text")
    for name in ("rank", "role"):
        if len(raw[name]) > 80:
            row.errors.append(f"{name} is longer than 80 characters")
    active = raw["active"].lower()
    if active not in YES | NO:
        row.errors.append(f"active is {raw['active']!r}: use yes or no")
    path = raw["org_unit_path"].strip("/").lower()
    unit_id = units.get(path)
    if unit_id is None:
        if not path:
            row.errors.append("org unit path is missing")
        elif path in closed:
            row.errors.append(f"org unit {path} is closed: give the person an open unit")
        elif path.rsplit("/", 1)[-1] in unit_by_code:
            row.errors.append(f"org unit {path} is not known; did you mean {unit_by_code[path.rsplit('/', 1)[-1]]}?")
        else:
            row.errors.append(f"org unit {path} is not known: add it under Org units in the Attest admin first")
    row.manager_number = raw["line_manager_number"].upper()
    row.values = {
        "first_name": raw["first_name"],
        "last_name": raw["last_name"],
        "email": raw["email"],
        "rank": raw["rank"],
        "role": raw["role"],
        "org_unit_id": unit_id,
        "is_active": active not in NO,
        "username": number.lower(),
    }


def _managers_after(rows: list[Row], people: dict[str, dict], number_of: dict[int, str]) -> dict[str, str]:
    """Each person's line manager's number once the file is applied."""
    managers = {number: number_of.get(person["line_manager_id"], "") for number, person in people.items()}
    for row in rows:
        if row.warrant_number and not row.errors:
            managers[row.warrant_number] = row.manager_number
    return managers


def _cycle(number: str, managers: dict[str, str]) -> list[str] | None:
    """The loop of line managers from ``number`` back to ``number``, or None if the chain up
    from them ends (or joins a loop they are not part of)."""
    chain, seen = [number], {number}
    current = managers.get(number, "")
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        current = managers.get(current, "")
    return [*chain, current] if current == number else None


def _decide(row: Row, existing: dict | None, number_of: dict[int, str], path_of: dict[int, str]) -> None:
    """Set ``row.action`` and ``row.changes`` from the person as stored (``existing``): each
    change says what the value was and what it becomes ("rank: Police Constable → Police Sergeant")."""
    values = row.values
    if existing is None:
        if not values["is_active"]:
            row.action = "skipped"
            row.changes.append("not active and not in Attest: nothing to do")
        else:
            row.action = "created"
        return

    def shown(name: str, value) -> str:
        if name == "org_unit_id":
            return path_of.get(value, "none")
        if name == "is_active":
            return "yes" if value else "no"
        return value or "blank"

    changes = [
        f"{FIELD_NAMES.get(name, name.replace('_', ' '))}: {shown(name, existing[name])} → {shown(name, values[name])}"
        for name in FIELDS
        if existing[name] != values[name]
    ]
    manager_before = number_of.get(existing["line_manager_id"], "")
    if manager_before != row.manager_number:
        changes.append(f"line manager: {manager_before or 'none'} → {row.manager_number or 'none'}")
    row.changes = changes
    if existing["is_active"] and not values["is_active"]:
        row.action = "deactivated"
    elif changes:
        row.action = "updated"


@transaction.atomic
def apply(data: bytes) -> Report:
    """Check ``data`` and, if every row is good, make all its changes; otherwise change nothing.
    Deactivated people's sessions are ended."""
    report = check(data)
    if not report.ok:
        return report
    rows = [row for row in report.rows if row.action in ("created", "updated", "deactivated")]
    today = timezone.localdate()
    User.objects.bulk_create(
        [
            User(
                warrant_number=row.warrant_number,
                username=row.values["username"],
                password=make_password(None),  # no password: people sign in through the force's SSO
                joined_on=today,
                **{name: row.values[name] for name in FIELDS},
            )
            for row in rows
            if row.action == "created"
        ],
        batch_size=BATCH,
    )
    numbers = [row.warrant_number for row in report.rows if row.warrant_number]
    pk_of = dict(User.objects.filter(warrant_number__in=numbers).values_list("warrant_number", "pk"))
    pk_of.update(
        User.objects.filter(
            warrant_number__in={row.manager_number for row in report.rows if row.manager_number}
        ).values_list("warrant_number", "pk")
    )
    # Line managers last: a new person's manager may be new too, created just above.
    update_rows(
        [
            (pk_of[row.warrant_number], *(row.values[name] for name in FIELDS), pk_of.get(row.manager_number))
            for row in rows
        ],
        [*FIELDS, "line_manager_id"],
    )
    end_sessions([pk_of[row.warrant_number] for row in rows if row.action == "deactivated"])
    # Joiners are enrolled on what is assigned to them (learning listens), once this commits.
    transaction.on_commit(lambda: people_imported.send(sender=PeopleImport))
    return report


def update_rows(rows: list[tuple], columns: list[str]) -> None:
    """Set ``columns`` of many people at once: each row is (pk, value, value...). One
    ``WITH v AS (VALUES ...) UPDATE ... FROM v`` per batch, which PostgreSQL and SQLite (3.33 and later)
    both run, rather than the CASE expression per column and row that ``bulk_update`` builds."""
    quote = connection.ops.quote_name
    table = quote(User._meta.db_table)
    casts = {name: User._meta.get_field(name).db_type(connection) for name in columns}
    assignments = ", ".join(f"{quote(name)} = CAST(v.{quote(name)} AS {casts[name]})" for name in columns)
    names = ", ".join(quote(name) for name in ["id", *columns])
    placeholder = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.execute(
                f"WITH v({names}) AS (VALUES {', '.join([placeholder] * len(batch))}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote('id')} = v.{quote('id')}",
                [value for row in batch for value in row],
            )
