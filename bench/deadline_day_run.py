"""The deadline-day load test: many officers take the demo module at once, against gunicorn and PostgreSQL.

    .venv/bin/python bench/deadline_day_run.py --users 60 --spawn-rate 2 --run-time 4m

What it does, all on this machine and on loopback only:

1. makes a throwaway PostgreSQL database (``attest_deadline_day``), migrates it, loads the demo
   (``seed_demo``) and a pool of officers enrolled on the demo module, each with one known
   password (one per simulated journey, so no officer repeats), collects static files into a
   temporary directory, and writes the answer key the simulated officers read;
2. starts the app as production runs it: ``gunicorn -c gunicorn.conf.py config.wsgi`` on
   127.0.0.1 with the production settings (bench/settings_bench.py adds only the demo and the
   static directory) and ``TASKS_BACKEND=database``, so ``manage.py db_worker`` runs beside it;
3. runs locust headless (bench/deadline_day.py) for the given users, spawn rate and time, with
   statistics reset once every user has started, so the figures are the steady state;
4. samples the CPU time of each group of processes from /proc over that steady state (the app:
   gunicorn's master and workers; the database: every PostgreSQL process, finished backends
   included; Redis; the load generator; the task worker), and the whole machine's;
5. stops everything, checks the database (no duplicate attestation for a person and policy
   version, no duplicate certificate), prints the figures, and drops the database.

It runs from a copy of the working tree made when it starts (the commit and the number of changed
files are printed), so edits made to the tree during a run cannot reach the server half-way.

Everything is bounded: locust stops itself after ``--run-time``; the run is killed if it is still
going a minute after that. Needs PostgreSQL (user postgres, trust) and Redis on 127.0.0.1, and
the benchmark requirements (``.venv/bin/python -m pip install -r bench/requirements.txt``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = Path(sys.executable).parent  # the project's .venv/bin, also when running from a copy
PYTHON = VENV / "python"
DATABASE = "attest_deadline_day"
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "deadline-day-bench-2026"  # noqa: S105 (every simulated officer's, in the throwaway database)
TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=60, help="simulated officers at once (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=2, help="officers started a second (default 2)")
    parser.add_argument("--run-time", default="4m", help="how long locust runs, e.g. 240s or 4m (default 4m)")
    parser.add_argument("--officers", type=int, help="officers in the pool (default: enough for the run)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fail-share", type=float, default=0.25, help="officers who fail once and retake")
    parser.add_argument("--read", default="0.5,2", help="reading pause between pages, min,max seconds")
    parser.add_argument(
        "--database-options",
        default="",
        help="query string added to DATABASE_URL, e.g. conn_max_age=60 (default none, as the docs give it)",
    )
    parser.add_argument("--out", help="directory for locust's CSV files (default a temporary one)")
    return parser.parse_args()


def seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", text)) or int(text)


# ---------------------------------------------------------------- the throwaway database


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def prepare(args: argparse.Namespace, officers: int) -> dict:
    """Migrate, seed, make the officers and the answer key; return what the locustfile needs."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from django.utils.html import escape

    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0)

    from learning.models import Enrolment, ModulePage
    from learning.services import begin_module
    from people.models import User
    from scenarios.services import steps_in_list_order

    module = ModulePage.objects.get(slug="contacting-the-public")
    template = User.objects.get(username="officer")  # the demo officer: their unit and rank
    password = make_password(PASSWORD)  # once: every officer shares it, as each still checks it
    due = timezone.localdate() + timezone.timedelta(days=1)
    people = [
        User(
            username=f"dd{n:05d}",
            warrant_number=f"DD{n:06d}",
            first_name="Officer",
            last_name=f"Number{n}",
            email=f"dd{n:05d}@force.example",
            rank=template.rank,
            org_unit_id=template.org_unit_id,
            password=password,
        )
        for n in range(officers + 1)
    ]
    User.objects.bulk_create(people, batch_size=1000)
    people = list(User.objects.filter(username__startswith="dd").order_by("username"))
    Enrolment.objects.bulk_create(
        [Enrolment(user=person, module=module, due_date=due) for person in people], batch_size=1000
    )

    # The answer key, read from the module as one more officer's attempt pins it: a step is known
    # by its question as the page shows it and the options it offers (ids are the options' own).
    key_holder = people.pop()
    answers: dict[str, dict] = {}
    for step in steps_in_list_order(begin_module(key_holder, module)):
        wrong = [option.id for option in step.options if not option.correct]
        entry = {"right": sorted(step.correct_ids), "wrong": wrong[:1], "critical": step.critical}
        key = escape(step.question) + "|" + ",".join(sorted(option.id for option in step.options))
        if answers.get(key, entry) != entry:
            raise SystemExit(f"Two steps look the same on the page but have different answers: {key}")
        answers[key] = entry
    journey = {
        "module_url": module.url,
        "module_id": module.pk,
        "password": PASSWORD,
        "officers": [[person.username, person.get_full_name()] for person in people],
        "answers": answers,
        "fail_share": args.fail_share,
        "read": [float(n) for n in args.read.split(",")],
        "critical_steps": sum(entry["critical"] for entry in answers.values()),
    }
    journey["password_check_ms"] = password_check_ms(password)
    connections.close_all()
    return journey


def password_check_ms(encoded: str, runs: int = 15) -> dict:
    """The CPU one sign-in spends checking a password with the configured hasher (median, ms)."""
    from django.contrib.auth.hashers import check_password, identify_hasher

    times = []
    for _ in range(runs):
        started = time.process_time()
        check_password(PASSWORD, encoded)
        times.append((time.process_time() - started) * 1000)
    hasher = identify_hasher(encoded)
    return {
        "hasher": f"{hasher.algorithm}, {hasher.safe_summary(encoded).get('iterations', '?')} iterations",
        "median_ms": statistics.median(times),
        "min_ms": min(times),
    }


def check_database() -> dict:
    """Duplicates and totals, read after the run."""
    from django.db import connections
    from django.db.models import Count

    from certificates.models import Attestation, Certificate
    from scenarios.models import Attempt, Response

    duplicate_attestations = (
        Attestation.objects.values("user", "policy_version").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    duplicate_certificates = (
        Certificate.objects.values("user", "policy_version").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    figures = {
        "attestations": Attestation.objects.filter(user__username__startswith="dd").count(),
        "certificates": Certificate.objects.filter(user__username__startswith="dd").count(),
        "duplicate attestations (person, policy version)": duplicate_attestations,
        "duplicate certificates (person, policy version)": duplicate_certificates,
        "attempts passed": Attempt.objects.filter(user__username__startswith="dd", status="passed").count(),
        "attempts failed": Attempt.objects.filter(user__username__startswith="dd", status="failed").count(),
        "answers": Response.objects.filter(attempt__user__username__startswith="dd").count(),
    }
    connections.close_all()
    return figures


# ---------------------------------------------------------------- CPU from /proc


def processes() -> dict[int, tuple[str, str, int]]:
    """Every process: pid -> (command name, command line, parent pid)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        found[int(entry.name)] = (name, cmdline, parent)
    return found


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User and system CPU of a process; with ``reaped_children``, also of its children that
    have exited and been waited for (PostgreSQL's backends, gunicorn's replaced workers)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(fields[n]) for n in (11, 12, 13, 14))
    return (utime + stime + ((cutime + cstime) if reaped_children else 0)) / TICKS


def descendants(root: int, table: dict[int, tuple[str, str, int]]) -> list[int]:
    children = [pid for pid, (_, _, parent) in table.items() if parent == root]
    return children + [grandchild for child in children for grandchild in descendants(child, table)]


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, over all cores."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return (total - idle) / TICKS, total / TICKS


def sample(groups: dict[str, int | None]) -> dict[str, float]:
    """CPU seconds so far of each group (a root pid: it, its live descendants, its reaped children)."""
    table = processes()
    figures = {}
    for label, root in groups.items():
        if root is None:
            continue
        live = descendants(root, table)
        figures[label] = cpu_seconds(root, reaped_children=True) + sum(cpu_seconds(pid) for pid in live)
    figures["machine"], figures["machine (all time)"] = machine_busy_seconds()
    return figures


def find_pid(command_name: str) -> int | None:
    """The oldest process with this command name that is not a child of another of the same name."""
    table = processes()
    roots = [
        pid for pid, (name, _, parent) in table.items() if name == command_name and table.get(parent, ("",))[0] != name
    ]
    return min(roots) if roots else None


class OtherDatabases(threading.Thread):
    """Samples, four times a second, the CPU of PostgreSQL backends serving any database but the
    run's (other work on a shared server), so it can be taken out of the database's figure. A
    backend of another database that starts and ends between two samples is missed."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.running = True

    def run(self) -> None:
        while self.running:
            for pid, (name, cmdline, _) in processes().items():
                words = cmdline.split()
                # "postgres: 15/main: USER DATABASE HOST(PORT) STATE"; auxiliary processes have no database
                if name == "postgres" and len(words) >= 5 and words[0] == "postgres:" and words[3] != DATABASE:
                    used = cpu_seconds(pid)
                    self.first.setdefault(pid, used)
                    self.last[pid] = used
            time.sleep(0.25)

    def start_window(self) -> None:
        self.first = dict(self.last)

    def used(self) -> float:
        self.running = False
        return sum(self.last[pid] - self.first.get(pid, 0.0) for pid in self.last)


# ---------------------------------------------------------------- the run


def wait_until_ready(url: str, process: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up (exit {process.returncode}); see its output above.")
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 (loopback)
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer 200 within {limit} s.")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as file:
        return list(csv.DictReader(file))


def report(rows: list[dict[str, str]], summary: dict, window: float, cpu: dict[str, float], checks: dict) -> None:
    groups = summary["groups"]
    rates = {row["Name"]: float(row["Requests/s"]) for row in rows}
    failures = {row["Name"]: int(row["Failure Count"]) for row in rows}
    rates["all"] = rates.pop("Aggregated", 0.0)
    rates["all but the sign-in POST"] = rates["all"] - rates.get("sign-in (POST)", 0.0)
    failures["all"] = failures.pop("Aggregated", 0)
    failures["all but the sign-in POST"] = failures["all"] - failures.get("sign-in (POST)", 0)
    print(f"\nSteady state: the {window:.0f} s after every user had started (locust's statistics reset then).")
    print(f"{'request':<32} {'count':>7} {'failed':>6} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}")
    for name, figures in groups.items():
        times = " ".join(f"{figures.get(cut, 0):6.0f}" for cut in ("p50", "p95", "p99", "max"))
        print(f"{name:<32} {figures['count']:>7} {failures.get(name, 0):>6} {rates.get(name, 0):6.1f} {times}")
    print("(milliseconds, as locust saw them; exact percentiles of every request in the steady state)")
    for outcome, count in summary["outcomes"].items():
        print(f"  {outcome}: {count}")
    print(f"\nCPU over the steady state ({window:.0f} s x {CORES} cores = {window * CORES:.0f} CPU seconds):")
    for label, used in cpu.items():
        print(f"  {label:<38} {used:7.1f} s  {used / window:5.2f} cores  {100 * used / (window * CORES):5.1f}%")
    print("\nThe database after the run:")
    for label, value in checks.items():
        print(f"  {label:<50} {value}")


def run_from_a_copy() -> None:
    """Run again from a copy of the working tree, so that edits made to it during a run (other work
    in the same tree) cannot reach the server half-way: a template or module first loaded late
    would come from the edited tree."""
    snapshot = Path(tempfile.mkdtemp(prefix="attest-deadline-day-code-")) / "attest"
    skip = (".venv", "node_modules", ".git", "media", "staticfiles", "__pycache__", "*.sqlite3", ".*_cache")
    shutil.copytree(ROOT, snapshot, ignore=shutil.ignore_patterns(*skip))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    print(
        f"Code: {commit.stdout.strip()} with {len(changed.stdout.splitlines())} files changed or new, "
        f"copied at {time.strftime('%H:%M:%S')} to {snapshot}"
    )
    os.environ["DEADLINE_DAY_COPY"] = str(snapshot)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, str(snapshot / "bench" / "deadline_day_run.py"), *sys.argv[1:]])  # noqa: S606


def main() -> None:
    if os.environ.get("DEADLINE_DAY_COPY") != str(ROOT):
        run_from_a_copy()
    args = arguments()
    run_seconds = seconds(args.run_time)
    # The whole run's bound (setting up takes about a minute): past it, everything is stopped and dropped.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("The run took ten minutes more than its run time: stopped."))
    signal.alarm(run_seconds + 600)
    ramp = args.users / args.spawn_rate
    # A journey takes at least a minute (57 steps, two short pauses each); every user needs a
    # fresh officer for each journey it starts, and one for the journey it is in when time is up.
    officers = args.officers or args.users * (run_seconds // 60 + 2)
    run_dir = Path(args.out or tempfile.mkdtemp(prefix="attest-deadline-day-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "steady").unlink(missing_ok=True)
    static_root = Path(tempfile.mkdtemp(prefix="attest-deadline-day-static-"))
    database_url = f"{SERVER}/{DATABASE}" + (f"?{args.database_options}" if args.database_options else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings_bench",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "BENCH_STATIC_ROOT": str(static_root),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "deadline-day-bench-" + "s" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LEDGER_KEYS": "bench:" + "k" * 40,
        "SITE_URL": "https://attest.example",
        "TASKS_BACKEND": "database",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
    }
    os.environ.update(env)
    sys.path[:0] = [str(BENCH), str(ROOT)]

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the run's own cache: rate-limit counts start at nought
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")
    gunicorn = worker = locust = None
    try:
        started = time.monotonic()
        journey = prepare(args, officers)
        (run_dir / "journey.json").write_text(json.dumps(journey))
        print(
            f"Prepared in {time.monotonic() - started:.0f} s: {len(journey['officers'])} officers, "
            f"{len(journey['answers'])} steps in the answer key ({journey['critical_steps']} critical)."
        )
        check = journey["password_check_ms"]
        print(
            f"One password check ({check['hasher']}): {check['median_ms']:.0f} ms of CPU (median; "
            f"fastest {check['min_ms']:.0f} ms), so at most {1000 / check['median_ms']:.1f} sign-ins a second a core."
        )

        worker = subprocess.Popen([PYTHON, "manage.py", "db_worker"], cwd=ROOT, env=env)  # noqa: S603
        gunicorn = subprocess.Popen(  # noqa: S603
            [VENV / "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env
        )
        wait_until_ready(f"http://127.0.0.1:{args.port}/readyz", gunicorn)

        prefix = run_dir / "deadline_day"
        command = [
            VENV / "locust",
            "-f",
            BENCH / "deadline_day.py",
            "--headless",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.run_time,
            "--reset-stats",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
        ]
        locust = subprocess.Popen(command, cwd=ROOT, env={**env, "DEADLINE_DAY_JOURNEY": str(run_dir / "journey.json")})  # noqa: S603
        groups = {
            "app (gunicorn: master and workers)": gunicorn.pid,
            "database (every PostgreSQL process)": find_pid("postgres"),  # less other databases', below
            "Redis": find_pid("redis-server"),
            "load generator (locust)": locust.pid,
            "task worker (db_worker)": worker.pid,
        }
        others = OtherDatabases()
        others.start()
        # Every user has started when locust resets its statistics (bench/deadline_day.py says so).
        steady, deadline = run_dir / "steady", time.monotonic() + ramp + 60
        while not steady.exists() and locust.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        others.start_window()
        before, window_start = sample(groups), time.monotonic()
        try:
            locust.wait(timeout=run_seconds - ramp + 60)
        except subprocess.TimeoutExpired:
            locust.kill()
            locust.wait()
            raise SystemExit("locust was still running a minute after its run time: killed.") from None
        # locust has exited: its own CPU is now in this process's reaped children.
        after, window = sample(groups), time.monotonic() - window_start
        # locust has exited and been waited for: its CPU is this process's only reaped child's.
        after["load generator (locust)"] = os.times().children_user + os.times().children_system
        cpu = {label: after[label] - before[label] for label in before if label != "machine (all time)"}
        elsewhere = others.used()
        cpu["database (every PostgreSQL process)"] -= elsewhere
        cpu["database: other databases' backends"] = elsewhere
        accounted = sum(value for label, value in cpu.items() if label != "machine")
        cpu["everything else on the machine"] = cpu.pop("machine") - accounted
        stop(gunicorn)
        stop(worker)
        checks = check_database()
        summary = json.loads((run_dir / "journeys.json").read_text())
        report(read_stats(prefix), summary, window, cpu, checks)
        print(f"\nlocust's CSV files: {prefix}_*.csv (locust exit status {locust.returncode})")
    finally:
        for process in (locust, gunicorn, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(static_root, ignore_errors=True)
        if ROOT.parent.name.startswith("attest-deadline-day-code-"):  # the copy of the code, never the tree
            shutil.rmtree(ROOT.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
