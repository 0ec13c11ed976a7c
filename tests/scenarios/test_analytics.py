"""The step analytics report: hand-computed numbers, filters, export, access and query count."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from access.models import AuditEvent
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import ModulePage
from learning.services import begin_module
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit
from scenarios.analytics import StepRow
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt, Response, ScenarioPage
from scenarios.services import Step, record_response, walk
from scenarios.wagtail_hooks import step_analytics
from tests.helpers import FORMULA_NAME, assert_formula_safe, csv_cells, sign_in_with_mfa, xlsx_cells

REPORT = "/admin/reports/scenario-steps/"

# The demo module's wording (content/contacting-the-public/scenarios/01-after-the-arrest.toml),
# which the report shows back. Every first answer leads on to step 2, then step 3.
MODULE_TITLE = "Contacting the public: personal devices and police data"
STEP_1_PROMPT = "You could ring her to see how she is. What do you do?"
STEP_1_RIGHT = (
    "Leave it. If anything about the case needs following up, raise it with the officer in the case on your next shift."
)
STEP_1_WITH_141 = "Ring her from your own phone, withholding your number with 141."
STEP_1_WHATSAPP = "Send her a WhatsApp message instead: it is less intrusive than a call."
STEP_2_PROMPT = "True or false: copying her number"
MULTIPLE_PROMPT = "Which of these statements about withholding your number with 141"
MULTIPLE_RIGHT_1 = "141 hides your number; it does not make a call from your own phone acceptable."
MULTIPLE_RIGHT_2 = (
    "If you have used 141 on your own phone to call a member of the public, "
    "you must be able to justify a policing purpose for that call."
)
MULTIPLE_WRONG = "A withheld call cannot be traced back to you, so the policy does not apply to it."


def option_id(step: Step, text: str) -> str:
    return next(option.id for option in step.options if option.text == text)


def officer(demo, unit: OrgUnit | None = None, module: ModulePage | None = None):
    """A new officer enrolled on the module, in the demo officer's unit unless told otherwise."""
    person = UserFactory(org_unit=unit or demo["officer"].org_unit)
    EnrolmentFactory(user=person, module=module or demo["module"])
    return person


def answer(person, module, *answers) -> Attempt:
    """Start ``person``'s attempt and answer the steps on its path, one answer each, in order.

    Each answer is a list of option texts ("True"/"False" for a true-or-false step).
    """
    attempt = begin_module(person, module)
    for texts in answers:
        step = walk(Attempt.objects.get(pk=attempt.pk)).current  # walk() caches on the instance
        record_response(attempt, step.position, [option_id(step, text) for text in texts])
    return attempt


def rows_of(client, **params) -> list[dict]:
    """The report's CSV export, as one dict per row."""
    response = client.get(REPORT, {**params, "export": "csv"})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def row_for(rows: list[dict], prompt_start: str) -> dict:
    return next(row for row in rows if row["Prompt"].startswith(prompt_start))


@pytest.fixture
def trainer(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    return client


@pytest.fixture
def seeded_steps(demo) -> int:
    """How many steps the seeded returning officer ("reattest", in the demo officer's unit)
    answered: seed_demo has her pass the module answering every step on her path right, first
    time, so each of those steps is a row of the report with one attempt, right first time,
    before a test adds any. Her path starts with the three steps of "After the arrest"."""
    responses = Response.objects.filter(attempt__user=demo["reattest"])
    assert responses.values("attempt").distinct().count() == 1
    assert not responses.filter(correct=False).exists()
    steps = responses.values("scenario_id", "step_id").distinct().count()
    assert steps == responses.count()  # no step answered twice
    first = ScenarioPage.objects.get(slug="after-the-arrest")
    assert responses.filter(scenario_id=first.pk).count() == 3
    return steps


@pytest.fixture
def four_officers(demo, seeded_steps):
    """Hand-computed, with the seeded officer's attempt (every step right): step 1 answered by
    5 (2 right; 141 twice, WhatsApp once) so 40% right first time and "141" the most chosen
    wrong answer, twice; step 2 (true or false, answer false) answered by 4 (3 right) so 75%,
    wrong answer "True" once. Every other step is hers alone: 1 of 1, 100%."""
    module = demo["module"]
    answer(officer(demo), module, [STEP_1_RIGHT], ["True"])
    answer(officer(demo), module, [STEP_1_WITH_141], ["False"])
    answer(officer(demo), module, [STEP_1_WITH_141], ["False"])
    answer(officer(demo), module, [STEP_1_WHATSAPP])
    return seeded_steps


# The numbers ------------------------------------------------------------------------------------


def test_each_step_shows_attempts_right_first_time_and_the_most_chosen_wrong_answer(trainer, four_officers):
    rows = rows_of(trainer)
    assert len(rows) == four_officers  # a row per step answered: the four's steps are on the seeded path
    first, second, *others = rows  # hardest first
    assert first == {
        "Module": MODULE_TITLE,
        "Scenario": "After the arrest",
        "Step": "1",
        "Prompt": STEP_1_PROMPT,
        "Attempts": "5",
        "Right first time": "2",
        "% right first time": "40",
        "Most chosen wrong answer": STEP_1_WITH_141,
        "Times chosen": "2",
    }
    assert second["Step"] == "2"
    assert second["Prompt"].startswith(STEP_2_PROMPT)
    assert (second["Attempts"], second["Right first time"], second["% right first time"]) == ("4", "3", "75")
    assert (second["Most chosen wrong answer"], second["Times chosen"]) == ("True", "1")
    # The seeded officer's other steps: right first time, no wrong answer to show.
    assert {
        (row["Attempts"], row["Right first time"], row["% right first time"], row["Most chosen wrong answer"])
        for row in others
    } == {("1", "1", "100", "")}


def test_three_officers_right_wrong_wrong_make_33_percent(demo, trainer):
    # In a unit of their own, and the report filtered to it: the seeded officer is not among them.
    unit = OrgUnitFactory(parent=OrgUnit.objects.get(code="frontline"), name="Three officers")
    module = demo["module"]
    answer(officer(demo, unit), module, [STEP_1_RIGHT])
    answer(officer(demo, unit), module, [STEP_1_WHATSAPP])
    answer(officer(demo, unit), module, [STEP_1_WHATSAPP])
    [row] = rows_of(trainer, org_unit=unit.pk)
    assert row["Prompt"] == STEP_1_PROMPT
    assert (row["Attempts"], row["Right first time"], row["% right first time"]) == ("3", "1", "33")
    assert (row["Most chosen wrong answer"], row["Times chosen"]) == (STEP_1_WHATSAPP, "2")


def test_the_page_shows_the_numbers_in_a_captioned_table(trainer, four_officers):
    response = trainer.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html
    assert '<th scope="col">Right first time</th>' in html
    assert "40%" in html
    assert "(2 of 5)" in html
    assert "75%" in html
    assert "(3 of 4)" in html
    assert STEP_1_WITH_141 in html
    assert html.index("40%") < html.index("75%") < html.index("100%")
    assert f"{four_officers} steps" in html


def test_a_multiple_response_answer_counts_as_one_set_whatever_order_it_was_ticked_in(demo, trainer, seeded_steps):
    module = demo["module"]
    earlier = [[STEP_1_RIGHT], ["False"]]
    answer(officer(demo), module, *earlier, [MULTIPLE_RIGHT_1, MULTIPLE_WRONG])
    answer(officer(demo), module, *earlier, [MULTIPLE_WRONG, MULTIPLE_RIGHT_1])
    answer(officer(demo), module, *earlier, [MULTIPLE_WRONG])
    answer(officer(demo), module, *earlier, [MULTIPLE_RIGHT_2, MULTIPLE_RIGHT_1])
    row = row_for(rows_of(trainer), MULTIPLE_PROMPT)
    assert (row["Scenario"], row["Step"]) == ("After the arrest", "3")
    # The four here and the seeded officer, who ticked both right statements.
    assert (row["Attempts"], row["Right first time"], row["% right first time"]) == ("5", "2", "40")
    # In the step's own order, joined with " + ", whichever order each officer ticked them in.
    assert row["Most chosen wrong answer"] == f"{MULTIPLE_RIGHT_1} + {MULTIPLE_WRONG}"
    assert row["Times chosen"] == "2"


def test_only_an_attempts_first_answer_to_a_step_decides_right_first_time(demo, trainer, seeded_steps):
    """A decision can lead back to a step already answered; the attempt still counts once."""
    first_try = answer(officer(demo), demo["module"], [STEP_1_WHATSAPP])
    first_response = first_try.responses.get(position=1)
    step = walk(Attempt.objects.get(pk=first_try.pk)).answered[0]
    # The engine writes this when a decision loops back; written directly here.
    Response.objects.create(
        attempt=first_try,
        position=9,
        scenario_id=first_response.scenario_id,
        step_id=first_response.step_id,
        choice_ids=[option_id(step, STEP_1_RIGHT)],
        correct=True,
    )
    answer(officer(demo), demo["module"], [STEP_1_RIGHT])
    row = row_for(rows_of(trainer), STEP_1_PROMPT)
    # Three attempts (the two here and the seeded officer's); the first one's later right
    # answer does not make it right first time.
    assert (row["Attempts"], row["Right first time"], row["% right first time"]) == ("3", "2", "67")
    assert (row["Most chosen wrong answer"], row["Times chosen"]) == (STEP_1_WHATSAPP, "1")


def test_a_step_no_longer_in_its_scenario_is_still_counted(demo, trainer, four_officers):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    del scenario.steps[0]
    scenario.save_revision().publish()
    rows = rows_of(trainer)
    assert len(rows) == four_officers
    row = row_for(rows, "(step removed)")
    assert (row["Scenario"], row["Step"], row["Attempts"], row["% right first time"]) == (
        "After the arrest",
        "",
        "5",
        "40",
    )
    assert row_for(rows, STEP_2_PROMPT)["Step"] == "1"


@pytest.mark.parametrize(("right", "attempts", "percent"), [(1, 3, 33), (2, 3, 67), (1, 8, 13), (0, 5, 0), (5, 5, 100)])
def test_percentages_round_to_the_nearest_whole_number_halves_up(right, attempts, percent):
    row = StepRow(1, "step", "Module", "Scenario", 1, "Prompt", attempts, right, "", 0)
    assert row.right_first_time_percent == percent


# Filters ----------------------------------------------------------------------------------------


def test_the_org_unit_filter_keeps_the_unit_and_every_unit_below_it(demo, trainer, seeded_steps):
    response_team = demo["officer"].org_unit  # Central West Response Team A, under Central West BCU
    assert demo["reattest"].org_unit == response_team  # the seeded officer, who passed, is in it too
    bcu = OrgUnit.objects.get(code="cw-bcu")
    elsewhere = OrgUnitFactory(parent=OrgUnit.objects.get(code="dps"), name="Anti-corruption")
    module = demo["module"]
    answer(officer(demo, response_team), module, [STEP_1_RIGHT])
    answer(officer(demo, elsewhere), module, [STEP_1_WITH_141])
    answer(officer(demo, elsewhere), module, [STEP_1_WITH_141])

    assert row_for(rows_of(trainer), STEP_1_PROMPT)["Attempts"] == "4"
    # The BCU: the team's new officer and the seeded officer, from the unit below; not the two elsewhere.
    in_bcu = rows_of(trainer, org_unit=bcu.pk)
    assert len(in_bcu) == seeded_steps
    row = row_for(in_bcu, STEP_1_PROMPT)
    assert (row["Attempts"], row["% right first time"], row["Times chosen"]) == ("2", "100", "0")
    assert rows_of(trainer, org_unit=response_team.pk) == in_bcu
    [row] = rows_of(trainer, org_unit=elsewhere.pk)
    assert (row["Attempts"], row["% right first time"]) == ("2", "0")
    assert (row["Most chosen wrong answer"], row["Times chosen"]) == (STEP_1_WITH_141, "2")


def test_the_date_filters_keep_answers_given_between_them(demo, trainer, seeded_steps):
    module = demo["module"]
    old = answer(officer(demo), module, [STEP_1_WITH_141], ["True"])
    answer(officer(demo), module, [STEP_1_RIGHT])
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    old.responses.update(answered_at=ten_days_ago)
    today = timezone.localdate()

    def numbers(row):
        return (row["Step"], row["Attempts"], row["% right first time"])

    # Recent: the new officer's answer and the seeded officer's (given today, every one right).
    recent = rows_of(trainer, answered_from=(today - datetime.timedelta(days=2)).isoformat())
    assert len(recent) == seeded_steps
    assert numbers(row_for(recent, STEP_1_PROMPT)) == ("1", "2", "100")
    assert numbers(row_for(recent, STEP_2_PROMPT)) == ("2", "1", "100")
    assert {row["% right first time"] for row in recent} == {"100"}
    earlier = rows_of(trainer, answered_to=(today - datetime.timedelta(days=5)).isoformat())
    assert sorted(numbers(row) for row in earlier) == [("1", "1", "0"), ("2", "1", "0")]
    today_only = rows_of(trainer, answered_from=today.isoformat(), answered_to=today.isoformat())
    assert today_only == recent


@pytest.fixture
def second_module(demo) -> ModulePage:
    """Another module, with one true-or-false scenario whose answer is true."""
    module = ModulePageFactory(title="Stop and search", summary="Grounds and records.")
    ScenarioPageFactory(
        parent=module,
        title="Grounds",
        narrative="<p>You see a man running.</p>",
        steps=[
            (
                "true_false",
                {
                    "prompt": "Running away alone is not reasonable grounds.",
                    "answer": "true",
                    "feedback_if_right": "Right.",
                    "feedback_if_wrong": "It is true.",
                },
            )
        ],
    )
    return module


def test_the_module_filter_keeps_that_modules_steps_only(demo, trainer, second_module, seeded_steps):
    answer(officer(demo), demo["module"], [STEP_1_RIGHT])
    answer(officer(demo, module=second_module), second_module, ["False"])

    # The demo module's steps answered (the seeded officer's path, with this officer's step on it) and the other's.
    assert len(rows_of(trainer)) == seeded_steps + 1
    [row] = rows_of(trainer, module=second_module.pk)
    assert (row["Module"], row["Scenario"], row["Step"], row["% right first time"]) == (
        "Stop and search",
        "Grounds",
        "1",
        "0",
    )
    assert (row["Most chosen wrong answer"], row["Times chosen"]) == ("False", "1")
    rows = rows_of(trainer, module=demo["module"].pk)
    assert len(rows) == seeded_steps
    assert {row["Module"] for row in rows} == {MODULE_TITLE}
    assert row_for(rows, STEP_1_PROMPT)["Attempts"] == "2"


def test_the_filtered_results_fragment_renders_for_the_admins_live_filtering(demo, trainer, four_officers):
    response = trainer.get(reverse("scenario_step_analytics_results"), {"module": demo["module"].pk})
    assert response.status_code == 200
    assert "40%" in response.content.decode()
    assert "(2 of 5)" in response.content.decode()


# Export -----------------------------------------------------------------------------------------


def test_the_csv_export_has_a_heading_row_and_a_row_per_step(trainer, four_officers):
    response = trainer.get(REPORT, {"export": "csv"})
    assert response["Content-Type"] == "text/csv"
    assert 'filename="scenario-steps.csv"' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == (
        "Module,Scenario,Step,Prompt,Attempts,Right first time,% right first time,Most chosen wrong answer,Times chosen"
    )
    assert len(lines) == 1 + four_officers


def test_the_xlsx_export_is_a_spreadsheet_with_the_same_rows(trainer, four_officers):
    response = trainer.get(REPORT, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][0] == "Module"
    assert values[1][4:9] == (5, 2, 40, STEP_1_WITH_141, 2)
    assert values[2][4:9] == (4, 3, 75, "True", 1)
    assert len(values) == 1 + four_officers


# Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["trainer", "policyowner", "admin"])
def test_people_who_may_see_analytics_get_the_report(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    assert client.get(REPORT).status_code == 200
    assert client.get(REPORT, {"export": "csv"}).status_code == 200


def test_hr_gets_the_admins_permission_denied_and_no_numbers(client, demo, four_officers):
    sign_in_with_mfa(client, demo["hr"])
    for params in ({}, {"export": "csv"}, {"export": "xlsx"}):
        response = client.get(REPORT, params)
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    response = client.get(reverse("scenario_step_analytics_results"), headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 403


def test_an_officer_is_refused_the_admin_not_sent_to_sign_in_again(client, demo, four_officers):
    client.force_login(demo["officer"])
    response = client.get(REPORT)
    assert response.status_code == 403


@pytest.mark.parametrize(("username", "shown"), [("trainer", True), ("policyowner", True), ("hr", False)])
def test_the_menu_item_is_shown_only_to_people_who_may_see_the_report(demo, username, shown):
    request = RequestFactory().get("/admin/")
    request.user = demo[username]
    item = step_analytics.get_menu_item()
    assert item.is_shown(request) is shown
    assert item.url == REPORT


def test_the_reports_menu_links_to_the_report_for_a_trainer_only(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    assert REPORT in client.get(reverse("wagtailadmin_home")).content.decode()
    sign_in_with_mfa(client, demo["hr"])
    assert REPORT not in client.get(reverse("wagtailadmin_home")).content.decode()


# Query count ------------------------------------------------------------------------------------


def _queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REPORT, params)
        if params.get("export") == "csv":
            b"".join(response.streaming_content)  # the CSV is written as it streams
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"export": "csv"}, {"org_unit": "1", "answered_from": "2000-01-01"}],
    ids=["page", "csv", "filtered"],
)
def test_the_query_count_does_not_grow_with_the_number_of_attempts(demo, trainer, params):
    module = demo["module"]
    if "org_unit" in params:
        params = {**params, "org_unit": OrgUnit.objects.get(code="met").pk}
    picks = [STEP_1_RIGHT, STEP_1_WITH_141, STEP_1_WHATSAPP]

    for n in range(2):
        answer(officer(demo), module, [picks[n % 3]], ["True" if n % 2 else "False"])
    trainer.get(REPORT, params)  # warm the per-process caches (content types, site) first
    with_two = _queries(trainer, params)

    for n in range(4):
        answer(officer(demo), module, [picks[n % 3]], ["True" if n % 2 else "False"])
    with_six = _queries(trainer, params)

    assert Attempt.objects.count() == 7  # the six here and the seeded officer's
    assert with_six == with_two


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_prompt_that_looks_like_a_formula_is_exported_as_text(trainer, demo, export_format):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    scenario.steps[0].value["prompt"] = FORMULA_NAME
    scenario.save_revision().publish()
    attempt = begin_module(demo["officer"], demo["module"])
    step = walk(attempt).current
    record_response(attempt, step.position, [step.options[0].id])
    response = trainer.get("/admin/reports/scenario-steps/", {"export": export_format})
    assert_formula_safe(csv_cells(response) if export_format == "csv" else xlsx_cells(response))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, verb="scenario-steps").exists()
