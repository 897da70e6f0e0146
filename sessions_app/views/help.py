"""Help to come: after saying yes, "Do you need any help to come?", one short question page per kind ticked, a
check-your-answers page and a confirmation; and "No, I can't come" confirmed before support is cancelled.

These pages open to the person signed in (with `session.answer`), or, without a password, to the browser that
has just answered through a one-tap link, for that session and that person only and for a short while
(answer_links.help_grant_*). What is typed is kept in the browser's session between pages until it is sent."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from groups.permissions import has_perm, require

from .. import selectors
from ..answer_links import help_grant_person_id
from ..forms.help import FORM_FOR_KIND, HELP_ORDER, KIND_SLUGS, SLUG_KINDS, HelpKindsForm
from ..models import Answer, Session, SupportKind
from ..services import answers as answer_services
from ..services import support as support_services


def journey_key(*, session_id: int, person_id: int) -> str:
    return f"help_journey:{session_id}:{person_id}"


def journey_start(*, request_session, session_id: int, person_id: int, kinds: list[str]) -> list[str]:
    """Starts (or changes) the journey with the kinds ticked; returns the kinds whose answers were dropped
    because they are no longer ticked, so the page can say so."""
    key = journey_key(session_id=session_id, person_id=person_id)
    journey = request_session.get(key) or {"kinds": [], "answers": {}}
    dropped = [k for k in journey["answers"] if k not in kinds]
    journey = {"kinds": kinds, "answers": {k: v for k, v in journey["answers"].items() if k in kinds}}
    request_session[key] = journey
    return dropped


def kind_url(session_id: int, kind: str) -> str:
    return reverse("sessions_app:help_question", args=[session_id, KIND_SLUGS[kind]])


def kinds_text(kinds) -> str:
    """ "childcare and travel": the kinds in words, for sentences."""
    words = [SupportKind(k).label.lower() if k != SupportKind.ONE_TO_ONE else "a one-to-one" for k in kinds]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def decision_due_text(session: Session) -> str:
    """When a facilitator decides by: within two days, and before the day of the session."""
    today = timezone.localdate()
    due = min(today + timedelta(days=2), timezone.localdate(session.starts_at) - timedelta(days=1))
    if due < today:
        return "before the session starts"
    if due == today:
        return "by the end of today"
    return "by " + due.strftime("%A %-d %B")


class HelpAccessMixin:
    """The session from the URL, and the person acting: the signed-in member who may answer, or the person a
    one-tap link has just answered for in this browser. Anyone else: signed out -> sign in; outsider -> 404;
    no standing -> 403 (the policy's `require`)."""

    def dispatch(self, request, *args, **kwargs):
        session = (
            Session.objects.select_related("group", "group__organisation", "venue")
            .filter(pk=kwargs["session_id"])
            .first()
        )
        if session is None:
            raise Http404("Not found")
        self.session = session
        if request.user.is_authenticated:
            require(request.user, "session.answer", session, organisation_id=session.group.organisation_id)
            self.person, self.by_link = request.user, False
        else:
            person_id = help_grant_person_id(request_session=request.session, session_id=session.pk)
            person = selectors.active_person(person_id=person_id) if person_id else None
            if person is None or not has_perm(person, "session.answer", session):
                return redirect_to_login(request.get_full_path())
            self.person, self.by_link = person, True
        return super().dispatch(request, *args, **kwargs)

    @property
    def journey_key(self) -> str:
        return journey_key(session_id=self.session.pk, person_id=self.person.pk)

    def journey(self) -> dict:
        return self.request.session.get(self.journey_key) or {"kinds": [], "answers": {}}

    def save_journey(self, journey: dict) -> None:
        self.request.session[self.journey_key] = journey

    def said_yes(self) -> bool:
        rsvp = selectors.rsvp_of(session=self.session, user=self.person)
        return bool(rsvp and rsvp.answer == Answer.YES)

    def is_open(self) -> bool:
        return self.session.is_published and not self.session.has_started

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(session=self.session, by_link=self.by_link)
        return ctx


class HelpStartView(HelpAccessMixin, TemplateView):
    """ "Do you need any help to come?": tick boxes, then the question pages of the kinds ticked. Requests
    cancelled by an earlier "no" are offered back here too."""

    template_name = "sessions_app/help/start.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", HelpKindsForm(initial={"help": self.journey()["kinds"]}))
        said_yes = self.said_yes()
        ctx.update(
            said_yes=said_yes,
            open=self.is_open(),
            restorable=support_services.support_requests_cancelled_for_no(session=self.session, user=self.person)
            if said_yes
            else [],
            asked=support_services.support_requests_open(session=self.session, user=self.person),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        form = HelpKindsForm(request.POST)
        if not (self.said_yes() and self.is_open()):
            return self.get(request, *args, **kwargs)
        if form.is_valid() and not form.kinds():
            form.add_error("help", "Tick the help you need. If you don't need any, go back to the session.")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        kinds = form.kinds()
        dropped = journey_start(
            request_session=request.session, session_id=self.session.pk, person_id=self.person.pk, kinds=kinds
        )
        if dropped:
            messages.info(request, f"You unticked {kinds_text(dropped)}, so we have removed what you told us about it.")
        return redirect(kind_url(self.session.pk, kinds[0]))


class HelpQuestionView(HelpAccessMixin, TemplateView):
    """One question page for one kind of help; what was typed is kept in the browser's session."""

    def dispatch(self, request, *args, **kwargs):
        self.kind = SLUG_KINDS.get(kwargs["kind"])
        if self.kind is None:
            raise Http404("Not found")
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        return [f"sessions_app/help/{'travel' if self.kind == SupportKind.TRAVEL else 'question'}.html"]

    def _not_in_journey(self):
        return self.kind not in self.journey()["kinds"]

    def get(self, request, *args, **kwargs):
        if self._not_in_journey():
            return redirect("sessions_app:help_start", session_id=self.session.pk)
        saved = self.journey()["answers"].get(self.kind, {})
        form = FORM_FOR_KIND[self.kind](initial=saved.get("typed", {}))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        kinds = self.journey()["kinds"]
        ctx.update(
            kind=self.kind,
            kind_label=SupportKind(self.kind).label,
            step=kinds.index(self.kind) + 1 if self.kind in kinds else 1,
            steps=len(kinds),
            back_url=self._previous_url(kinds),
        )
        return ctx

    def _previous_url(self, kinds):
        if self.request.GET.get("change"):
            return reverse("sessions_app:help_check", args=[self.session.pk])
        at = kinds.index(self.kind) if self.kind in kinds else 0
        if at == 0:
            return reverse("sessions_app:help_start", args=[self.session.pk])
        return kind_url(self.session.pk, kinds[at - 1])

    def post(self, request, *args, **kwargs):
        if self._not_in_journey():
            return redirect("sessions_app:help_start", session_id=self.session.pk)
        form = FORM_FOR_KIND[self.kind](request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        journey = self.journey()
        typed = {name: request.POST.get(name, "") for name in form.fields}
        journey["answers"][self.kind] = {"typed": typed, "args": form.service_arguments()}
        self.save_journey(journey)
        kinds = journey["kinds"]
        missing = [k for k in kinds if k not in journey["answers"]]
        if request.GET.get("change") or not missing:
            return redirect("sessions_app:help_check", session_id=self.session.pk)
        later = [k for k in kinds[kinds.index(self.kind) + 1 :] if k in missing]
        return redirect(kind_url(self.session.pk, (later or missing)[0]))


class HelpCheckView(HelpAccessMixin, TemplateView):
    """Check your answers, with a Change link for each; sending makes one request per kind, all together."""

    template_name = "sessions_app/help/check.html"

    def get(self, request, *args, **kwargs):
        journey = self.journey()
        if not journey["kinds"]:
            return redirect("sessions_app:help_start", session_id=self.session.pk)
        missing = [k for k in journey["kinds"] if k not in journey["answers"]]
        if missing:
            return redirect(kind_url(self.session.pk, missing[0]))
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        journey = self.journey()
        sections = []
        for kind in journey["kinds"]:
            args = journey["answers"].get(kind, {}).get("args")
            if args is None:
                continue
            sections.append(
                {
                    "kind": kind,
                    "label": SupportKind(kind).label,
                    "rows": FORM_FOR_KIND[kind].summary(args),
                    "change_url": kind_url(self.session.pk, kind) + "?change=1",
                }
            )
        ctx.update(sections=sections, decision_due=decision_due_text(self.session))
        return ctx

    def post(self, request, *args, **kwargs):
        journey = self.journey()
        kinds = journey["kinds"]
        if not kinds or any(k not in journey["answers"] for k in kinds):
            return redirect("sessions_app:help_start", session_id=self.session.pk)
        ordered = sorted(kinds, key=HELP_ORDER.index)
        try:
            support_services.support_requests_create(
                session=self.session, user=self.person, requests=[journey["answers"][k]["args"] for k in ordered]
            )
        except ValidationError as error:
            # What was typed stays in the journey: the page shows the problem beside the answers to change.
            return self.render_to_response(self.get_context_data(errors=error.messages))
        request.session.pop(self.journey_key, None)
        return redirect("sessions_app:help_done", session_id=self.session.pk)


class HelpDoneView(HelpAccessMixin, TemplateView):
    """What the person has asked for this session, what happens next and by when."""

    template_name = "sessions_app/help/done.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asked = support_services.support_requests_open(session=self.session, user=self.person)
        rsvp = selectors.rsvp_of(session=self.session, user=self.person)
        ctx.update(
            asked=asked,
            asked_text=kinds_text([r.kind for r in asked]),
            rsvp=rsvp,
            decision_due=decision_due_text(self.session),
            restorable=support_services.support_requests_cancelled_for_no(session=self.session, user=self.person)
            if rsvp and rsvp.answer == Answer.YES
            else [],
        )
        return ctx


class HelpRestoreView(HelpAccessMixin, TemplateView):
    """Saying yes again: ask again for what the "no" cancelled; each waits for a fresh decision."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            restored = support_services.support_requests_restore(session=self.session, user=self.person)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("sessions_app:help_done", session_id=self.session.pk)
        if restored:
            messages.success(
                request,
                f"We have asked again for {kinds_text([r.kind for r in restored])}. "
                "A facilitator will decide again, even if it was approved before.",
            )
        else:
            messages.info(request, "There was nothing to ask for again.")
        return redirect("sessions_app:help_done", session_id=self.session.pk)


class CantComeView(HelpAccessMixin, TemplateView):
    """ "No, I can't come" when the person has asked for help: say what will be cancelled, and cancel it only
    when they confirm."""

    template_name = "sessions_app/help/cant_come.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asked = support_services.support_requests_open(session=self.session, user=self.person)
        ctx.update(asked=asked, asked_text=kinds_text([r.kind for r in asked]), open=self.is_open())
        return ctx

    def post(self, request, *args, **kwargs):
        asked = support_services.support_requests_open(session=self.session, user=self.person)
        try:
            answer_services.rsvp_answer(session=self.session, user=self.person, answer=Answer.NO, cancel_support=True)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("sessions_app:cant_come", session_id=self.session.pk)
        text = "You said you can't come. Thank you for letting us know."
        if asked:
            text += f" We have cancelled your requests for {kinds_text([r.kind for r in asked])}."
        messages.success(request, text)
        if self.by_link:
            return redirect("sessions_app:help_done", session_id=self.session.pk)
        return redirect(self.session)
