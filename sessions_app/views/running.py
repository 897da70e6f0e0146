"""On the day and after: the check-in screen, the support and follow-up queues, the debrief, decisions, actions
and wins, and the group's "you said, we did" timeline. Thin views: the permission mechanism finds the object,
one service writes, selectors read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from core import extensions
from core.forms import ServiceFormMixin, add_service_errors, safe_next_url
from groups.permissions import GroupPermissionMixin, PermissionMixin, require

from .. import selectors, services
from ..forms.running import (
    ActionForm,
    ActionStatusForm,
    CheckInForm,
    CheckInUndoForm,
    CheckOutForm,
    DebriefForm,
    DecisionForm,
    FollowUpCloseForm,
    SupportDecideTogetherForm,
    SupportDecisionForm,
    WinForm,
    pounds_text,
)
from ..models import SupportRequest
from ..permissions import SessionObjectPermissionMixin, SessionPermissionMixin
from ..services.attendance import CHECKIN_UNDO_WITHIN, checkin_undo, checkin_undo_until

# --- the check-in screen -----------------------------------------------------------------------------------


class _DoorMixin:
    """What the check-in and check-out screens share: the name filter (a GET ``?q=`` that works without
    JavaScript; static/js/checkin-filter.js filters the same list as you type) and a checked person id."""

    FILTER_MAX_LENGTH = 100

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Links from higher apps for the people at the door (core.extensions.checkin_links).
        ctx["door_links"] = extensions.links_for(request=self.request, session=self.session)
        return ctx

    def filter_text(self) -> str:
        return self.request.GET.get("q", "").strip()[: self.FILTER_MAX_LENGTH]

    @staticmethod
    def matches(row, wanted: str) -> bool:
        user = row.membership.user
        names = f"{user.display_name} {user.full_name}".casefold()
        return wanted.casefold() in names

    @staticmethod
    def person_id_from(raw: str) -> int | None:
        if raw.isascii() and raw.isdigit() and len(raw) <= 9:
            return int(raw)
        return None

    def screen_url(self, name: str, person_id: int | None = None) -> str:
        url = reverse(f"sessions_app:{name}", args=[self.session.pk])
        return f"{url}#person-{person_id}" if person_id else url


class CheckInScreenView(_DoorMixin, SessionPermissionMixin, TemplateView):
    """The facilitator's tablet at the door. One tap checks a person in; a second tap changes nothing (the card
    has collapsed to "Checked in 9:46am · Undo", with Undo away from where the button was). Checking out is a
    separate step on its own page (CheckOutScreenView), offered once the session has started. Feelings are
    shown here only."""

    permission = "session.run"
    template_name = "sessions_app/running/checkin_screen.html"

    error_person_id = None
    error_form = None

    @staticmethod
    def _prefix(person_id: int) -> str:
        return f"in-{person_id}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        session = self.session
        state = session.checkin_state()
        can_tap = state in ("open", "not_yet") and not session.attendance_is_closed
        can_undo = state == "open" and not session.attendance_is_closed
        now = timezone.now()
        wanted = self.filter_text()
        expected, walk_ins = [], []
        counts = {"expected": 0, "checked_in": 0, "checked_out": 0}
        error_shown = False
        rows = selectors.checkin_rows(session=session)
        shown = [row for row in rows if not wanted or self.matches(row, wanted)]
        # Markers from higher apps, asked for once for every row (core.extensions.checkin_row_markers).
        markers = extensions.markers_for(
            request=self.request, session=session, person_ids=[row.membership.user_id for row in shown]
        )
        for row in rows:
            checkin = row.checkin
            counts["expected"] += row.expected
            counts["checked_in"] += checkin is not None
            counts["checked_out"] += bool(checkin and checkin.checked_out_at)
        for row in shown:
            person_id = row.membership.user_id
            checkin = row.checkin
            form = None
            if person_id == self.error_person_id:
                form, error_shown = self.error_form, True
            elif checkin is None and can_tap:
                form = CheckInForm(
                    prefix=self._prefix(person_id),
                    initial={"person": person_id},
                    person_name=row.membership.user.display_name,
                )
            undo_until = checkin_undo_until(checkin) if checkin is not None else None
            (expected if row.expected else walk_ins).append(
                {
                    "row": row,
                    "form": form,
                    "can_undo": can_undo and undo_until is not None and now <= undo_until,
                    "markers": markers.get(person_id, []),
                }
            )
        ctx.update(
            expected_rows=expected,
            walk_in_rows=walk_ins,
            counts=counts,
            window=state,
            opens_at=session.checkin_opens_at,
            closes_at=session.checkin_closes_at,
            filter_text=wanted,
            shown_count=len(shown),
            total_count=len(rows),
            undo_minutes=int(CHECKIN_UNDO_WITHIN.total_seconds() // 60),
            checkout_offered=session.has_started and state == "open" and not session.attendance_is_closed,
            # An error about someone not on the screen (not a member of the group) is shown at the top.
            page_error_form=self.error_form if self.error_form is not None and not error_shown else None,
            attendance=list(selectors.attendance(session=session)) if session.has_ended else None,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if request.POST.get("close_register") == "yes":
            return self._close_register(request)
        person_id = self.person_id_from(request.POST.get("person", ""))
        if request.POST.get("action", "") != "checkin" or person_id is None:
            return HttpResponseBadRequest("Choose a person to check in.")
        person = selectors.person_by_id(person_id=person_id)
        form = CheckInForm(
            request.POST, prefix=self._prefix(person_id), person_name=person.display_name if person else ""
        )
        if form.is_valid():
            try:
                if person is None:
                    raise ValidationError("Only members of this group can be checked in.", code="not_a_member")
                services.checkin_record(
                    session=self.session, person=person, acting_user=request.user, feeling=form.cleaned_data["feeling"]
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, f"{person.display_name} is checked in.")
                return redirect(self.screen_url("checkin_screen", person_id))
        self.error_person_id, self.error_form = person_id, form
        return self.render_to_response(self.get_context_data())

    def _close_register(self, request):
        """The facilitator says the register is final (payments count attendance from it)."""
        try:
            services.session_attendance_close(session=self.session, acting_user=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, "The register is closed. Nobody more can be checked in or out.")
        return redirect("sessions_app:checkin_screen", session_id=self.session.pk)


class CheckInUndoView(_DoorMixin, SessionPermissionMixin, View):
    """Takes back a check-in tapped by mistake, within a few minutes (services.attendance.checkin_undo). Posted
    from the collapsed card on the check-in screen; it never checks anyone out."""

    permission = "session.run"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CheckInUndoForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest("Choose a person whose check-in to undo.")
        person_id = form.cleaned_data["person"]
        person = selectors.person_by_id(person_id=person_id)
        if person is None:
            return HttpResponseBadRequest("Choose a person whose check-in to undo.")
        try:
            undone = checkin_undo(session=self.session, person=person, acting_user=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            if undone:
                messages.success(request, f"{person.display_name}'s check-in is undone. They are not checked in.")
            else:
                messages.info(request, f"{person.display_name} is not checked in.")
        return redirect(self.screen_url("checkin_screen", person_id))


class CheckOutScreenView(_DoorMixin, SessionPermissionMixin, TemplateView):
    """The end-of-session step, on its own page so a tap at the door can never check someone out: everyone who
    checked in, each with a check-out form (how they feel, whether they would like to talk). Offered once the
    session has started."""

    permission = "session.run"
    template_name = "sessions_app/running/checkin_checkout.html"

    error_person_id = None
    error_form = None

    @staticmethod
    def _prefix(person_id: int) -> str:
        return f"out-{person_id}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        session = self.session
        state = session.checkin_state()
        open_now = session.has_started and state == "open" and not session.attendance_is_closed
        wanted = self.filter_text()
        rows = [row for row in selectors.checkin_rows(session=session) if row.checkin is not None]
        shown = [row for row in rows if not wanted or self.matches(row, wanted)]
        items = []
        for row in shown:
            person_id = row.membership.user_id
            form = None
            if person_id == self.error_person_id:
                form = self.error_form
            elif open_now and row.checkin.checked_out_at is None:
                form = CheckOutForm(
                    prefix=self._prefix(person_id),
                    initial={"person": person_id},
                    person_name=row.membership.user.display_name,
                )
            items.append({"row": row, "form": form})
        ctx.update(
            items=items,
            still_in=sum(1 for row in rows if row.checkin.checked_out_at is None),
            checked_out=sum(1 for row in rows if row.checkin.checked_out_at is not None),
            open_now=open_now,
            window=state,
            closes_at=session.checkin_closes_at,
            filter_text=wanted,
            shown_count=len(shown),
            total_count=len(rows),
            page_error_form=self.error_form
            if self.error_form is not None and self.error_person_id not in {i["row"].membership.user_id for i in items}
            else None,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        person_id = self.person_id_from(request.POST.get("person", ""))
        if request.POST.get("action", "") != "checkout" or person_id is None:
            return HttpResponseBadRequest("Choose a person to check out.")
        if not self.session.has_started:
            messages.error(request, "You can check people out once the session has started.")
            return redirect(self.screen_url("checkout_screen"))
        person = selectors.person_by_id(person_id=person_id)
        form = CheckOutForm(
            request.POST, prefix=self._prefix(person_id), person_name=person.display_name if person else ""
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if person is None:
                    raise ValidationError("Only members of this group can be checked out.", code="not_a_member")
                services.checkout_record(
                    session=self.session,
                    person=person,
                    acting_user=request.user,
                    feeling=data["feeling"],
                    wants_to_talk=data["wants_to_talk"],
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, f"{person.display_name} is checked out.")
                return redirect(self.screen_url("checkout_screen", person_id))
        self.error_person_id, self.error_form = person_id, form
        return self.render_to_response(self.get_context_data())


# --- support requests ----------------------------------------------------------------------------------------


class SupportQueueView(PermissionMixin, TemplateView):
    """Support requests in the groups a person manages, grouped by session; decided ones on their own tabs,
    the most recently decided first. 50 to a page."""

    permission = "support_request.queue"
    template_name = "sessions_app/running/support_queue.html"
    TABS = [
        (SupportRequest.Status.PENDING, "Waiting for a decision"),
        (SupportRequest.Status.APPROVED, "Approved"),
        (SupportRequest.Status.DECLINED, "Not approved"),
    ]

    def get_permission_object(self):
        return None  # the person's own queue

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", SupportRequest.Status.PENDING)
        if status not in dict(self.TABS):
            status = SupportRequest.Status.PENDING
        pending = status == SupportRequest.Status.PENDING
        page = selectors.support_queue_page(user=self.request.user, status=status, number=self.request.GET.get("page"))
        queue = page.rows
        sessions, by_session = [], {}
        for item in queue:
            if pending:
                item.decide_form = SupportDecisionForm(
                    prefix=f"req-{item.pk}", initial={"amount": pounds_text(item.expected_cost_pence)}
                )
            if item.session_id not in by_session:
                by_session[item.session_id] = {
                    "session": item.session,
                    "requests": [],
                    "urgency": selectors.support_urgency(item.session) if pending else "",
                }
                sessions.append(by_session[item.session_id])
            by_session[item.session_id]["requests"].append(item)
        for block in sessions:
            block["people"] = self._people(block, pending=pending)
        ctx.update(tabs=self.TABS, status=status, pending=pending, sessions=sessions, page=page)
        return ctx

    @staticmethod
    def _people(block: dict, *, pending: bool) -> list[dict]:
        """A session's requests by person, in queue order: someone waiting on two or more gets one form to
        decide them all together ("Decide all of Pat's requests")."""
        people, by_user = [], {}
        for item in block["requests"]:
            if item.user_id not in by_user:
                by_user[item.user_id] = {"user": item.user, "requests": []}
                people.append(by_user[item.user_id])
            by_user[item.user_id]["requests"].append(item)
        for person in people:
            person["together_form"] = None
            if pending and len(person["requests"]) >= 2:
                person["together_form"] = SupportDecideTogetherForm(
                    prefix=f"person-{block['session'].pk}-{person['user'].pk}", requests=person["requests"]
                )
        return people


class SupportDecideView(SessionObjectPermissionMixin, ServiceFormMixin, FormView):
    """Approve (with an amount in pounds, the expected cost unless changed) or decline with a reason."""

    permission = "session.manage"
    template_name = "sessions_app/running/support_decide.html"
    form_class = SupportDecisionForm

    def get_permission_object(self):
        self.support_request = selectors.support_request_for_page(request_id=self.kwargs["request_id"])
        if self.support_request is None:
            raise Http404("Not found")
        self.session = self.support_request.session
        return self.session

    def get_prefix(self):
        return f"req-{self.support_request.pk}"

    def get_initial(self):
        return {"amount": pounds_text(self.support_request.expected_cost_pence)}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(item=self.support_request, session=self.session)
        return ctx

    def perform(self, form):
        data = form.cleaned_data
        approve = data["decision"] == "approve"
        item = self.support_request
        services.support_request_decide(
            request=item,
            approve=approve,
            acting_user=self.request.user,
            reason=data["reason"],
            amount_pence=data["amount"] if approve else None,
        )
        what = f"{item.get_kind_display().lower()} for {item.user.display_name}"
        messages.success(
            self.request,
            f"Approved: {what}. They have been told." if approve else f"Not approved: {what}. They have been told why.",
        )
        return redirect("sessions_app:support_queue")


class SupportDecideTogetherView(SessionPermissionMixin, ServiceFormMixin, FormView):
    """Decide all of one person's waiting requests for a session at once: approve all (an amount for each kind
    that costs money) or decline all with one reason."""

    permission = "session.manage"
    template_name = "sessions_app/running/support_decide_together.html"
    form_class = SupportDecideTogetherForm

    def check_permission(self, request) -> None:
        super().check_permission(request)  # the session first: nobody else learns whether a person exists
        self.person = selectors.person_by_id(person_id=self.kwargs["user_id"])
        if self.person is None:
            raise Http404("Not found")

    def get_prefix(self):
        return f"person-{self.session.pk}-{self.person.pk}"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.pending = services.support_requests_pending_for(session=self.session, user=self.person)
        kwargs["requests"] = self.pending
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(person=self.person, requests=self.pending)
        return ctx

    def form_invalid(self, form):
        # Shown again, the form names the requests waiting now, so that deciding again decides what is shown.
        data = form.data.copy()
        data[form.add_prefix("request_ids")] = ",".join(str(r.pk) for r in self.pending)
        form.data = data
        return super().form_invalid(form)

    def perform(self, form):
        data = form.cleaned_data
        wanted = set(data["request_ids"])
        shown = [r for r in self.pending if r.pk in wanted]
        if len(shown) != len(wanted):
            # Some are no longer waiting (decided already: a second submit, or another facilitator) or are not
            # this person's for this session: refuse the lot rather than decide part of what was shown.
            raise ValidationError(
                "Some of these requests have already been decided. Check the requests below and decide again.",
                code="support_already_decided",
            )
        approve = data["decision"] == "approve"
        services.support_requests_decide_together(
            requests=shown,
            acting_user=self.request.user,
            decision=data["decision"],
            reason=data["reason"],
            amounts=form.amounts(),
        )
        words = [r.get_kind_display().lower() for r in shown]
        kinds = " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
        name = self.person.display_name
        messages.success(
            self.request,
            f"Approved: {kinds} for {name}. They have been told."
            if approve
            else f"Not approved: {kinds} for {name}. They have been told why.",
        )
        return redirect("sessions_app:support_queue")


# --- follow-ups ----------------------------------------------------------------------------------------------


class FollowUpQueueView(PermissionMixin, TemplateView):
    """People to call back: those who asked to talk, and those who left feeling low, in the groups the person
    currently facilitates or administers. 50 to a page; closed ones the most recently closed first."""

    permission = "follow_up.queue"
    template_name = "sessions_app/running/follow_up_queue.html"

    def get_permission_object(self):
        return None  # the person's own queue

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        show_closed = self.request.GET.get("show") == "closed"
        page = selectors.follow_up_queue_page(
            user=self.request.user, show_closed=show_closed, number=self.request.GET.get("page")
        )
        ctx.update(follow_ups=page.rows, page=page, show_closed=show_closed, today=timezone.localdate())
        return ctx


class FollowUpCloseView(SessionObjectPermissionMixin, ServiceFormMixin, FormView):
    """The facilitator it is assigned to (or a group manager) closes a follow-up with a short note."""

    permission = "follow_up.close"
    template_name = "sessions_app/running/follow_up_close.html"
    form_class = FollowUpCloseForm

    def get_permission_object(self):
        self.follow_up = selectors.follow_up_for_page(follow_up_id=self.kwargs["follow_up_id"])
        if self.follow_up is None:
            raise Http404("Not found")
        self.session = self.follow_up.session
        return self.follow_up

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(follow_up=self.follow_up, today=timezone.localdate())
        return ctx

    def perform(self, form):
        note = form.cleaned_data["note"]
        services.follow_up_close(follow_up=self.follow_up, note=note, acting_user=self.request.user)
        messages.success(self.request, f"The follow-up with {self.follow_up.person.display_name} is closed.")
        return redirect("sessions_app:follow_ups")


# --- after the session: debrief, decisions, actions, wins ----------------------------------------------------


class DebriefView(SessionPermissionMixin, ServiceFormMixin, FormView):
    """Everyone running the session can read the debrief; the lead facilitator (or the organisation admin)
    writes it."""

    permission = "session.run"
    template_name = "sessions_app/running/debrief.html"
    form_class = DebriefForm

    def post(self, request, *args, **kwargs):
        require(request.user, "session.debrief", self.session, organisation_id=self.session.group.organisation_id)
        return super().post(request, *args, **kwargs)

    @property
    def page(self):
        if not hasattr(self, "_page"):
            self._page = selectors.debrief_page(session=self.session)
        return self._page

    def get_initial(self):
        debrief = self.page.debrief
        if debrief is None:
            return {}
        return {"went_well": debrief.went_well, "was_hard": debrief.was_hard, "to_change": debrief.to_change}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            page=self.page,
            overdue=self.page.debrief is None
            and self.session.is_published
            and timezone.now() > self.session.debrief_due_at,
        )
        return ctx

    def perform(self, form):
        services.debrief_record(session=self.session, acting_user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "The debrief is saved.")
        return redirect("sessions_app:debrief", session_id=self.session.pk)


class RecordOutcomesView(SessionPermissionMixin, TemplateView):
    """Three small forms on one page: a decision, an action, a win. A hidden ``form`` field says which."""

    permission = "session.manage"
    template_name = "sessions_app/running/record.html"
    FORMS = {"decision": DecisionForm, "action": ActionForm, "win": WinForm}

    def _forms(self, sent: str | None = None, data=None) -> dict:
        members = selectors.group_active_members(group=self.group)
        built = {}
        for name, form_class in self.FORMS.items():
            kwargs = {"members": members} if form_class is ActionForm else {}
            built[name] = form_class(data, **kwargs) if name == sent else form_class(**kwargs)
        return built

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        forms = forms or self._forms()
        outcomes = selectors.session_outcomes(session=self.session)
        here = reverse("sessions_app:record", args=[self.session.pk])
        for action in outcomes.actions:
            action.status_form = ActionStatusForm(
                prefix=f"a{action.pk}", initial={"status": action.status, "next": here}
            )
        ctx.update(
            decision_form=forms["decision"],
            action_form=forms["action"],
            win_form=forms["win"],
            outcomes=outcomes,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        sent = request.POST.get("form")
        if sent not in self.FORMS:
            return HttpResponseBadRequest("Choose what to record: a decision, an action or a win.")
        forms = self._forms(sent, request.POST)
        form = forms[sent]
        if form.is_valid():
            data, user, session = form.cleaned_data, request.user, self.session
            try:
                if sent == "decision":
                    services.decision_record(
                        session=session, proposal=data["proposal"], outcome=data["outcome"], acting_user=user
                    )
                elif sent == "action":
                    services.action_record(
                        session=session,
                        description=data["description"],
                        owner=data["owner"],
                        due_on=data["due_on"],
                        acting_user=user,
                    )
                else:
                    services.win_record(session=session, description=data["description"], acting_user=user)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, {"decision": "Decision", "action": "Action", "win": "Win"}[sent] + " saved.")
                return redirect(reverse("sessions_app:record", args=[session.pk]) + f"#recorded-{sent}s")
        return self.render_to_response(self.get_context_data(forms=forms))


class ActionStatusView(SessionObjectPermissionMixin, TemplateView):
    """The action's owner, or whoever manages the group, says how an action is going."""

    permission = "action.update"
    template_name = "sessions_app/running/action_status.html"
    http_method_names = ["post"]

    def get_permission_object(self):
        self.action = selectors.action_for_page(action_id=self.kwargs["action_id"])
        if self.action is None:
            raise Http404("Not found")
        self.session = self.action.session
        return self.action

    def post(self, request, *args, **kwargs):
        action = self.action
        form = ActionStatusForm(request.POST, prefix=f"a{action.pk}")
        default = reverse("sessions_app:timeline", args=[self.session.group_id])
        if form.is_valid():
            try:
                services.action_set_status(action=action, status=form.cleaned_data["status"], acting_user=request.user)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, f"Progress saved: {action.get_status_display().lower()}.")
                return redirect(safe_next_url(request, form.cleaned_data["next"], default))
        return self.render_to_response({"form": form, "action": action, "session": self.session, "back_url": default})


# --- the group's timeline ------------------------------------------------------------------------------------


class GroupTimelineView(GroupPermissionMixin, TemplateView):
    """ "You said, we did": every member sees what the group's sessions decided, set in motion and changed,
    newest first, 50 to a page."""

    permission = "group.view"
    template_name = "sessions_app/running/timeline.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        page = selectors.group_timeline_page(group=self.group, number=self.request.GET.get("page"))
        here = reverse("sessions_app:timeline", args=[self.group.pk])
        if page.number > 1:
            here += f"?page={page.number}"
        for entry in page.rows:
            item = entry.item
            if entry.kind == "action" and (ctx["can_manage"] or item.owner_id == user.pk):
                item.status_form = ActionStatusForm(prefix=f"a{item.pk}", initial={"status": item.status, "next": here})
        ctx.update(entries=page.rows, page=page)
        return ctx
