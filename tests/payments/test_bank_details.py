"""Bank details: the person's own page and service (checks, audit without numbers, the change alert on every
channel), encryption at rest, and the finance officer's reveal (step-up, access trail, 404s)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AccessEvent, AuditEvent
from groups.models import StaffRole
from notifications.models import Message
from payments.models import BankDetails
from payments.services.bank import bank_details_set
from tests.conftest import give_recent_second_step
from tests.payments.factories import held_session, make_claim

GOOD = {"account_name": "Patricia Q Parent", "sort_code": "40-11-62", "account_number": "87654312"}


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errs in error.error_dict.values() for e in errs}
    return {e.code for e in error.error_list}


# --- the service ---------------------------------------------------------------------------------------------


def test_first_time_saves_normalised_and_sends_nothing(parent):
    details = bank_details_set(
        person=parent,
        acting_user=parent,
        account_name="  Pat   Parent ",
        sort_code="12 34 56",
        account_number="7654312",
    )
    details = BankDetails.objects.get(pk=details.pk)
    assert (details.account_name, details.sort_code, details.account_number) == ("Pat Parent", "123456", "07654312")
    assert details.account_number_last2 == "12"
    assert details.masked == "Account ending 12"
    assert not Message.objects.filter(person=parent).exists()
    event = AuditEvent.objects.get(action="bank_details.changed")
    assert event.actor == parent and event.data == {"person": parent.pk, "first_time": True}


def test_audit_never_holds_the_numbers(parent):
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    bank_details_set(person=parent, acting_user=parent, **{**GOOD, "account_number": "11112299"})
    for event in AuditEvent.objects.filter(action="bank_details.changed"):
        text = str(event.data) + event.object_repr
        assert "87654312" not in text and "11112299" not in text and "401162" not in text


def test_change_alerts_by_email_and_text_to_a_confirmed_phone(make_user):
    person = make_user(phone="07700900123", contact_preference="email")  # a confirmed phone (conftest)
    bank_details_set(person=person, acting_user=person, **GOOD)
    bank_details_set(person=person, acting_user=person, **{**GOOD, "account_number": "11112299"})
    sent = Message.objects.filter(person=person, kind="payments.bank_details_changed")
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "text"]  # every channel, not the preference
    for message in sent:
        assert "11112299" not in message.body and "99" not in message.body
        assert "If this was not you" in message.body or "If this was not you" in message.body.replace("\n", " ")
        assert message.key.startswith(f"bank-changed:{person.pk}:")


def test_change_alert_email_only_without_a_confirmed_phone(make_user):
    person = make_user(phone="07700900124", contact_preference="text", phone_confirmed_at=None)
    person.phone_confirmed_at = None
    bank_details_set(person=person, acting_user=person, **GOOD)
    bank_details_set(person=person, acting_user=person, **{**GOOD, "sort_code": "65-43-21"})
    assert list(Message.objects.filter(person=person).values_list("channel", flat=True)) == ["email"]


def test_saving_the_same_details_again_changes_nothing(parent):
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    bank_details_set(person=parent, acting_user=parent, **{**GOOD, "sort_code": "40 11 62"})
    assert AuditEvent.objects.filter(action="bank_details.changed").count() == 1
    assert not Message.objects.filter(person=parent).exists()


def test_only_the_person_themselves(parent, finance_officer):
    with pytest.raises(ValidationError) as caught:
        bank_details_set(person=parent, acting_user=finance_officer, **GOOD)
    assert codes(caught.value) == {"not_yours"}
    assert not BankDetails.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("sort_code", "12345", "sort_code_format"),
        ("sort_code", "12-34-5a", "sort_code_format"),
        ("sort_code", "1234567", "sort_code_format"),
        ("account_number", "123456", "account_number_format"),
        ("account_number", "123456789", "account_number_format"),
        ("account_number", "1234567x", "account_number_format"),
        ("account_name", "   ", "account_name_missing"),
        ("account_name", "A" * 141, "account_name_too_long"),
    ],
)
def test_refuses_bad_details(parent, field, value, code):
    with pytest.raises(ValidationError) as caught:
        bank_details_set(person=parent, acting_user=parent, **{**GOOD, field: value})
    assert codes(caught.value) == {code}
    assert caught.value.error_dict.keys() == {field}
    assert not BankDetails.objects.exists()


def test_encrypted_at_rest(parent):
    details = bank_details_set(person=parent, acting_user=parent, **GOOD)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_name, sort_code, account_number FROM payments_bankdetails WHERE id = %s", [details.pk]
        )
        raw = " ".join(cursor.fetchone())
    assert "87654312" not in raw and "401162" not in raw and "Patricia" not in raw
    assert BankDetails.objects.get(pk=details.pk).account_number == "87654312"


# --- the person's own page -----------------------------------------------------------------------------------


def test_page_signed_out_goes_to_sign_in(client):
    response = client.get(reverse("payments:bank_details"))
    assert response.status_code == 302 and "login" in response.url


def test_page_shows_masked_and_never_prefills(client, parent):
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    client.force_login(parent)
    response = client.get(reverse("payments:bank_details"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Account ending 12" in html and "Starts with P" in html
    assert "87654312" not in html and "401162" not in html and "40-11-62" not in html and "Patricia" not in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_page_changes_and_alerts(client, parent):
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    client.force_login(parent)
    response = client.post(
        reverse("payments:bank_details"),
        {"account_name": "Pat Parent", "sort_code": "11-22-33", "account_number": "12345678"},
    )
    assert response.status_code == 302
    details = BankDetails.objects.get(person=parent)
    assert details.sort_code == "112233" and details.account_number_last2 == "78"
    assert Message.objects.filter(person=parent, kind="payments.bank_details_changed").exists()


def test_page_with_errors_keeps_input_and_shows_summary(client, parent):
    client.force_login(parent)
    response = client.post(
        reverse("payments:bank_details"),
        {"account_name": "Pat Parent", "sort_code": "12-34", "account_number": "12345678"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "There is a problem" in html
    assert "Enter a sort code of 6 numbers" in html
    only_name_missing = client.post(
        reverse("payments:bank_details"), {"account_name": "", "sort_code": "1", "account_number": "2"}
    ).content.decode()
    assert "Enter the name on the account" in only_name_missing  # every problem at once
    assert "Enter a sort code of 6 numbers" in only_name_missing
    assert "Enter an account number of 8 numbers" in only_name_missing
    assert 'value="12-34"' in html
    assert not BankDetails.objects.exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "account_name": st.text(max_size=160),
            "sort_code": st.one_of(st.text(max_size=12), st.from_regex(r"[0-9]{2}[- ]?[0-9]{2}[- ]?[0-9]{2}")),
            "account_number": st.one_of(st.text(max_size=12), st.from_regex(r"[0-9]{6,9}")),
        },
    )
)
def test_hostile_input_never_fails_and_saves_nothing_wrong(client, parent, data):
    BankDetails.objects.filter(person=parent).delete()
    client.force_login(parent)

    response = client.post(reverse("payments:bank_details"), data)

    assert response.status_code in (200, 302)
    saved = BankDetails.objects.filter(person=parent).first()
    if response.status_code == 200:
        assert saved is None
    else:
        assert len(saved.sort_code) == 6 and saved.sort_code.isdigit()
        assert len(saved.account_number) == 8 and saved.account_number.isdigit()
        assert saved.account_number_last2 == saved.account_number[-2:]


# --- the reveal ----------------------------------------------------------------------------------------------


@pytest.fixture
def claimant_with_details(group_with_members, facilitator, facilitator2, parent):
    session = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)})
    make_claim(session, parent)
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    return parent


def reveal_url(organisation, person):
    return reverse("payments:bank_reveal", args=[organisation.pk, person.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("parent", 403),  # members of a group of the organisation: inside it, so a 403
        ("professional", 403),
        ("facilitator", 403),
        ("governance_lead", 403),
        ("safeguarding_lead", 403),
        ("org_admin", 403),
    ],
)
def test_reveal_refused_to_every_other_role(request, client, claimant_with_details, organisation, who, status):
    user = request.getfixturevalue(who)
    give_recent_second_step(client, user)
    response = client.get(reveal_url(organisation, claimant_with_details))
    assert response.status_code == status
    assert "87654312" not in response.content.decode()
    assert not AccessEvent.objects.filter(kind="view").exists()
    assert AccessEvent.objects.filter(kind="refused", actor=user).exists()


def test_reveal_signed_out(client, claimant_with_details, organisation):
    response = client.get(reveal_url(organisation, claimant_with_details))
    assert response.status_code == 302 and "login" in response.url


def test_reveal_without_a_recent_second_step_asks_for_the_code(
    client, claimant_with_details, organisation, finance_officer
):
    client.force_login(finance_officer)
    response = client.get(reveal_url(organisation, claimant_with_details))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_reauthenticate"))
    assert not AccessEvent.objects.filter(kind="view").exists()


def test_reveal_with_a_recent_second_step(client, claimant_with_details, organisation, finance_officer):
    give_recent_second_step(client, finance_officer)
    response = client.get(reveal_url(organisation, claimant_with_details))
    html = response.content.decode()
    assert response.status_code == 200
    assert "87654312" in html and "40-11-62" in html and "Patricia Q Parent" in html
    assert "Hide the bank details" in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    details = BankDetails.objects.get(person=claimant_with_details)
    looked = AccessEvent.objects.filter(kind="view", actor=finance_officer)
    assert looked.filter(object_type="payments.bankdetails", object_id=str(details.pk)).get().data == {
        "person": claimant_with_details.pk
    }
    assert looked.filter(object_type="groups.organisation").count() == 1  # the mixin's record


def test_reveal_of_someone_without_a_claim_here_is_404(client, organisation, finance_officer, make_user):
    stranger = make_user()
    bank_details_set(person=stranger, acting_user=stranger, **GOOD)
    give_recent_second_step(client, finance_officer)
    assert client.get(reveal_url(organisation, stranger)).status_code == 404


def test_reveal_by_another_organisations_finance_officer_is_404(
    client, claimant_with_details, organisation, other_organisation, make_user, grant
):
    theirs = grant(make_user(), other_organisation, StaffRole.Role.FINANCE_OFFICER)
    give_recent_second_step(client, theirs)
    assert client.get(reveal_url(organisation, claimant_with_details)).status_code == 404
    # nor through their own organisation's address: the person has no claim there
    assert client.get(reveal_url(other_organisation, claimant_with_details)).status_code == 404
    assert not AccessEvent.objects.filter(kind="view", object_type="payments.bankdetails").exists()
