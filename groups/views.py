"""Thin views: find the object through the permission mechanism, call one service, redirect or render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from core import extensions
from core.forms import ServiceFormMixin, add_service_errors

from . import phone, selectors, services
from .forms import (
    AcceptInvitationForm,
    AcknowledgeForm,
    AgreementForm,
    AuditFilterForm,
    GroupForm,
    InvitationForm,
    PhoneCodeForm,
    ProfileForm,
)
from .models import Group, Invitation, Organisation
from .permissions import GroupPermissionMixin, PermissionMixin, has_perm, membership_in, require, standing


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "groups/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        st = standing(user)
        ctx.update(
            memberships=selectors.groups_of_member(user=user),
            agreements_awaiting=selectors.agreements_awaiting(user=user),
            facilitated_groups=selectors.facilitated_groups_with_members(user=user),
            staff_roles=sorted({r for roles in st.roles.values() for r in roles}),
            can_create_groups=selectors.organisations_where_can_create_groups(user=user).exists(),
            extra_sections=extensions.home_sections.call(request=self.request),
        )
        return ctx


class GroupListView(LoginRequiredMixin, TemplateView):
    template_name = "groups/group_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["groups"] = selectors.groups_visible_to(user=user)
        ctx["my_group_ids"] = set(standing(user).memberships)
        ctx["can_create_groups"] = selectors.organisations_where_can_create_groups(user=user).exists()
        return ctx


class GroupCreateView(PermissionMixin, ServiceFormMixin, FormView):
    """Organisation admins and facilitators start groups in the organisations where they hold those roles."""

    permission = "group.create_any"
    template_name = "groups/group_form.html"
    form_class = GroupForm

    def get_permission_object(self):
        self.organisations = selectors.organisations_where_can_create_groups(user=self.request.user)
        return None  # the person's own organisations

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisations": self.organisations}

    def perform(self, form):
        data = form.cleaned_data
        if not has_perm(self.request.user, "organisation.create_group", data["organisation"]):
            raise PermissionDenied
        group = services.group_create(
            organisation=data["organisation"],
            name=data["name"].strip(),
            kind=data["kind"],
            purpose=data["purpose"],
            parent_quorum=data.get("parent_quorum"),
            agreement_text=data.get("agreement_text", ""),
            acting_user=self.request.user,
        )
        messages.success(self.request, f"{group.name} has been set up.")
        return redirect(group)


class GroupDetailView(GroupPermissionMixin, TemplateView):
    permission = "group.view"
    template_name = "groups/group_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        version = services.agreement_current(group=self.group)
        ctx["agreement"] = version
        ctx["acknowledged"] = bool(version and version.acknowledgements.filter(user=self.request.user).exists())
        ctx["extra_sections"] = extensions.group_sections.call(request=self.request, group=self.group)
        return ctx


class GroupEditView(GroupPermissionMixin, ServiceFormMixin, FormView):
    permission = "group.manage"
    template_name = "groups/group_form.html"
    form_class = GroupForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.group}

    def perform(self, form):
        data = form.cleaned_data
        quorum = data.get("parent_quorum")
        services.group_update(
            group=self.group,
            acting_user=self.request.user,
            name=data["name"].strip(),
            kind=data["kind"],
            purpose=data["purpose"],
            parent_quorum=Group.default_quorum_for(data["kind"]) if quorum is None else quorum,
        )
        messages.success(self.request, "The group's details have been saved.")
        return redirect(self.group)


class GroupMembersView(GroupPermissionMixin, TemplateView):
    permission = "group.view_members"
    template_name = "groups/group_members.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        version = services.agreement_current(group=self.group)
        rows = selectors.group_members(group=self.group, current_version=version)
        ctx.update(
            agreement=version,
            rows=rows,
            not_acknowledged=sum(1 for r in rows if not r.acknowledged),
            can_request_two_step=has_perm(self.request.user, "group.request_two_step", self.group),
        )
        if ctx["can_manage"]:
            ctx["invitations"] = selectors.group_open_invitations(group=self.group)
        return ctx


class AgreementView(GroupPermissionMixin, ServiceFormMixin, FormView):
    """Read the current agreement; members acknowledge it here."""

    permission = "group.view"
    template_name = "groups/agreement.html"
    form_class = AcknowledgeForm

    def get_initial(self):
        self.version = services.agreement_current(group=self.group)
        return {"version": self.version.pk if self.version else None}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agreement"] = self.version
        ctx["acknowledged_at"] = (
            self.version.acknowledgements.filter(user=self.request.user)
            .values_list("acknowledged_at", flat=True)
            .first()
            if self.version
            else None
        )
        ctx["is_member"] = membership_in(self.request.user, self.group.pk) is not None
        return ctx

    def post(self, request, *args, **kwargs):
        require(request.user, "group.acknowledge", self.group)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        version = self.group.agreement_versions.filter(pk=form.cleaned_data["version"]).first()
        if version is None:
            raise Http404
        services.agreement_acknowledge(version=version, user=self.request.user)
        messages.success(self.request, "Thank you. You have agreed to how the group works together.")
        return redirect(self.group)


class AgreementEditView(GroupPermissionMixin, ServiceFormMixin, FormView):
    permission = "group.manage"
    template_name = "groups/agreement_form.html"
    form_class = AgreementForm

    def get_initial(self):
        current = services.agreement_current(group=self.group)
        return {"text": current.text if current else ""}

    def perform(self, form):
        version = services.agreement_publish(
            group=self.group, text=form.cleaned_data["text"], acting_user=self.request.user
        )
        messages.success(
            self.request, f"Version {version.number} saved. Every member will be asked to read it and agree again."
        )
        return redirect("groups:members", group_id=self.group.pk)


class InviteView(GroupPermissionMixin, ServiceFormMixin, FormView):
    permission = "group.manage"
    template_name = "groups/invite.html"
    form_class = InvitationForm
    extra_context = {"valid_days": settings.INVITATION_VALID_DAYS}

    def perform(self, form):
        data = form.cleaned_data
        invitation = services.invitation_create(
            group=self.group,
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            acting_user=self.request.user,
        )
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return redirect("groups:members", group_id=self.group.pk)


class InvitationRevokeView(GroupPermissionMixin, TemplateView):
    permission = "group.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = get_object_or_404(Invitation, pk=kwargs["invitation_id"], group=self.group)
        invitation = services.invitation_revoke(invitation=invitation, acting_user=request.user)
        if invitation.accepted_at:
            messages.warning(request, f"{invitation.email} had already accepted, so they are a member now.")
        else:
            messages.success(request, f"The invitation for {invitation.email} has been cancelled.")
        return redirect("groups:members", group_id=self.group.pk)


class TwoStepRequestView(GroupPermissionMixin, TemplateView):
    """An organisation admin asks for a member of the group to be offered two-step sign-in, or stops asking
    (POST `on` = "1" or "0"), from the members page."""

    permission = "group.request_two_step"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = self.group.memberships.active().select_related("user").filter(user_id=kwargs["user_id"]).first()
        if membership is None:
            raise Http404("Not found")
        person = membership.user
        on = request.POST.get("on") == "1"
        services.two_step_request(person=person, acting_user=request.user, on=on)
        if on:
            messages.success(request, f"{person.display_name} will be offered two-step sign-in.")
        else:
            messages.success(request, f"We will no longer ask {person.display_name} to use two-step sign-in.")
        return redirect("groups:members", group_id=self.group.pk)


class LeaveGroupView(GroupPermissionMixin, TemplateView):
    permission = "group.acknowledge"  # any active member
    template_name = "groups/leave.html"

    def post(self, request, *args, **kwargs):
        membership = membership_in(request.user, self.group.pk)
        services.membership_leave(membership=membership, acting_user=request.user)
        messages.success(request, f"You have left {self.group.name}. Thank you for everything you gave to it.")
        return redirect("home")


class AuditTrailView(PermissionMixin, TemplateView):
    """The organisation's audit trail, for its admins: who changed what, searchable, 50 to a page. The page
    runs the same number of queries whatever the length of the trail (the list is not counted)."""

    permission = "organisation.audit"
    template_name = "groups/audit_trail.html"

    def get_permission_object(self):
        self.organisation = get_object_or_404(Organisation, pk=self.kwargs["organisation_id"])
        return self.organisation

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actions = selectors.audit_actions_present(organisation=self.organisation)
        params = self.request.GET.copy()
        page_number = params.pop("page", ["1"])[-1]
        form = AuditFilterForm(params or None, actions=actions)
        filters = {}
        if form.is_bound:
            form.is_valid()  # the fields that are right still filter; the others show their error
            filters = form.cleaned_data
        events = selectors.audit_events_visible_to(
            user=self.request.user,
            organisation=self.organisation,
            person=filters.get("person") or None,
            action=filters.get("action") or None,
            object_query=filters.get("object") or None,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        page = selectors.trail_page(events, number=page_number)
        for event in page.rows:
            event.action_label = selectors.action_label(event.action)
        ctx.update(
            organisation=self.organisation,
            form=form,
            page=page,
            filtered=bool(filters and any(filters.values())),
            filter_query=params.urlencode(),
        )
        return ctx


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "groups/profile.html"
    form_class = ProfileForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in ProfileForm.Meta.fields}
        try:
            services.user_update_profile(user=self.request.user, **fields)
        except ValidationError as e:
            self.request.user.refresh_from_db()
            add_service_errors(form, e)
            return self.form_invalid(form)
        messages.success(self.request, "Your details have been saved.")
        return redirect("profile")


class PhoneConfirmView(LoginRequiredMixin, FormView):
    """The person confirms their own phone number with a code sent to it by text (groups.phone); until then
    they get email instead of texts. "Send me a code" posts `send`; the code form posts `code`."""

    template_name = "groups/phone_confirm.html"
    form_class = PhoneCodeForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["code_sent"] = self.request.user.phone_code_sent_at is not None
        return ctx

    def post(self, request, *args, **kwargs):
        if "send" in request.POST:
            try:
                phone.phone_code_send(user=request.user)
            except ValidationError as e:
                messages.error(request, " ".join(e.messages))
            else:
                messages.success(request, "We have sent a code to your phone. It works for 10 minutes.")
            return redirect("phone_confirm")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            phone.phone_code_check(user=self.request.user, code=form.cleaned_data["code"])
        except ValidationError as e:
            self.request.user.refresh_from_db()
            form.add_error("code", e)
            return self.form_invalid(form)
        messages.success(self.request, "Your phone number is confirmed. We can now send you text messages.")
        return redirect("profile")


class AcceptInvitationView(ServiceFormMixin, FormView):
    """Open to anyone holding the emailed link: the link is the proof. Creates the account and membership,
    then asks the person to sign in with a code sent to the same address."""

    template_name = "groups/accept_invitation.html"
    form_class = AcceptInvitationForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.invitation_find_open(token=kwargs["token"])
        if self.invitation is None:
            return self.render_to_response({"invalid": True}, status=410)
        if services.invitation_needs_sign_in(invitation=self.invitation, user=request.user):
            # An existing account: the link alone changes nothing; its owner signs in, then comes back here.
            request.session["invited_email"] = self.invitation.email
            return self.render_to_response(
                {"invitation": self.invitation, "sign_in_first": True},
                status=200 if request.method in ("GET", "HEAD") else 403,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"full_name": self.invitation.full_name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["invitation"] = self.invitation
        return ctx

    def perform(self, form):
        user = self.request.user if self.request.user.is_authenticated else None
        services.invitation_accept(
            invitation=self.invitation,
            full_name=form.cleaned_data["full_name"],
            preferred_name=form.cleaned_data["preferred_name"],
            signed_in_user=user,
        )
        if user is not None:
            messages.success(self.request, f"Welcome to {self.invitation.group.name}.")
            return redirect(self.invitation.group)
        messages.success(
            self.request,
            f"Welcome to {self.invitation.group.name}. To sign in, we will email a code to {self.invitation.email}.",
        )
        self.request.session["invited_email"] = self.invitation.email
        return redirect(reverse("account_request_login_code"))
