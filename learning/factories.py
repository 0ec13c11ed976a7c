import factory
from wagtail.models import Page

from core.factories import PublishedPageFactory
from people.factories import UserFactory

from .models import Enrolment, ModuleIndexPage, ModulePage


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    due_date = factory.Faker("date_between", start_date="+1d", end_date="+60d")


class ModuleIndexPageFactory(PublishedPageFactory):
    """The home of the modules, under the root page. There is only ever one (``max_count``)
    and a test database has the demo's: ``module_index()`` finds it."""

    class Meta:
        model = ModuleIndexPage

    parent = factory.LazyFunction(Page.get_first_root_node)
    title = "Training"


def module_index() -> ModuleIndexPage:
    """The module index, made if there is none yet."""
    return ModuleIndexPage.objects.first() or ModuleIndexPageFactory()


class ModulePageFactory(PublishedPageFactory):
    """A published module under the module index, with no scenarios and no policy to attest
    to. Give it scenarios with ``ScenarioPageFactory(parent=module)``."""

    class Meta:
        model = ModulePage

    parent = factory.LazyFunction(module_index)
    title = factory.Sequence(lambda n: f"Module {n}")
    summary = "A module."
