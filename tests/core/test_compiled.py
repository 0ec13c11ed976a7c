import pytest

from core.compiled import Compiled
from learning.factories import EnrolmentFactory
from learning.models import Enrolment
from people.factories import UserFactory
from people.models import User

pytestmark = pytest.mark.django_db


def _fields(rows):
    return [{name: value for name, value in row.__dict__.items() if name != "_state"} for row in rows]


def test_a_compiled_query_gives_the_rows_the_orm_gives_for_each_new_value(demo):
    by_module = Compiled(
        lambda user_id, module_id: Enrolment.objects.filter(user_id=user_id, module_id=module_id).order_by("-cycle")
    )
    people = [UserFactory() for _ in range(3)]
    for person in people[:2]:
        EnrolmentFactory(user=person, module=demo["module"])
    for person in people:
        expected = Enrolment.objects.filter(user_id=person.pk, module_id=demo["module"].pk).order_by("-cycle")
        assert _fields(by_module(user_id=person.pk, module_id=demo["module"].pk)) == _fields(expected)
    assert len(_fields(by_module(user_id=people[0].pk, module_id=demo["module"].pk))) == 1
    assert _fields(by_module(user_id=people[2].pk, module_id=demo["module"].pk)) == []


def test_a_compiled_query_is_compiled_once_and_run_without_the_orm_compiling_again(demo, django_assert_num_queries):
    by_name = Compiled(lambda username: User.objects.filter(username=username))
    assert [user.pk for user in by_name(username="officer")] == [demo["officer"].pk]
    compiled = dict(by_name._compiled)
    manager = User.objects.get(username="manager")
    with django_assert_num_queries(1):
        assert [user.pk for user in by_name(username="manager")] == [manager.pk]
    assert by_name._compiled == compiled  # the same SQL, not compiled again


def test_a_value_that_does_not_reach_the_sql_unchanged_is_refused():
    starting = Compiled(lambda prefix: User.objects.filter(username__startswith=prefix))
    with pytest.raises(ValueError, match="exact match: prefix"):
        starting(prefix="off")


def test_related_rows_and_values_of_other_types_are_refused():
    with pytest.raises(ValueError, match="no select_related"):
        Compiled(lambda user_id: Enrolment.objects.filter(user_id=user_id).select_related("user"))(user_id=1)
    with pytest.raises(TypeError, match="whole numbers and strings"):
        Compiled(lambda active: User.objects.filter(is_active=active))(active=True)
