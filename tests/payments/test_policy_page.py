"""The payment policy page: its admins see and change it (a new version each time); nobody else."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from groups.models import StaffRole
from payments.models import PaymentPolicy
from payments.services.policy import policy_current, policy_update

pytestmark = pytest.mark.django_db


def url(organisation):
    return reverse("payments:policy", args=[organisation.pk])


def form_data(**overrides) -> dict:
    data = {
        "hourly_rate_pence": "25.00",
        "half_day_hours": "4",
        "half_day_pence": "75.00",
        "full_day_pence": "150.00",
        "time_basis": "attended",
        "late_grace_minutes": "15",
        "pays_preparation": "on",
        "methods": ["bank", "voucher", "cash", "none"],
        "charity_name": "",
        "mileage_pence_per_mile": "45",
        "target_working_days": "2",
        "benefits_weekly_pence": "195.00",
        "benefits_yearly_pence": "1000.00",
    }
    data.update(overrides)
    return data


def test_an_admin_sees_the_policy_with_plain_hints(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.get(url(organisation))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Payment policy</h1>" in page
    assert 'value="25.00"' in page
    assert "approved rate is 45p" in page
    assert "we aim for 2 working days" in page
    assert "Changes apply to sessions from now on. Claims already made keep the policy they were made under" in page
    assert "aria-describedby" in page


def test_saving_makes_a_new_version_and_the_history_shows_it(client, organisation, org_admin):
    client.force_login(org_admin)
    response = client.post(
        url(organisation),
        form_data(hourly_rate_pence="£30", methods=["voucher", "charity"], charity_name="Bayside Food Bank"),
    )
    assert response.status_code == 302
    policy = policy_current(organisation=organisation)
    assert (policy.version, policy.hourly_rate_pence, policy.methods) == (2, 3000, ["voucher", "charity"])
    page = client.get(url(organisation)).content.decode()
    assert "version 2" in page and "Olu Admin" in page and "£30" in page


def test_saving_the_same_policy_makes_no_new_version(client, organisation, org_admin):
    client.force_login(org_admin)
    client.get(url(organisation))
    response = client.post(url(organisation), form_data(), follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert PaymentPolicy.objects.filter(organisation=organisation).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hourly_rate_pence": "twenty"}, "Enter the hourly rate in pounds and pence"),
        ({"hourly_rate_pence": "1e26"}, "Enter the hourly rate in pounds and pence"),
        ({"half_day_pence": "200"}, "The half-day amount cannot be more than the full-day amount."),
        ({"methods": ["charity"]}, "Enter the name of the charity"),
        ({"target_working_days": "45"}, "between 1 and 30"),
    ],
)
def test_a_bad_amount_shows_the_error_summary_and_keeps_what_was_typed(
    client, organisation, org_admin, overrides, message
):
    client.force_login(org_admin)
    response = client.post(url(organisation), form_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert "<title>Error: " in page
    typed = overrides.get("hourly_rate_pence") or overrides.get("half_day_pence")
    if typed:
        assert f'value="{typed}"' in page
    assert PaymentPolicy.objects.filter(organisation=organisation).count() <= 1


def test_the_history_shows_the_last_ten_versions(client, organisation, org_admin):
    for pence in range(2501, 2513):
        policy_update(organisation=organisation, acting_user=org_admin, hourly_rate_pence=pence)
    client.force_login(org_admin)
    page = client.get(url(organisation)).content.decode()
    assert "Showing the last 10 versions" in page
    assert "£25.12" in page and "£25.03" in page and "£25.02" not in page


@pytest.mark.parametrize("who", ["finance_officer", "facilitator"])
def test_other_staff_of_the_organisation_are_refused(client, organisation, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(organisation)).status_code == 403
    assert client.post(url(organisation), form_data(hourly_rate_pence="99")).status_code == 403
    assert not PaymentPolicy.objects.filter(hourly_rate_pence=9900).exists()


def test_another_organisations_admin_gets_not_found(client, organisation, other_organisation, make_user, grant):
    stranger = grant(make_user(email="admin@hillside.test"), other_organisation, StaffRole.Role.ADMIN)
    client.force_login(stranger)
    assert client.get(url(organisation)).status_code == 404
    assert client.post(url(organisation), form_data(hourly_rate_pence="99")).status_code == 404


def test_signed_out_goes_to_sign_in(client, organisation):
    response = client.get(url(organisation))
    assert response.status_code == 302 and "login" in response["Location"]


TYPED = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "1e26", "NaN", "£1,000,000.001", "25.5", "99999999999999999999", "\x00"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Good values mixed in, so whole valid policies are saved too, not only refused
    hourly=st.one_of(st.just("25.00"), TYPED),
    half=st.one_of(st.just("75.00"), TYPED),
    days=st.one_of(st.just("2"), TYPED),
    mileage=st.one_of(st.just("45"), TYPED),
    charity=st.text(max_size=200),
    methods=st.one_of(
        st.lists(st.sampled_from(["bank", "voucher", "cash", "none"]), min_size=1, max_size=4),
        st.lists(st.sampled_from(["bank", "voucher", "cash", "charity", "none", "gold"]), max_size=6),
    ),
)
@example(hourly="25.00", half="75.00", days="2", mileage="45", charity="", methods=["bank", "none"])
def test_hostile_input_never_fails_and_saves_only_a_whole_valid_policy(
    client, organisation, org_admin, hourly, half, days, mileage, charity, methods
):
    client.force_login(org_admin)
    before = PaymentPolicy.objects.filter(organisation=organisation).count()
    data = form_data(
        hourly_rate_pence=hourly,
        half_day_pence=half,
        target_working_days=days,
        mileage_pence_per_mile=mileage,
        charity_name=charity,
        methods=methods,
    )
    response = client.post(url(organisation), data)
    assert response.status_code in (200, 302)
    after = PaymentPolicy.objects.filter(organisation=organisation).order_by("-version")
    if response.status_code == 200:
        assert "There is a problem" in response.content.decode()
        assert after.count() == max(before, 1)
    else:
        newest = after.first()
        assert newest.half_day_pence <= newest.full_day_pence and newest.methods
        assert 1 <= newest.target_working_days <= 30 and newest.mileage_pence_per_mile <= 100
