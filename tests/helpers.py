"""Small helpers shared by the request and service tests."""

from scenarios.models import Attempt
from scenarios.services import Step, steps_in_list_order


def right_answers(step: Step) -> list[str]:
    return sorted(step.correct_ids)


def wrong_answers(step: Step) -> list[str]:
    return [next(option.id for option in step.options if not option.correct)]


def pass_module(client, module) -> Attempt:
    """Start the module as the signed-in client and answer every step right."""
    client.post(f"/modules/{module.pk}/start/")
    attempt = Attempt.objects.filter(module_id=module.pk).latest("started_at")
    for step in steps_in_list_order(attempt):
        client.post(f"/attempts/{attempt.public_id}/steps/{step.position}/", {"answer": right_answers(step)})
    attempt.refresh_from_db()
    return attempt


def attestation_form(module, full_name: str, **fields) -> dict:
    """What the attestation form posts: confirmation, name, and the fingerprint of the text shown."""
    version = module.policy_document.current_version()
    return {"confirm": "on", "full_name": full_name, "body_sha256": version.body_sha256, **fields}


def attest(client, module, full_name: str):
    return client.post(f"/modules/{module.pk}/attest/", attestation_form(module, full_name))
