"""The concern as a restricted record (issue 13, items 2, 3 and 9): only the organisation's safeguarding leads with
a recent second sign-in step read and change it; every look is in its access trail, which the leads see on the
record; each change is a chronology line and an audit event with no words of the concern; nothing is deleted;
the words, the chronology and the documents are encrypted at rest."""

import base64
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AccessEvent, AuditEvent
from safeguarding.models import ChronologyEntry, Concern, ConcernDocument
from safeguarding.services import concerns as services
from safeguarding.services import grants as grant_services
from tests.safeguarding import factories_s1
from tests.safeguarding.factories_s1 import WHAT, raise_concern, stepped_up

pytestmark = pytest.mark.django_db
other_org_lead = factories_s1.other_org_lead

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def concern(group_with_members, parent, professional):
    return raise_concern(group_with_members.organisation, parent, people=[professional])


def trail(concern, kind=None):
    events = AccessEvent.objects.filter(object_type="safeguarding.concern", object_id=str(concern.pk))
    return events.filter(kind=kind) if kind else events


# --- who may open it --------------------------------------------------------------------------------------------


def test_a_lead_without_a_recent_second_step_is_asked_for_it(client, concern, safeguarding_lead):
    client.force_login(safeguarding_lead)

    response = client.get(reverse("safeguarding:concern", args=[concern.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not trail(concern, "view").exists()


def test_a_lead_with_it_reads_the_record_and_the_read_is_in_its_trail(client, concern, safeguarding_lead, professional):
    stepped_up(client, safeguarding_lead)

    response = client.get(reverse("safeguarding:concern", args=[concern.pk]), REMOTE_ADDR="203.0.113.7")

    html = response.content.decode()
    assert response.status_code == 200
    assert "scared to go home" in html and professional.display_name in html and "Concern raised" in html
    [view] = trail(concern, "view")
    assert view.actor == safeguarding_lead
    # the trail is on the record for the leads: who, what, when, from which address
    again = client.get(reverse("safeguarding:concern", args=[concern.pk])).content.decode()
    assert "Who has looked at this record" in again and "Viewed" in again and "203.0.113.7" in again


def test_another_organisations_lead_gets_a_404_and_a_refusal_in_the_trail(client, concern, other_org_lead):
    stepped_up(client, other_org_lead)

    assert client.get(reverse("safeguarding:concern", args=[concern.pk])).status_code == 404
    assert trail(concern, "refused").get().actor == other_org_lead


@pytest.mark.parametrize("who", ["facilitator", "org_admin", "professional"])
def test_staff_and_people_named_on_it_get_a_404(client, request, concern, who):
    person = request.getfixturevalue(who)
    client.force_login(person)

    for name in ("concern", "print", "triage", "close"):
        assert client.get(reverse(f"safeguarding:{name}", args=[concern.pk])).status_code == 404, name
    assert trail(concern, "refused").filter(actor=person).count() == 4


# --- what leads do with it -------------------------------------------------------------------------------------


def test_triage_refer_close_each_add_to_the_chronology(client, concern, safeguarding_lead):
    stepped_up(client, safeguarding_lead)

    # when
    triaged = client.post(
        reverse("safeguarding:triage", args=[concern.pk]),
        {"severity": "high", "owner": safeguarding_lead.pk},
    )
    referred = client.post(
        reverse("safeguarding:refer", args=[concern.pk]), {"agency": "social_care", "reference": "MASH-2031-7"}
    )
    closed = client.post(reverse("safeguarding:close", args=[concern.pk]), {"outcome": "Family supported by MASH."})

    # then
    assert [r.status_code for r in (triaged, referred, closed)] == [302, 302, 302]
    concern = Concern.objects.get(pk=concern.pk)
    assert (concern.status, concern.severity, concern.owner) == ("closed", "high", safeguarding_lead)
    assert (concern.referral_agency, concern.referral_reference) == ("social_care", "MASH-2031-7")
    assert concern.outcome == "Family supported by MASH." and concern.closed_at is not None
    entries = list(ChronologyEntry.objects.filter(concern=concern).values_list("kind", flat=True))
    assert entries == ["raised", "triaged", "referred", "closed"]
    actions = list(
        AuditEvent.objects.filter(object_type="safeguarding.concern", object_id=str(concern.pk))
        .order_by("pk")
        .values_list("action", "data")
    )
    assert [a for a, _ in actions] == ["concern.raised", "concern.triaged", "concern.referred", "concern.closed"]
    assert all("MASH" not in str(data) and "scared" not in str(data) for _, data in actions)
    page = client.get(reverse("safeguarding:concern", args=[concern.pk])).content.decode()
    assert "Family supported by MASH." in page and "Referred to Children&#x27;s social care" in page


def test_a_closed_concern_cannot_be_closed_or_triaged_again(concern, safeguarding_lead):
    services.concern_close(concern=concern, acting_user=safeguarding_lead, outcome="Done.")

    with pytest.raises(ValidationError) as closed:
        services.concern_close(concern=concern, acting_user=safeguarding_lead, outcome="Again.")
    with pytest.raises(ValidationError) as triaged:
        services.concern_triage(concern=concern, acting_user=safeguarding_lead, severity="low", owner=safeguarding_lead)

    assert (closed.value.code, triaged.value.code) == ("already_closed", "not_new")
    assert Concern.objects.filter(pk=concern.pk).exists()


def test_triage_owner_must_be_a_lead_and_closing_needs_an_outcome(client, concern, safeguarding_lead, facilitator):
    with pytest.raises(ValidationError) as error:
        services.concern_triage(concern=concern, acting_user=safeguarding_lead, severity="low", owner=facilitator)
    assert error.value.error_dict["owner"][0].code == "owner_not_lead"

    stepped_up(client, safeguarding_lead)
    response = client.post(reverse("safeguarding:close", args=[concern.pk]), {"outcome": ""})
    assert response.status_code == 200 and "Say what the outcome was." in response.content.decode()
    assert "<title>Error: " in response.content.decode()


def test_only_leads_change_a_concern(concern, facilitator):
    with pytest.raises(ValidationError) as error:
        services.concern_close(concern=concern, acting_user=facilitator, outcome="No.")

    assert error.value.code == "not_lead"


def test_an_edit_keeps_the_earlier_version_in_the_chronology(client, concern, safeguarding_lead):
    stepped_up(client, safeguarding_lead)

    response = client.post(
        reverse("safeguarding:edit", args=[concern.pk]),
        {"what_happened": "Jo said her partner pushed her.", "when_happened": "Tuesday evening"},
    )

    assert response.status_code == 302
    concern = Concern.objects.get(pk=concern.pk)
    assert (concern.what_happened, concern.when_happened) == ("Jo said her partner pushed her.", "Tuesday evening")
    edited = ChronologyEntry.objects.get(concern=concern, kind="edited")
    assert WHAT in edited.text and "Last night" in edited.text
    page = client.get(reverse("safeguarding:concern", args=[concern.pk])).content.decode()
    assert "the earlier version is kept here" in page and "scared to go home" in page
    assert AuditEvent.objects.get(action="concern.edited").data == {"concern": concern.pk}


def test_a_lead_adds_a_note_with_its_date(client, concern, safeguarding_lead):
    stepped_up(client, safeguarding_lead)
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client.post(
        reverse("safeguarding:entry_add", args=[concern.pk]),
        {"kind": "action", "happened_on": yesterday.isoformat(), "text": "Phoned Jo; she is safe at her sister's."},
    )
    future = client.post(
        reverse("safeguarding:entry_add", args=[concern.pk]),
        {"kind": "note", "happened_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "text": "No."},
    )

    assert response.status_code == 302 and future.status_code == 200
    entry = ChronologyEntry.objects.get(concern=concern, kind="action")
    assert (entry.happened_on, entry.recorded_by) == (yesterday, safeguarding_lead)
    assert ChronologyEntry.objects.filter(concern=concern).count() == 2


# --- documents and printing ------------------------------------------------------------------------------------


def test_a_document_is_checked_by_its_content_and_its_download_is_in_the_trail(client, concern, safeguarding_lead):
    stepped_up(client, safeguarding_lead)
    url = reverse("safeguarding:document_add", args=[concern.pk])

    # a "PDF" that is not one, by its content
    refused = client.post(url, {"title": "Notes", "file": SimpleUploadedFile("notes.pdf", b"MZ\x90\x00 not a pdf")})
    added = client.post(url, {"title": "Referral form", "file": SimpleUploadedFile("form.pdf", PDF)})
    picture = client.post(url, {"title": "Photo of the bruise", "file": SimpleUploadedFile("x.txt", PNG)})

    assert refused.status_code == 200 and "must be a PDF or a picture" in refused.content.decode()
    assert added.status_code == picture.status_code == 302
    pdf, png = ConcernDocument.objects.filter(concern=concern).order_by("pk")
    assert (pdf.content_type, pdf.size, png.content_type) == ("application/pdf", len(PDF), "image/png")
    assert list(ChronologyEntry.objects.filter(concern=concern, kind="document").values_list("text", flat=True)) == [
        "Document added: Referral form",
        "Document added: Photo of the bruise",
    ]

    # when
    download = client.get(reverse("safeguarding:document", args=[concern.pk, pdf.pk]))

    # then
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "Referral" not in download["Content-Disposition"]
    [event] = trail(concern, "download")
    assert (event.actor, event.data["document"]) == (safeguarding_lead, pdf.pk)


def test_a_document_over_5_mb_is_refused(concern, safeguarding_lead):
    with pytest.raises(ValidationError) as error:
        services.concern_document_add(
            concern=concern, acting_user=safeguarding_lead, title="Big", data=PDF + b"0" * (5 * 1024 * 1024)
        )

    assert error.value.error_dict["file"][0].code == "file_too_big"


def test_the_printable_chronology_is_in_the_trail(client, concern, safeguarding_lead):
    stepped_up(client, safeguarding_lead)

    response = client.get(reverse("safeguarding:print", args=[concern.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-print" in html and "scared to go home" in html and "Concern raised" in html
    assert trail(concern, "print").get().actor == safeguarding_lead


# --- the leads' list -------------------------------------------------------------------------------------------


def test_the_list_puts_open_and_pressing_concerns_first_and_filters_by_status(
    client, group_with_members, parent, safeguarding_lead
):
    organisation = group_with_members.organisation
    closed = raise_concern(organisation, parent, what="Closed one", immediate_risk=True)
    services.concern_close(concern=closed, acting_user=safeguarding_lead, outcome="Done.")
    ordinary = raise_concern(organisation, parent, what="Ordinary")
    urgent = raise_concern(organisation, parent, what="Urgent one")
    services.concern_triage(concern=urgent, acting_user=safeguarding_lead, severity="urgent", owner=safeguarding_lead)
    danger = raise_concern(organisation, parent, what="Danger", immediate_risk=True)
    newest = raise_concern(organisation, parent, what="Newest")
    stepped_up(client, safeguarding_lead)
    url = reverse("safeguarding:concerns", args=[organisation.pk])

    page = client.get(url)
    only_closed = client.get(url, {"status": "closed"})

    assert [c.pk for c in page.context["concerns"]] == [danger.pk, urgent.pk, newest.pk, ordinary.pk, closed.pk]
    assert [c.pk for c in only_closed.context["concerns"]] == [closed.pk]
    assert "Danger" not in page.content.decode()  # the list shows no words of a concern


def test_the_list_is_for_the_organisations_leads(client, concern, facilitator, other_org_lead):
    client.force_login(facilitator)
    url = reverse("safeguarding:concerns", args=[concern.organisation_id])
    assert client.get(url).status_code == 403

    stepped_up(client, other_org_lead)
    assert client.get(url).status_code == 404


# --- encryption at rest ----------------------------------------------------------------------------------------


def test_the_words_the_chronology_and_documents_are_encrypted_in_the_database(concern, safeguarding_lead):
    services.chronology_entry_add(
        concern=concern, acting_user=safeguarding_lead, kind="note", text="Spoke to the health visitor."
    )
    document = services.concern_document_add(
        concern=concern, acting_user=safeguarding_lead, title="Health visitor letter", data=PDF
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT what_happened, when_happened FROM safeguarding_concern WHERE id = %s", [concern.pk])
        what, when = cursor.fetchone()
        cursor.execute("SELECT text FROM safeguarding_chronologyentry WHERE kind = 'note'")
        [note] = cursor.fetchone()
        cursor.execute("SELECT title, content FROM safeguarding_concerndocument WHERE id = %s", [document.pk])
        title, content = cursor.fetchone()

    assert "scared" not in what and "Last night" not in when
    assert "health visitor" not in note
    assert "Health visitor" not in title
    assert base64.b64encode(PDF).decode() not in content and "PDF" not in content
    # and what the application reads is the plain text
    assert services.document_bytes(ConcernDocument.objects.get(pk=document.pk)) == PDF


# --- a fixed number of queries, whatever the length -----------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_record_and_the_list_cost_the_same_with_one_row_or_many(
    client, group_with_members, parent, professional, facilitator, safeguarding_lead
):
    organisation = group_with_members.organisation
    one = raise_concern(organisation, parent, people=[professional])
    stepped_up(client, safeguarding_lead)
    client.get(reverse("safeguarding:concern", args=[one.pk]))  # one read in the trail
    record = _queries(client, reverse("safeguarding:concern", args=[one.pk]))
    listing = _queries(client, reverse("safeguarding:concerns", args=[organisation.pk]))

    # given: a long record, and many concerns
    many = raise_concern(organisation, parent, people=[professional, facilitator], people_description="A child")
    client.get(reverse("safeguarding:concern", args=[many.pk]))
    for n in range(6):
        services.chronology_entry_add(concern=many, acting_user=safeguarding_lead, kind="note", text=f"Note {n}")
        services.concern_document_add(concern=many, acting_user=safeguarding_lead, title=f"Doc {n}", data=PDF)
        client.get(reverse("safeguarding:concern", args=[many.pk]))
    grant_services.access_grant_give(
        concern=many, acting_user=safeguarding_lead, person=facilitator, days=2, reason="Covering."
    )
    for _ in range(8):
        raise_concern(organisation, parent)

    # then
    assert _queries(client, reverse("safeguarding:concern", args=[many.pk])) == record
    assert _queries(client, reverse("safeguarding:concerns", args=[organisation.pk])) == listing
