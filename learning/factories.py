import factory

from people.factories import UserFactory

from .models import Enrolment


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    user = factory.SubFactory(UserFactory)
    due_date = factory.Faker("date_between", start_date="+1d", end_date="+60d")
