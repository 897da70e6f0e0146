"""Emotional safety plans: the person's own plan (the five questions, and who has read it), whom they share it
with, and the plan page a facilitator of a group it is shared with reads (each reading in the access trail, which
the person sees). Thin views: a form checks the input, one service writes, selectors read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin

from ..forms.plans import PlanSharingForm, SafetyPlanForm
from ..permissions import SafetyPlanPermissionMixin
from ..selectors import plans as selectors
from ..services import plans as services
from ..services.plans import PLAN_FIELDS


class MyPlanView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """Anyone signed in writes their own plan here; below it, the trail of who has read it."""

    template_name = "safeguarding/plans/my_plan.html"
    form_class = SafetyPlanForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.plan = selectors.plan_of(person=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        if self.plan is None:
            return {}
        return {name: getattr(self.plan, name) or "" for name in PLAN_FIELDS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            plan=self.plan,
            readers=selectors.plan_readers_page(plan=self.plan, number=self.request.GET.get("page"))
            if self.plan
            else None,
            sharing=[c for c in selectors.plan_sharing_choices(person=self.request.user, plan=self.plan) if c.shared]
            if self.plan
            else [],
        )
        return ctx

    def perform(self, form):
        services.safety_plan_save(person=self.request.user, acting_user=self.request.user, **form.service_arguments())
        messages.success(self.request, "Your safety plan is saved.")
        return redirect("safeguarding:my_plan")


class PlanSharingView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """Tick the groups whose facilitators may read the plan; untick to stop, at any time."""

    template_name = "safeguarding/plans/sharing.html"
    form_class = PlanSharingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.plan = selectors.plan_of(person=request.user)
            self.choices = selectors.plan_sharing_choices(person=request.user, plan=self.plan)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["choices"] = [(c.group.pk, self._label(c)) for c in self.choices]
        return kwargs

    def _label(self, choice) -> str:
        label = choice.group.name
        if len({c.group.organisation_id for c in self.choices}) > 1:
            label += f" ({choice.group.organisation.name})"
        if not choice.is_member:
            label += ": you have left this group. Untick it to stop sharing."
        return label

    def get_initial(self):
        return {"groups": [c.group.pk for c in self.choices if c.shared]}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(plan=self.plan, choices=self.choices)
        return ctx

    def perform(self, form):
        done = services.safety_plan_sharing_set(
            person=self.request.user, acting_user=self.request.user, group_ids=set(form.cleaned_data["groups"])
        )
        if done["shared"] or done["stopped"]:
            messages.success(self.request, "Your choices are saved.")
        else:
            messages.info(self.request, "Nothing changed.")
        return redirect("safeguarding:plan_sharing")


class PlanView(SafetyPlanPermissionMixin, TemplateView):
    """A plan, read by a facilitator of a group it is shared with now (to anyone else it does not exist). The
    mixin writes each reading to the access trail."""

    template_name = "safeguarding/plans/plan.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = SafetyPlanForm()
        ctx.update(
            plan=self.plan,
            is_own=self.plan.person_id == self.request.user.pk,
            answers=[(form.fields[name].label, getattr(self.plan, name) or "") for name in PLAN_FIELDS],
        )
        return ctx


urlpatterns = [
    path("safeguarding/my-safety-plan/", MyPlanView.as_view(), name="my_plan"),
    path("safeguarding/my-safety-plan/sharing/", PlanSharingView.as_view(), name="plan_sharing"),
    path("safeguarding/safety-plans/<int:plan_id>/", PlanView.as_view(), name="plan"),
]
