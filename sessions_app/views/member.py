"""The member's pages: parents, carers and professionals open a session, answer, ask for support, add sessions
to their calendar and check themselves in. Thin views: the permission mixins find the object, one service
writes, selectors read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, TemplateView

from core import extensions
from core.forms import ServiceFormMixin, safe_next_url
from groups.permissions import has_perm

from .. import calendar, selectors, services
from ..forms.help import HelpKindsForm
from ..forms.member import SelfCheckInForm, SelfCheckOutForm, SupportRequestForm
from ..models import Answer, SupportRequest
from ..permissions import SessionObjectPermissionMixin, SessionPermissionMixin
from ..services import support as support_services
from .help import decision_due_text

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def restorable_of(requests) -> list[SupportRequest]:
    """From all of a person's requests for a session (already loaded), those a "no" cancelled that they could
    ask for again: the latest of each kind not asked for again since."""
    live = {r.kind for r in requests if r.status in (SupportRequest.Status.PENDING, SupportRequest.Status.APPROVED)}
    latest = {}
    for r in sorted(requests, key=lambda r: (r.created_at, r.pk)):
        if r.status == SupportRequest.Status.WITHDRAWN and r.cancelled_reason and r.kind not in live:
            latest[r.kind] = r
    return sorted(latest.values(), key=lambda r: r.created_at)


class SessionDetailView(SessionPermissionMixin, TemplateView):
    """The session page a parent opens on a phone: what, when, where, who, and their own answer."""

    permission = "session.view"
    template_name = "sessions_app/member/session_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        session = self.session
        page = selectors.session_page(
            session=session,
            user=user,
            can_manage=ctx["can_manage"],
            can_read_preparation=has_perm(user, "session.preparation", session),
        )
        rsvp = page.rsvp
        can_answer = has_perm(user, "session.answer", session)
        live = session.is_published and not session.has_started
        ctx.update(
            page=page,
            rsvp=rsvp,
            can_answer=can_answer,
            answers_open=can_answer and live,
            waiting_position=selectors.waiting_list_position(rsvp=rsvp),
            show_joining_link=bool(session.joining_link)
            and not session.is_cancelled
            and (bool(rsvp and rsvp.has_place) or ctx["can_manage"] or ctx["can_run"]),
            can_ask_for_support=live and bool(rsvp and rsvp.answer == Answer.YES),
            help_form=HelpKindsForm(),
            decision_due=decision_due_text(session),
            restorable=restorable_of(page.support_requests) if live and rsvp and rsvp.answer == Answer.YES else [],
            places_left=(max(session.capacity - page.places_taken, 0) if session.capacity else None),
            preparation_waiting=not page.preparation and timezone.now() < page.preparation_opens_at,
            my_checkin=can_answer and session.checkin_open_at(),
            # Sections from higher apps (core.extensions.session_sections), below the session's own.
            extra_sections=extensions.session_sections.call(request=self.request, session=session),
        )
        return ctx


class AnswerView(SessionPermissionMixin, View):
    """A one-tap answer from the session page or the home page."""

    permission = "session.answer"
    http_method_names = ["post"]

    def _back(self):
        return redirect(safe_next_url(self.request, self.request.POST.get("next"), self.session.get_absolute_url()))

    def post(self, request, *args, **kwargs):
        given = request.POST.get("answer", "")
        if given == Answer.NO and support_services.support_requests_open(session=self.session, user=request.user):
            # Saying no would cancel what they asked for: they confirm that on its own page first.
            return redirect("sessions_app:cant_come", session_id=self.session.pk)
        try:
            result = services.rsvp_answer(session=self.session, user=request.user, answer=given)
        except ValidationError as e:
            messages.error(request, _error_text(e))
            return self._back()
        answer = result.rsvp.answer
        if result.waitlisted:
            position = selectors.waiting_list_position(rsvp=result.rsvp)
            messages.success(
                request,
                f"This session is full. You are on the waiting list, number {position}. "
                "We will tell you if a place comes free.",
            )
        elif answer == Answer.YES:
            messages.success(request, "You said yes. See you there!")
        elif answer == Answer.MAYBE:
            messages.success(request, "You said maybe. You can change your answer until the session starts.")
        else:
            messages.success(request, "You said you can't come. Thank you for letting us know.")
        return self._back()


class SupportRequestView(SessionPermissionMixin, ServiceFormMixin, FormView):
    """Ask for help to get to a session: childcare, travel, an interpreter, access needs, or a one-to-one."""

    permission = "session.answer"
    template_name = "sessions_app/member/support_request.html"
    form_class = SupportRequestForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rsvp = selectors.rsvp_of(session=self.session, user=self.request.user)
        ctx["said_yes"] = bool(rsvp and rsvp.answer == Answer.YES)
        ctx["open"] = self.session.is_published and not self.session.has_started
        return ctx

    def perform(self, form):
        request = services.support_request_create(
            session=self.session, user=self.request.user, **form.service_arguments()
        )
        messages.success(
            self.request,
            f"Thank you. We have asked the facilitators about {request.get_kind_display().lower()}. "
            "We will tell you when they have decided.",
        )
        return redirect(self.session)


class SupportRequestWithdrawView(SessionObjectPermissionMixin, View):
    """Only the person who asked can withdraw their request (others in the organisation: 403; outside: 404)."""

    permission = "support_request.withdraw"
    http_method_names = ["post"]

    def get_permission_object(self):
        self.support_request = selectors.support_request_for_page(request_id=self.kwargs["request_id"])
        if self.support_request is None:
            raise Http404("Not found")
        self.session = self.support_request.session
        return self.support_request

    def post(self, request, *args, **kwargs):
        support_request = self.support_request
        try:
            support_request = services.support_request_withdraw(request=support_request, acting_user=request.user)
        except ValidationError as e:
            messages.error(request, _error_text(e))
            return redirect(support_request.session)
        if support_request.status == SupportRequest.Status.WITHDRAWN:
            messages.success(request, f"Your request for {support_request.get_kind_display().lower()} is withdrawn.")
        else:
            messages.error(
                request,
                "This request has already been decided, so it cannot be withdrawn here. Please speak to a facilitator.",
            )
        return redirect(support_request.session)


class SessionIcsView(SessionPermissionMixin, View):
    """One session as a calendar file. The joining link only for people with a place."""

    permission = "session.view"

    def get(self, request, *args, **kwargs):
        rsvp = selectors.rsvp_of(session=self.session, user=request.user)
        content = calendar.single(self.session, show_link=bool(rsvp and rsvp.has_place))
        response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
        filename = f"{slugify(self.session.title) or 'session'}-{timezone.localdate(self.session.starts_at)}.ics"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class CalendarSettingsView(LoginRequiredMixin, TemplateView):
    """The person's private calendar address, and a way to replace it if it has been shared by mistake."""

    template_name = "sessions_app/member/calendar_settings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        feed = services.calendar_feed_get_or_create(user=self.request.user)
        address = self.request.build_absolute_uri(reverse("sessions_app:calendar_feed", args=[feed.token]))
        ctx.update(feed=feed, address=address, webcal_address="webcal://" + address.split("://", 1)[1])
        return ctx

    def post(self, request, *args, **kwargs):
        services.calendar_feed_renew(user=request.user)
        messages.success(
            request,
            "You have a new calendar address. The old one has stopped working: add the new one to your calendar.",
        )
        return redirect("sessions_app:calendar")


class CalendarFeedView(View):
    """No sign-in (calendar apps cannot sign in): the secret token in the address is the proof."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        token = kwargs["token"]
        # A NUL byte or a 5,000-character "token" is simply not found, never a question to the database.
        user = selectors.calendar_feed_owner(token=token) if calendar.is_feed_token(token) else None
        if user is None:
            raise Http404("Not found")
        content = calendar.feed(
            selectors.calendar_sessions(user=user),
            name="My coprod sessions",
            yes_session_ids=selectors.session_ids_with_place(user=user),
        )
        response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
        response["Cache-Control"] = "private, no-store"
        return response


class SelfCheckInView(SessionPermissionMixin, ServiceFormMixin, FormView):
    """The member's own phone: check in (with an optional feeling), then check out at the end."""

    permission = "session.answer"
    template_name = "sessions_app/member/self_checkin.html"

    def _checkin(self):
        if not hasattr(self, "_checkin_cache"):
            self._checkin_cache = selectors.checkin_of(session=self.session, user=self.request.user)
        return self._checkin_cache

    def get_form_class(self):
        return SelfCheckOutForm if self._checkin() else SelfCheckInForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        state = self.session.checkin_state()
        ctx.update(
            checkin=self._checkin(),
            window_open=state == "open" and not self.session.attendance_is_closed,
            too_early=timezone.now() < self.session.checkin_opens_at,
            opens_at=self.session.checkin_opens_at,
            closes_at=self.session.checkin_closes_at,
        )
        return ctx

    def perform(self, form):
        user = self.request.user
        feeling = form.cleaned_data.get("feeling")
        if isinstance(form, SelfCheckOutForm):
            services.checkout_record(
                session=self.session,
                person=user,
                acting_user=user,
                feeling=feeling,
                wants_to_talk=form.cleaned_data["wants_to_talk"],
            )
        else:
            services.checkin_record(session=self.session, person=user, acting_user=user, feeling=feeling)
        if isinstance(form, SelfCheckOutForm):
            text = "You have checked out. Thank you for coming."
            if form.cleaned_data["wants_to_talk"]:
                text += " A facilitator will get in touch within two working days."
        else:
            text = "You have checked in. Welcome!"
        messages.success(self.request, text)
        return redirect("sessions_app:self_checkin", session_id=self.session.pk)


class PreparationFileView(SessionPermissionMixin, View):
    """Preparation files are never public: members download them through this view, which checks the person
    may read the session's papers and that the material is shared yet (managers see it any time)."""

    permission = "session.preparation"

    def get(self, request, *args, **kwargs):
        can_manage = has_perm(request.user, "session.manage", self.session)
        page = selectors.session_page(session=self.session, user=request.user, can_manage=can_manage)
        material = next((m for m in page.preparation if m.pk == kwargs["material_id"] and m.file), None)
        if material is None:
            raise Http404("Not found")
        try:
            handle = material.file.open("rb")
        except FileNotFoundError:
            raise Http404("Not found") from None
        return FileResponse(handle, as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1])
