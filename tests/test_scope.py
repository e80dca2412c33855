"""The scoping rule itself: one function per model, built on `scope_q`."""

import pytest

from fugong.registry.models import Assignment, Enterprise, ListMembership, Visit
from fugong.registry.services import add_to_list, log_visit


def names(qs):
    return {e.name for e in qs}


def test_command_centre_sees_its_region_subtree(cast):
    assert names(Enterprise.objects.visible_to(cast.zhuanban)) == {
        cast.a.name,
        cast.a2.name,
        cast.b.name,
    }
    assert names(Enterprise.objects.visible_to(cast.yanji)) == {cast.a.name, cast.a2.name}
    assert names(Enterprise.objects.visible_to(cast.tumen)) == {cast.b.name}


def test_department_sees_its_region_and_township_only_its_township(cast):
    assert Enterprise.objects.visible_to(cast.department).count() == 3
    assert names(Enterprise.objects.visible_to(cast.township)) == {cast.a.name}


def test_commissioner_sees_only_assigned_enterprises(cast):
    assert names(Enterprise.objects.visible_to(cast.commissioner)) == {cast.a2.name}


def test_enterprise_users_see_only_their_own(cast):
    assert names(Enterprise.objects.visible_to(cast.contact_a)) == {cast.a.name}
    assert names(Enterprise.objects.visible_to(cast.contact_b)) == {cast.b.name}


def test_checkpoint_and_anonymous_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert not Enterprise.objects.visible_to(cast.checkpoint).exists()
    assert not Enterprise.objects.visible_to(AnonymousUser()).exists()
    cast.yanji.is_active = False
    assert not Enterprise.objects.visible_to(cast.yanji).exists()


def test_owned_rows_follow_their_enterprise(cast):
    import datetime

    add_to_list(cast.admin, cast.key_list, cast.a)
    add_to_list(cast.admin, cast.key_list, cast.b)
    log_visit(cast.admin, cast.b, visited_on=datetime.date(2020, 2, 14), observations="已复工")
    assert {m.enterprise for m in ListMembership.objects.visible_to(cast.tumen)} == {cast.b}
    assert {m.enterprise for m in ListMembership.objects.visible_to(cast.contact_a)} == {cast.a}
    assert not Visit.objects.visible_to(cast.yanji).exists()
    assert Visit.objects.visible_to(cast.tumen).count() == 1
    assert {a.enterprise for a in Assignment.objects.visible_to(cast.commissioner)} == {cast.a2}
    assert not Assignment.objects.visible_to(cast.tumen).exists()


@pytest.mark.parametrize("who", ["yanji", "department", "commissioner", "contact_a"])
def test_a_user_never_sees_tumens_enterprise_unless_in_scope(cast, who):
    user = getattr(cast, who)
    expected = who == "department"
    assert Enterprise.objects.visible_to(user).filter(pk=cast.b.pk).exists() is expected
