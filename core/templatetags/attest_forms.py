from django import template

register = template.Library()

# Where the error summary points for an error that belongs to no visible field, on a form that
# has none (a confirmation with only a button): the message the form shows above its button.
FORM_ERROR_ID = "form-error"


@register.filter
def error_pairs(form) -> list[tuple[str, str]]:
    """A form's errors as (field id, message) pairs for the GOV.UK error summary.

    Errors that belong to no field, or to a hidden one, point at the form's first visible
    field, or at the form's own error message when it has no visible field.
    """
    return _error_pairs(form, plain=False)


@register.filter
def govuk_error_pairs(form) -> list[tuple[str, str]]:
    """``error_pairs`` for a form drawn by ``govuk_fields`` (django-allauth's), with the same
    wording: "Enter current password", not "This field is required."."""
    return _error_pairs(form, plain=True)


def _error_pairs(form, *, plain: bool) -> list[tuple[str, str]]:
    if not getattr(form, "errors", None):  # no form on the page, or no errors
        return []
    visible = [field.name for field in form.visible_fields()]
    pairs = []
    for name, messages in form.errors.items():
        target = name if name in visible else (visible[0] if visible else None)
        field_id = form[target].id_for_label if target else FORM_ERROR_ID
        if plain and name in form.fields:
            messages = [_plain_message(form[name], message) for message in messages]
        pairs += [(field_id, message) for message in messages]
    return pairs


@register.inclusion_tag("components/form_fields.html")
def govuk_fields(form, unlabeled: bool = False) -> dict:
    """Every field of a Django form as GOV.UK Frontend form groups: label (in sentence case),
    hint, error message and the widget with GOV.UK's classes, its own attributes
    (``autocomplete``...) kept.

    Errors of the whole form and of hidden fields are shown at the first visible field (where
    the error summary points), or on their own when the form has no visible field.
    ``unlabeled`` is django-allauth's wish for placeholder-only inputs; GOV.UK labels every
    input, so it is ignored.
    """
    orphan_errors = list(form.non_field_errors())
    for field in form.hidden_fields():
        orphan_errors += list(field.errors)
    visible = form.visible_fields()
    rows = [_field_context(field, orphan_errors if index == 0 else []) for index, field in enumerate(visible)]
    return {
        "hidden_fields": form.hidden_fields(),
        "rows": rows,
        "form_errors": orphan_errors if not visible else [],
        "form_error_id": FORM_ERROR_ID,
    }


INPUT_CLASSES = {"textarea": "govuk-textarea", "select": "govuk-select", "checkbox": "govuk-checkboxes__input"}


def _field_context(field, extra_errors: list[str]) -> dict:
    widget_type = field.widget_type
    errors = extra_errors + [_plain_message(field, message) for message in field.errors]
    hint_id = f"{field.auto_id}-hint" if field.help_text else ""
    error_id = f"{field.auto_id}-error" if errors else ""
    css = INPUT_CLASSES.get(widget_type, "govuk-input")
    if errors and widget_type != "checkbox":
        css += f" {css}--error"
    # GOV.UK puts the hint above the input and never relies on a placeholder.
    field.field.widget.attrs.pop("placeholder", None)
    attrs = {"class": css}
    described_by = " ".join(part for part in (hint_id, error_id) if part)
    if described_by:
        attrs["aria-describedby"] = described_by
    return {
        "field": field,
        "label": _sentence_case(str(field.label)),
        "kind": widget_type if widget_type in ("checkbox", "textarea", "select") else "input",
        "widget": field.as_widget(attrs=attrs),
        "errors": errors,
        "hint_id": hint_id,
        "error_id": error_id,
    }


def _sentence_case(label: str) -> str:
    """django-allauth's Title Case labels ("New Password") in GOV.UK's sentence case."""
    words = label.split(" ")
    if len(words) > 1 and all(word[:1].isupper() or not word[:1].isalpha() for word in words):
        return " ".join([words[0], *(word.lower() for word in words[1:])])
    return label


def _plain_message(field, message: str) -> str:
    """Django's "This field is required." says which field only by where it stands; GOV.UK
    says what to do."""
    if message == field.field.error_messages.get("required"):
        return f"Enter {_sentence_case(str(field.label)).lower()}"
    return message


@register.filter
def plain_errors(field) -> list[str]:
    """A bound field's errors worded as ``govuk_fields`` and ``govuk_error_pairs`` word them."""
    return [_plain_message(field, message) for message in field.errors]
