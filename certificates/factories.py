import factory
from django.utils import timezone

from .models import PolicyDocument, PolicyVersion


class PolicyDocumentFactory(factory.django.DjangoModelFactory):
    """A policy with no versions stored yet and nothing drafted."""

    class Meta:
        model = PolicyDocument

    title = factory.Sequence(lambda n: f"Policy {n}")
    reference = factory.Sequence(lambda n: f"POL-{n:03d}")


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A version of a policy, stored as publishing stores one and taking effect today: a
    material change unless ``material=False``. Its text is hashed when it is saved and fixed
    once someone attests to it, so a different wording is another version."""

    class Meta:
        model = PolicyVersion

    document = factory.SubFactory(PolicyDocumentFactory)
    version_label = factory.Sequence(lambda n: f"{n + 1}.0")
    effective_date = factory.LazyFunction(timezone.localdate)
    body = factory.LazyAttribute(lambda version: f"1. The rules of {version.document.title}.")
    statement = "I have read and understood this policy."
