def test_group_fixture(group_with_members):
    assert group_with_members.memberships.active().count() == 4
