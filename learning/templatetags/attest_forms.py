from django import template

register = template.Library()


@register.filter
def error_pairs(form) -> list[tuple[str, str]]:
    """A form's errors as (field id, message) pairs for the GOV.UK error summary.

    Errors that belong to no field point at the form's first field.
    """
    if not form.errors:
        return []
    fields = list(form.fields)
    pairs = []
    for name, messages in form.errors.items():
        target = fields[0] if name == "__all__" else name
        pairs += [(form[target].id_for_label, message) for message in messages]
    return pairs
