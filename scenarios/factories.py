import factory

from core.factories import PublishedPageFactory

from .models import ScenarioPage


def one_true_or_false_step() -> list[tuple[str, dict]]:
    return [
        (
            "true_false",
            {
                "prompt": "You may ring a witness from your own phone if you withhold your number.",
                "answer": "false",
                "feedback_if_right": "Right: use a landline or a radio, even if it takes longer.",
                "feedback_if_wrong": "Not without a policing purpose: use a landline or a radio.",
            },
        )
    ]


class ScenarioPageFactory(PublishedPageFactory):
    """A published scenario with one true-or-false step. Pass ``parent``, the module page it
    belongs to: scenarios knows nothing of modules (learning does)."""

    class Meta:
        model = ScenarioPage

    title = factory.Sequence(lambda n: f"Scenario {n}")
    narrative = "<p>You are on duty and need to call a witness back.</p>"
    steps = factory.LazyFunction(one_true_or_false_step)
