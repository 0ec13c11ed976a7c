"""The training transcript: the evidence pack a misconduct hearing asks for."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from certificates.chain import seal_digest
from certificates.factories import PolicyVersionFactory
from certificates.models import Attestation, Certificate
from certificates.services import Context, attest, issue_certificate, revoke
from core.kept import Kept
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.services import begin_module
from people.factories import UserFactory
from people.models import User
from records.transcript import render_transcript, transcript_for
from scenarios.models import Attempt
from tests.helpers import WrongOnFirstCritical, answer_path, certified, travel_to


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_texts(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fresh(user) -> User:
    """The person as a view would load them: nothing cached on the instance."""
    return User.objects.get(pk=user.pk)


def add_attempts(user, module, count: int, *, first_number: int = 1) -> list[Attempt]:
    """Finished attempts written straight to the table: scores 40% upwards, every third passed."""
    start = timezone.now() - datetime.timedelta(days=count + 1)
    attempts = []
    for offset in range(count):
        number = first_number + offset
        started = start + datetime.timedelta(days=offset)
        passed = offset % 3 == 2
        attempts.append(
            Attempt.objects.create(
                user=user,
                module=module,
                number=number,
                seed=number,
                pass_mark=80,
                status=Attempt.Status.PASSED if passed else Attempt.Status.FAILED,
                started_at=started,
                completed_at=started + datetime.timedelta(minutes=12, seconds=offset),
                score_percent=100 if passed else 40 + offset % 40,
            )
        )
    return attempts


@pytest.fixture
def history(client, demo):
    """Sam Taylor fails the module on a critical step, then passes and attests; he also holds
    an older certificate to policy version 1.0, which version 2.0 has superseded."""
    officer, module = demo["officer"], demo["module"]
    failed = begin_module(officer, module)
    answer_path(failed, WrongOnFirstCritical())
    certificate = certified(client, officer, module)
    first_version = module.policy_document.versions.get(version_label="1.0")
    old_attestation = attest(officer, first_version, "Sam Taylor", Context(module_id=module.pk))
    old_certificate = issue_certificate(
        old_attestation, module_id=module.pk, module_title=module.title, valid_months=12
    )
    return {
        "officer": officer,
        "module": module,
        "attempts": list(Attempt.objects.filter(user=officer).order_by("number")),
        "certificate": certificate,
        "old_certificate": old_certificate,
        "attestations": list(Attestation.objects.filter(user=officer).order_by("pk")),
    }


def test_the_transcript_gathers_the_officers_record(history):
    transcript = transcript_for(fresh(history["officer"]))

    assert transcript.person.full_name == "Sam Taylor"
    assert transcript.person.warrant_number == "MP100001"
    assert transcript.person.rank == "Police Constable"
    assert transcript.person.org_unit == "Central West Response Team A"
    [module] = transcript.modules
    assert (module.title, module.pass_mark) == (history["module"].title, 80)
    assert [(enrolment.cycle, enrolment.status) for enrolment in module.enrolments] == [(1, "Complete")]
    assert [(attempt.number, attempt.result) for attempt in module.attempts] == [
        (1, "Failed: critical step"),
        (2, "Passed"),
    ]
    assert [record.row_hash for record in transcript.attestations] == [row.row_hash for row in history["attestations"]]
    assert {record.serial: record.state for record in transcript.certificates} == {
        history["certificate"].display_serial: "valid",
        history["old_certificate"].display_serial: "superseded",
    }


def test_the_transcript_leaves_out_everyone_else(history, demo):
    transcript = transcript_for(fresh(history["officer"]))
    others = Certificate.objects.filter(user=demo["reattest"])
    assert others.exists()  # the seed's returning officer has a certificate of their own
    serials = {record.serial for record in transcript.certificates}
    assert serials.isdisjoint(certificate.display_serial for certificate in others)
    hashes = {record.row_hash for record in transcript.attestations}
    assert hashes.isdisjoint(Attestation.objects.filter(user=demo["reattest"]).values_list("row_hash", flat=True))


def test_the_state_matches_what_a_verifier_reads(history, monkeypatch):
    def states() -> set[str]:
        transcript = transcript_for(fresh(history["officer"]))
        for record in transcript.certificates:
            certificate = next(c for c in Certificate.objects.all() if c.display_serial == record.serial)
            assert record.state == certificate.current_state
        return {record.state for record in transcript.certificates}

    assert states() == {"valid", "superseded"}
    travel_to(monkeypatch, history["certificate"].expires_on + datetime.timedelta(days=1))
    assert states() == {"expired"}  # both past their expiry: expired outranks superseded


def test_the_pdf_carries_the_evidence(history, settings):
    officer = history["officer"]
    transcript = transcript_for(fresh(officer))
    text = pdf_text(render_transcript(transcript))
    compact = "".join(text.split())

    for expected in [
        settings.FORCE_NAME,
        "Training transcript",
        "Sam Taylor",
        "MP100001",
        "Police Constable",
        "Central West Response Team A",
        history["module"].title,
        "Pass mark 80%",
        "Enrolment cycle 1: Complete",
        f"Produced {utc(transcript.produced_at)}",
        timezone.localtime(transcript.produced_at).strftime("%Y-%m-%d %H:%M:%S %Z local time"),
    ]:
        assert expected in text, expected
    for attempt in history["attempts"]:
        row = (
            f"{attempt.number} {utc(attempt.started_at)} {utc(attempt.completed_at)} "
            f"{attempt.score_percent}% {attempt.pass_mark}%"
        )
        assert row in text, row
    assert "Failed: critical step" in text
    assert "Sam Taylor" in text.split("Attestations", 1)[1], "the name typed when attesting"
    for attestation in history["attestations"]:
        assert attestation.policy_version.version_label in text
        assert attestation.body_sha256 in compact, "the full text fingerprint"
        assert utc(attestation.created_at) in text
        assert seal_digest(attestation.row_hash)[:16] in compact
    for certificate in (history["certificate"], history["old_certificate"]):
        assert certificate.display_serial in text
    assert "Valid" in text
    assert "Superseded" in text


def test_a_revoked_certificate_shows_why(history, demo):
    revoke(history["certificate"], reason="Issued in error: attempt under investigation", by=demo["hr"])
    text = pdf_text(render_transcript(transcript_for(fresh(history["officer"]))))
    assert "Revoked Issued in error: attempt under investigation" in text
    assert "Valid" not in text


def test_an_expired_certificate_says_so(history, monkeypatch):
    travel_to(monkeypatch, history["certificate"].expires_on + datetime.timedelta(days=1))
    text = pdf_text(render_transcript(transcript_for(fresh(history["officer"]))))
    assert "Expired" in text
    assert "Valid" not in text


def test_the_pdf_metadata_and_fonts(history, settings):
    data = render_transcript(transcript_for(fresh(history["officer"])))
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Training transcript: Sam Taylor"
    assert reader.metadata.author == settings.FORCE_NAME
    assert "MP100001" in reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    for page in reader.pages:
        fonts = {font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
        assert fonts and all(name.endswith(("VeraSans-Roman", "VeraSans-Bold")) for name in fonts), fonts
    assert b"Helvetica" not in data


def test_someone_with_no_training_gets_a_clear_transcript(db):
    person = UserFactory(first_name="Robin", last_name="O'Neill & Co", warrant_number="MP777777")
    transcript = transcript_for(fresh(person))
    assert (transcript.modules, transcript.attestations, transcript.certificates) == ([], [], [])
    text = pdf_text(render_transcript(transcript))
    for expected in [
        "Robin O'Neill & Co",
        "MP777777",
        "No training recorded.",
        "No attestations recorded.",
        "No certificates issued.",
        "Page 1 of 1",
    ]:
        assert expected in text, expected


def test_a_module_attempted_without_an_enrolment_is_still_listed(demo):
    officer = demo["officer"]
    other = ModulePageFactory(title="Stop and search refresher")
    [attempt] = add_attempts(officer, other, 1)
    transcript = transcript_for(fresh(officer))
    assert [module.title for module in transcript.modules] == [demo["module"].title, "Stop and search refresher"]
    text = pdf_text(render_transcript(transcript))
    assert "Stop and search refresher Pass mark 80%. No enrolment on record." in text
    assert f"1 {utc(attempt.started_at)}" in text


def test_an_attempt_in_progress_has_no_finish_or_score_yet(demo):
    attempt = begin_module(demo["officer"], demo["module"])
    transcript = transcript_for(fresh(demo["officer"]))
    [record] = transcript.modules[0].attempts
    assert (record.result, record.completed_at, record.score_percent) == ("In progress", None, None)
    text = pdf_text(render_transcript(transcript))
    assert f"1 {utc(attempt.started_at)} — — 80% In progress" in text


def test_a_long_history_flows_over_pages_with_the_footer_on_each(demo):
    officer = demo["officer"]
    attempts = add_attempts(officer, demo["module"], 90)
    pages = page_texts(render_transcript(transcript_for(fresh(officer))))

    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        assert f"Sam Taylor, warrant or staff number MP100001 Page {number} of {len(pages)}" in text, number
    # The attempts table repeats its header row on the pages it flows onto.
    assert "Attempt Started Finished Score Pass mark Result" in pages[1]
    everything = " ".join(pages)
    for attempt in attempts:
        assert f"{attempt.number} {utc(attempt.started_at)}" in everything


def count_queries(user) -> int:
    Kept.forget_everything()  # nothing read by an earlier page: each count starts cold
    with CaptureQueriesContext(connection) as queries:
        transcript_for(fresh(user))
    return len(queries) - 1  # less the query that loaded the person


def test_the_queries_do_not_grow_with_modules_attempts_or_attestations(client, demo):
    officer, module = demo["officer"], demo["module"]
    certified(client, officer, module)
    short_history = count_queries(officer)

    add_attempts(officer, module, 5, first_number=2)
    for number in range(3):
        extra = ModulePageFactory(title=f"Module {number}")
        EnrolmentFactory(user=officer, module=extra)
        add_attempts(officer, extra, 4)
        attest(officer, PolicyVersionFactory(), "Sam Taylor", Context(module_id=extra.pk))
    long_history = count_queries(officer)

    transcript = transcript_for(fresh(officer))
    assert (len(transcript.modules), len(transcript.attestations), len(transcript.certificates)) == (4, 4, 1)
    assert sum(len(record.attempts) for record in transcript.modules) == 18
    assert long_history == short_history


def test_each_policy_certified_costs_one_query_for_the_states(client, demo):
    officer, module = demo["officer"], demo["module"]
    certified(client, officer, module)
    one_certificate = count_queries(officer)

    for _ in range(3):
        attestation = attest(officer, PolicyVersionFactory(), "Sam Taylor", Context())
        issue_certificate(attestation, module_id=module.pk, module_title=module.title, valid_months=12)

    assert count_queries(officer) == one_certificate + 3


def test_rendering_reads_nothing_from_the_database(history, django_assert_num_queries):
    transcript = transcript_for(fresh(history["officer"]))
    with django_assert_num_queries(0):
        render_transcript(transcript)
