"""The people rules: who is within an org unit (the unit and every unit below it)."""

import pytest
from django.contrib.auth.models import Permission

from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit, User
from people.permissions import manages


@pytest.fixture
def tree(db):
    """force → north → north team, and force → south; a person in each, and one with no unit."""
    force = OrgUnitFactory(name="Force")
    north = OrgUnitFactory(name="North", parent=force)
    north_team = OrgUnitFactory(name="North Team", parent=north)
    south = OrgUnitFactory(name="South", parent=force)
    units = {unit.name: OrgUnit.objects.get(pk=unit.pk) for unit in (force, north, north_team, south)}
    people = {name: UserFactory(org_unit=unit) for name, unit in units.items()}
    people["nowhere"] = UserFactory(org_unit=None)
    return units, people


def test_a_units_own_people_and_its_sub_units_people_are_within_it_and_a_siblings_are_not(tree):
    units, people = tree
    within = set(User.objects.within(units["North"]))
    assert within == {people["North"], people["North Team"]}


def test_the_people_within_several_units_are_those_within_any_of_them(tree):
    units, people = tree
    within = set(User.objects.within(units["North Team"], units["South"]))
    assert within == {people["North Team"], people["South"]}


def test_nobody_is_within_no_units(tree):
    assert not User.objects.within().exists()


def test_everyone_with_a_unit_in_the_tree_is_within_its_top(tree):
    units, people = tree
    assert set(User.objects.within(units["Force"])) == {person for name, person in people.items() if name != "nowhere"}


def test_the_org_units_within_a_unit_are_it_and_the_units_below_it(tree):
    units, _ = tree
    found = OrgUnit.objects.filter(OrgUnit.within_q(units["North"], field=""))
    assert set(found) == {units["North"], units["North Team"]}


def test_contains_says_what_within_finds(tree):
    units, people = tree
    for unit in units.values():
        within = set(User.objects.within(unit))
        for person in people.values():
            if person.org_unit is not None:
                assert unit.contains(person.org_unit) == (person in within), (unit, person)


def test_a_unit_contains_itself_and_not_its_parent_or_sibling(tree):
    units, _ = tree
    assert units["North"].contains(units["North"])
    assert units["North"].contains(units["North Team"])
    assert not units["North Team"].contains(units["North"])
    assert not units["North"].contains(units["South"])


def test_a_units_path_and_above_are_the_units_that_contain_it(tree):
    units, _ = tree
    above = OrgUnit.path_and_above(units["North Team"].path)
    assert above == [units["Force"].path, units["North"].path, units["North Team"].path]
    assert {unit.path for unit in units.values() if unit.contains(units["North Team"])} == set(above)


def test_a_line_manager_manages_the_people_within_their_unit_only(tree):
    units, people = tree
    manager = UserFactory(org_unit=units["North"])
    manager.user_permissions.add(Permission.objects.get(codename="view_team"))
    manager = User.objects.get(pk=manager.pk)  # a fresh permission cache
    assert manages(manager, people["North"]) and manages(manager, people["North Team"])
    assert not manages(manager, people["South"]) and not manages(manager, people["Force"])
    assert not manages(manager, people["nowhere"])


def test_without_the_team_permission_nobody_is_managed(tree):
    units, people = tree
    assert not manages(UserFactory(org_unit=units["Force"]), people["North"])


def test_the_people_manager_still_creates_users_as_django_does(db):
    person = User.objects.create_user("newcomer", "newcomer@attest.example", "correct-horse-battery")
    admin = User.objects.create_superuser("breakglass", "breakglass@attest.example", "correct-horse-battery")
    assert person.check_password("correct-horse-battery") and not person.is_staff
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get_by_natural_key("newcomer") == person
