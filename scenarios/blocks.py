"""Step blocks for a scenario's StreamField.

Each step is a question an officer answers; every option carries its own feedback and may
cite the policy clause it rests on. A decision point's options each lead somewhere: to
another step of the scenario, or to its end. ``StepValue`` gives the engine one shape for
every kind of step (``options()`` and ``next_step()``), so scoring, walking and rendering
never branch on the block type.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError

from .graph import END, Node, problems


def topic_tags(text: str | None) -> list[str]:
    """A step's topics field ("withholding-141, landline-or-radio") as a list of tags."""
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str
    clause_reference: str = ""
    clause_text: str = ""
    consequence: str = ""
    leads_to: str = ""


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300, required_on_save=True, help_text="What the officer could do or say.")
    correct = blocks.BooleanBlock(required=False, help_text="Tick if this is a right answer.")
    feedback = blocks.TextBlock(
        required_on_save=True, help_text="Shown after the officer chooses this option: say why."
    )
    clause_reference = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="The policy clause this feedback rests on, e.g. “Personal devices policy v2.0, clause 4”. "
        "Ending with “clause” and its number links it to that clause of the policy.",
    )
    clause_text = blocks.TextBlock(required=False, help_text="The words of that clause, quoted.")

    class Meta:
        icon = "tick-inverse"
        label = "Option"


class StepTargetBlock(blocks.CharBlock):
    """Where a step or a choice leads: the name of a step of the same scenario, or ``END``.

    Stored as text, because the steps it can name are those of the StreamField being edited,
    which no server-side choice list can know before the form is posted. In the editor,
    ``scenario_step_targets.js`` shows it as a list of the scenario's named steps, kept up to
    date as steps are named, added, moved and removed; without JavaScript it stays a text box.
    Either way the save-time check (``StepStreamBlock.clean``) refuses a name that is not a
    step, and lists the names it could be."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The script finds the fields it turns into lists by this attribute.
        self.field.widget.attrs["data-scenario-step-target"] = ""


class DecisionOptionBlock(OptionBlock):
    consequence = blocks.TextBlock(
        required_on_save=True,
        help_text="What happens next in the story because of this choice, told to the officer.",
    )
    leads_to = StepTargetBlock(
        max_length=50,
        required_on_save=True,
        help_text=f"The step this choice leads to (only named steps can be chosen), or “{END}” to finish the scenario.",
    )

    class Meta:
        icon = "arrow-right"
        label = "Choice"


class StepValue(blocks.StructValue):
    multiple = False
    shuffle = True

    def topic_tags(self) -> list[str]:
        return topic_tags(self.get("topics"))

    def options(self) -> list[Option]:
        # Read on every step of every replay of an attempt: built once per value (a pinned
        # revision's values are shared, read-only), and handed out as a new list each time.
        built = self.__dict__.get("_options")
        if built is None:
            built = self.__dict__["_options"] = self._build_options()
        return list(built)

    def _build_options(self) -> list[Option]:
        return [
            Option(
                id=str(item.id),
                text=item.value["text"],
                correct=bool(item.value["correct"]),
                feedback=item.value["feedback"],
                clause_reference=item.value["clause_reference"] or "",
                clause_text=item.value["clause_text"] or "",
                consequence=item.value.get("consequence") or "",
                leads_to=(item.value.get("leads_to") or "").strip() or END,
            )
            for item in self["options"].bound_blocks
        ]

    def targets(self, following: str) -> tuple[str, ...]:
        """Every step name this step can lead to; ``following`` is the next step in the list."""
        return ((self.get("then") or "").strip() or following,)

    def next_step(self, chosen: list[Option], following: str) -> str:
        """The name of the step after this one, given the options chosen."""
        return self.targets(following)[0]


class MultipleResponseValue(StepValue):
    multiple = True


class DecisionValue(StepValue):
    def targets(self, following: str) -> tuple[str, ...]:
        return tuple(option.leads_to for option in self.options())

    def next_step(self, chosen: list[Option], following: str) -> str:
        return chosen[0].leads_to if chosen else END


class TrueFalseValue(StepValue):
    shuffle = False  # "True" then "False", always

    def options(self) -> list[Option]:
        answer = self["answer"] == "true"
        shared = {"clause_reference": self["clause_reference"], "clause_text": self["clause_text"]}
        return [
            Option(
                id="true",
                text="True",
                correct=answer,
                feedback=self["feedback_if_right"] if answer else self["feedback_if_wrong"],
                **shared,
            ),
            Option(
                id="false",
                text="False",
                correct=not answer,
                feedback=self["feedback_if_wrong"] if answer else self["feedback_if_right"],
                **shared,
            ),
        ]


class BaseStepBlock(blocks.StructBlock):
    name = blocks.CharBlock(
        required=False,
        max_length=50,
        help_text="A short name for this step, e.g. “call-back”. Needed only when a choice leads here.",
    )
    prompt = blocks.TextBlock(
        required_on_save=True, help_text="The situation at this step and the question, in the second person."
    )
    critical = blocks.BooleanBlock(
        required=False,
        help_text="A wrong answer here fails the module whatever the score (bright-line rules).",
    )
    topics = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text="The topics this step teaches, separated by commas, e.g. “withholding-141, landline-or-radio”.",
    )


class LinearStepBlock(BaseStepBlock):
    then = StepTargetBlock(
        required=False,
        max_length=50,
        help_text=f"Leave blank to go on to the next step in the list; or give a step's name, or “{END}”.",
    )


_PREVIEW_OPTIONS = [
    {
        "text": "Call from the station landline",
        "correct": True,
        "feedback": "Right: police landlines are there for exactly this.",
        "clause_reference": "",
        "clause_text": "",
    },
    {
        "text": "Call from your own phone with 141",
        "correct": False,
        "feedback": "No: your own phone is not for policing business with the public.",
        "clause_reference": "",
        "clause_text": "",
    },
]


class OptionListBlock(blocks.ListBlock):
    """A step's options. Give it ``default=two_empty(child)`` and ``min_num=2``: Wagtail's own
    default of one empty option made every new step open with a red "The minimum number of
    items is 2" before the trainer had typed anything. Too few on save says what to do."""

    def clean(self, value):
        try:
            return super().clean(value)
        except ListBlockValidationError as error:
            minimum = self.meta.min_num
            if minimum is None or len(self.normalize(value)) >= minimum:
                raise
            noun = f"{self.child_block.meta.label or 'option'}s".lower()
            # Wagtail's words first (the content loader's messages quote them), then what to do.
            message = (
                f"The minimum number of items is {minimum}: "
                f"give at least {minimum} {noun}, so the officer has a real choice."
            )
            others = [item for item in error.non_block_errors.as_data() if "minimum number" not in str(item.message)]
            raise ListBlockValidationError(
                block_errors=error.block_errors, non_block_errors=ErrorList([message, *others])
            ) from error


def two_empty(child: blocks.StructBlock) -> list[dict]:
    """Two options with every field empty: a new step's starting point (plain values, so the
    block definition can be written into migrations)."""
    empty = {name: block.get_default() for name, block in child.child_blocks.items()}
    return [dict(empty), dict(empty)]


class OptionsStepBlock(LinearStepBlock):
    """A step whose options the trainer writes; subclasses say how many may be right."""

    options = OptionListBlock(OptionBlock(), min_num=2, default=two_empty(OptionBlock()))
    multiple_right = False

    def clean(self, value):
        value = super().clean(value)
        right = sum(1 for option in value["options"] if option["correct"])
        if self.multiple_right and right == 0:
            message = "Mark at least one option as right."
        elif not self.multiple_right and right != 1:
            message = "Mark exactly one option as right."
        else:
            return value
        raise blocks.StructBlockValidationError(non_block_errors=ErrorList([message]))


class SingleChoiceBlock(OptionsStepBlock):
    class Meta:
        icon = "radio-full"
        label = "Single choice"
        value_class = StepValue
        template = "scenarios/blocks/step_preview.html"
        help_text = "The officer picks one option. Exactly one option must be right."
        preview_value = {"prompt": "You need to call a witness back. What do you do?", "options": _PREVIEW_OPTIONS}
        description = "A question with one right answer"


class MultipleResponseBlock(OptionsStepBlock):
    multiple_right = True

    class Meta:
        icon = "list-ul"
        label = "Multiple response"
        value_class = MultipleResponseValue
        template = "scenarios/blocks/step_preview.html"
        help_text = "The officer ticks every option that applies; all right options are needed."
        preview_value = {"prompt": "Which of these may you use to call the public?", "options": _PREVIEW_OPTIONS}
        description = "A question with several right answers"


class TrueFalseBlock(LinearStepBlock):
    answer = blocks.ChoiceBlock(choices=[("true", "True"), ("false", "False")], default="false")
    feedback_if_right = blocks.TextBlock(required_on_save=True)
    feedback_if_wrong = blocks.TextBlock(required_on_save=True)
    clause_reference = blocks.CharBlock(required=False, max_length=120)
    clause_text = blocks.TextBlock(required=False)

    class Meta:
        icon = "help"
        label = "True or false"
        value_class = TrueFalseValue
        template = "scenarios/blocks/step_preview.html"
        help_text = "A statement the officer marks true or false."
        preview_value = {
            "prompt": "Withholding your number with 141 makes a call from your own phone acceptable.",
            "answer": "false",
            "feedback_if_right": "Right: 141 hides the number; it does not create a policing purpose.",
            "feedback_if_wrong": "No: 141 hides the number; it does not create a policing purpose.",
        }
        description = "A statement that is true or false"


class DecisionPointBlock(BaseStepBlock):
    options = OptionListBlock(
        DecisionOptionBlock(),
        min_num=2,
        default=two_empty(DecisionOptionBlock()),
        help_text="At least one choice must be right.",
    )

    class Meta:
        icon = "snippet"
        label = "Decision point"
        value_class = DecisionValue
        template = "scenarios/blocks/step_preview.html"
        help_text = "The officer decides what to do; each choice has a consequence and leads to a step or the end."
        preview_value = {
            "prompt": "The witness does not answer the landline. What now?",
            "options": [
                {**_PREVIEW_OPTIONS[0], "consequence": "Control raise the witness.", "leads_to": END},
                {**_PREVIEW_OPTIONS[1], "consequence": "The witness answers a withheld call.", "leads_to": END},
            ],
        }
        description = "A choice that branches the scenario"


def step_names(stream) -> list[str]:
    """The name of each step of a stream, in order: its own name, or its id if unnamed."""
    return [(child.value.get("name") or "").strip() or f"#{child.id}" for child in stream]


def following_step(names: list[str], index: int) -> str:
    """The name of the step after the one at ``index`` in the list; ``END`` after the last."""
    return names[index + 1] if index + 1 < len(names) else END


def right_path(stream, start: int = 0) -> list[int]:
    """The indexes of the steps a scenario's right answers lead through from the step at
    ``start``: each step's ``next_step`` given its right options (the first right choice at a
    decision point), until the scenario ends or the path comes back to a step already on it.
    The one definition of "the right path", for the step count officers see and the module's
    measured reading time."""
    names = step_names(stream)
    path: list[int] = []
    index: int | None = start
    while index is not None and index not in path:
        path.append(index)
        value = stream[index].value
        right = [option for option in value.options() if option.correct]
        target = value.next_step(right, following_step(names, index))
        index = names.index(target) if target != END and target in names else None
    return path


def _shorten(text: str, length: int = 60) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= length else words[: length - 1].rstrip() + "…"


def graph_nodes(stream) -> list[Node]:
    """The scenario's steps as graph nodes, for checking and drawing its shape."""
    names = step_names(stream)
    nodes = []
    for index, child in enumerate(stream):
        following = following_step(names, index)
        label = f"Step {index + 1}" + (f" (“{child.value['name']}”)" if child.value.get("name") else "")
        options = child.value.options()
        routes = (
            tuple(f"choice {number} (“{_shorten(option.text)}”)" for number, option in enumerate(options, start=1))
            if isinstance(child.value, DecisionValue)
            else ()
        )
        nodes.append(
            Node(
                name=names[index],
                leads_to=child.value.targets(following),
                has_right_answer=any(option.correct for option in options),
                label=label,
                summary=child.value["prompt"],
                routes=routes,
            )
        )
    return nodes


class StepStreamBlock(blocks.StreamBlock):
    single_choice = SingleChoiceBlock()
    multiple_response = MultipleResponseBlock()
    true_false = TrueFalseBlock()
    decision_point = DecisionPointBlock()

    class Meta:
        min_num = 1

    def clean(self, value):
        value = super().clean(value)
        found = problems(graph_nodes(value))
        if found:
            raise blocks.StreamBlockValidationError(non_block_errors=ErrorList([message for _, message in found]))
        return value
