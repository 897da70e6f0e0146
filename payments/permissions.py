"""Payment permissions, registered with the one policy in groups.permissions.

Money pages belong to a few people: the person a claim pays, the facilitators of the session behind it (who
confirm attendance), and the organisation's finance officers (who approve and pay). To anyone else a claim, a
receipt or a payment run does not exist (404). Bank details open only to a finance officer who gave their
two-step code recently (step-up), and every look is in the access trail. Exports are in the access trail too.

The separation of duties (nobody confirms, approves or pays a claim that pays them or that they prepared) is a
rule about one claim and one person, so it lives in the services, with the database's check constraints behind
it; a permission here says only who may open the page.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from groups.models import Organisation
from groups.permissions import (
    PermissionMixin,
    R,
    _org_id,
    _signed_in,
    has_perm,
    has_role,
    in_organisation,
    orgs_with_role,
    register,
    standing,
)
from sessions_app.models import Session

from .models import Claim, PaymentRun, Receipt


def finance_org_ids(user) -> set[int]:
    return orgs_with_role(user, R.FINANCE_OFFICER) if _signed_in(user) else set()


def is_finance_officer(user, organisation_id: int) -> bool:
    return has_role(user, organisation_id, R.FINANCE_OFFICER)


# --- claims --------------------------------------------------------------------------------------------------


def can_view_claim(user, claim) -> bool:
    """The person it pays, the organisation's finance officers, and the facilitators of its session."""
    if claim.claimant_id == user.pk or is_finance_officer(user, claim.organisation_id):
        return True
    return has_perm(user, "session.run", claim.session)


def claims_viewable(user, queryset):
    from sessions_app.permissions import sessions_run

    run_sessions = sessions_run(user, Session.objects.all()).values("pk")
    return queryset.filter(
        Q(claimant_id=user.pk) | Q(organisation_id__in=list(finance_org_ids(user))) | Q(session_id__in=run_sessions)
    )


def is_claimant(user, claim) -> bool:
    return claim.claimant_id == user.pk


def claims_of_claimant(user, queryset):
    return queryset.filter(claimant_id=user.pk)


def can_finance_claim(user, claim) -> bool:
    return is_finance_officer(user, claim.organisation_id)


def claims_financed(user, queryset):
    return queryset.filter(organisation_id__in=list(finance_org_ids(user)))


register("payments.claim.view", can_view_claim, queryset=claims_viewable, hide_existence=True)
# Checking, confirming, answering a refused line and adding a receipt: only the person the claim pays.
register("payments.claim.own", is_claimant, queryset=claims_of_claimant, hide_existence=True)
# Approving, refusing a line, changing an amount with a reason, sending back: the organisation's finance officers.
register("payments.claim.finance", can_finance_claim, queryset=claims_financed, hide_existence=True)


def can_open_receipt(user, receipt) -> bool:
    claim = receipt.line.claim
    return claim.claimant_id == user.pk or is_finance_officer(user, claim.organisation_id)


def receipts_openable(user, queryset):
    return queryset.filter(
        Q(line__claim__claimant_id=user.pk) | Q(line__claim__organisation_id__in=list(finance_org_ids(user)))
    )


register("payments.receipt.open", can_open_receipt, queryset=receipts_openable, hide_existence=True)


# --- attendance behind claims: the session's facilitators ----------------------------------------------------


def can_confirm_attendance(user, session) -> bool:
    return has_perm(user, "session.run", session)


def sessions_confirmable(user, queryset):
    from sessions_app.permissions import sessions_run

    return sessions_run(user, queryset)


register("payments.attendance.confirm", can_confirm_attendance, queryset=sessions_confirmable)


# --- the finance officer's pages of an organisation -------------------------------------------------------------


def can_do_finance(user, obj) -> bool:
    return is_finance_officer(user, _org_id(obj))


def organisations_financed(user, queryset):
    return queryset.filter(pk__in=list(finance_org_ids(user)))


def runs_financed(user, queryset):
    return queryset.filter(organisation_id__in=list(finance_org_ids(user)))


register("payments.finance", can_do_finance, queryset=organisations_financed)
register("payments.run", can_do_finance, queryset=runs_financed, hide_existence=True)
# Downloading a run (CSV, XLSX): the same people, and each download is in the access trail.
register("payments.run.export", can_do_finance, queryset=runs_financed, hide_existence=True, access_trail=True)
# A person's full bank details: a finance officer with a recent second step; each look in the access trail.
register(
    "payments.bank_details.reveal", can_do_finance, queryset=organisations_financed, step_up=True, access_trail=True
)


# --- the organisation's policy and the reports for funders ---------------------------------------------------


def can_set_policy(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN)


def organisations_setting_policy(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.ADMIN)) if _signed_in(user) else [])


def can_read_reports(user, organisation) -> bool:
    return has_role(user, _org_id(organisation), R.ADMIN, R.FINANCE_OFFICER)


def organisations_reported(user, queryset):
    return queryset.filter(pk__in=list(orgs_with_role(user, R.ADMIN, R.FINANCE_OFFICER)) if _signed_in(user) else [])


register("payments.policy", can_set_policy, queryset=organisations_setting_policy)


def can_set_preference(user, organisation) -> bool:
    """How a person would like to be paid by an organisation: anyone in it, or anyone it has made a claim for
    (a parent who has since left the group still has claims to be paid)."""
    org_id = _org_id(organisation)
    return in_organisation(user, org_id) or Claim.objects.filter(claimant_id=user.pk, organisation_id=org_id).exists()


def organisations_paying(user, queryset):
    if not _signed_in(user):
        return queryset.none()
    claims = Claim.objects.filter(claimant_id=user.pk, organisation_id=OuterRef("pk"))
    return queryset.filter(Q(pk__in=list(standing(user).organisation_ids)) | Q(Exists(claims)))


# Not through PermissionMixin: a person with claims but no standing in the organisation any more may still use
# it, so PreferenceView asks this permission itself and answers 404 to everyone else.
register("payments.preference", can_set_preference, queryset=organisations_paying, hide_existence=True)
register("payments.reports", can_read_reports, queryset=organisations_reported)


# --- view mixins ---------------------------------------------------------------------------------------------


class ClaimPermissionMixin(PermissionMixin):
    """Views on one claim (``claim_id`` in the URL) declare ``permission``."""

    permission = "payments.claim.view"

    def get_permission_object(self):
        try:
            self.claim = Claim.objects.select_related(
                "session", "session__group", "session__group__organisation", "claimant", "policy"
            ).get(pk=self.kwargs["claim_id"])
        except Claim.DoesNotExist:
            raise Http404("Not found") from None
        return self.claim


class ReceiptPermissionMixin(PermissionMixin):
    permission = "payments.receipt.open"

    def get_permission_object(self):
        try:
            self.receipt = Receipt.objects.select_related("line", "line__claim").get(pk=self.kwargs["receipt_id"])
        except Receipt.DoesNotExist:
            raise Http404("Not found") from None
        return self.receipt

    def get_permission_organisation_id(self):
        return self.receipt.line.claim.organisation_id


class OrganisationPaymentsMixin(PermissionMixin):
    """Views on an organisation's money (``organisation_id`` in the URL) declare ``permission``."""

    permission = "payments.finance"

    def get_permission_object(self):
        try:
            self.organisation = Organisation.objects.get(pk=self.kwargs["organisation_id"])
        except Organisation.DoesNotExist:
            raise Http404("Not found") from None
        return self.organisation

    def get_permission_organisation_id(self):
        return self.organisation.pk


class RunPermissionMixin(PermissionMixin):
    permission = "payments.run"

    def get_permission_object(self):
        try:
            self.run = PaymentRun.objects.select_related("organisation").get(pk=self.kwargs["run_id"])
        except PaymentRun.DoesNotExist:
            raise Http404("Not found") from None
        return self.run


class SessionClaimsPermissionMixin(PermissionMixin):
    permission = "payments.attendance.confirm"

    def get_permission_object(self):
        try:
            self.session = Session.objects.select_related("group", "group__organisation").get(
                pk=self.kwargs["session_id"]
            )
        except Session.DoesNotExist:
            raise Http404("Not found") from None
        return self.session

    def get_permission_organisation_id(self):
        return self.session.group.organisation_id
