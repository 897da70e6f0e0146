"""Demo safeguarding for `seed_demo`: a concern in each state (new, triaged, referred with a reference, closed
with an outcome), one with someone at immediate risk; a safety plan shared with a group and one kept private;
people who agreed to photographs, one who changed their mind, one never asked; the safeguarding lead on duty for
every upcoming session. Built through the services, so the rules and the trails hold as for real data. Safe to
run twice: each thing is made only if it is not there yet. Everything here is invented."""

from django.utils import timezone

from core import extensions
from groups.models import StaffRole
from groups.permissions import forget_standing
from sessions_app.models import Session

from .models import Concern, ConsentHow, ConsentKind, ConsentRecord, ReferralAgency, SafetyPlan, Severity
from .services import concerns as concern_services
from .services import consent as consent_services
from .services import duty as duty_services
from .services import plans as plan_services

# (the state it ends in, what happened, someone at immediate risk)
CONCERNS = [
    (
        "new",
        "A parent said at check-out that her partner had been shouting at the children and she was scared to go "
        "home tonight.",
        True,
    ),
    (
        "triaged",
        "A dad mentioned he had not eaten for two days so his children could, and that the electricity was about "
        "to be cut off.",
        False,
    ),
    (
        "referred",
        "A mother said her baby had a bruise on his arm that she could not explain, and that her new partner looks "
        "after him.",
        False,
    ),
    (
        "closed",
        "A parent was very low at two sessions running and said she could not see the point of anything.",
        False,
    ),
]


def _seed_concerns(*, org, groups, parents, facs, lead) -> None:
    mothers, fathers = groups[0], groups[1]
    about = {"new": parents[3], "triaged": parents[7], "referred": parents[4], "closed": parents[5]}
    for state, text, risk in CONCERNS:
        in_fathers = state == "triaged"
        concern = concern_services.concern_raise(
            organisation=org,
            acting_user=facs[1] if in_fathers else facs[0],
            what_happened=text,
            when_happened="At the end of the session",
            immediate_risk=risk,
            people=[about[state]],
            group=fathers if in_fathers else mothers,
        )
        if state in ("triaged", "referred", "closed"):
            severity = Severity.HIGH if state == "referred" else Severity.MEDIUM
            concern = concern_services.concern_triage(concern=concern, acting_user=lead, severity=severity, owner=lead)
        if state == "referred":
            concern_services.concern_refer(
                concern=concern, acting_user=lead, agency=ReferralAgency.SOCIAL_CARE, reference="MASH-2031-0042"
            )
        if state == "closed":
            concern_services.concern_close(
                concern=concern,
                acting_user=lead,
                outcome="She is now supported by her GP and a family support worker. No further action.",
            )


@extensions.demo_seeders.register
def seed_safeguarding(*, context):
    org, groups = context["organisation"], context["groups"]
    parents, facs, staff = context["parents"], context["facilitators"], context["staff"]
    lead = staff[StaffRole.Role.SAFEGUARDING_LEAD]
    admin = staff[StaffRole.Role.ADMIN]
    for person in (*parents, *facs, lead, admin):
        forget_standing(person)  # memberships and roles were added since anyone last looked

    if not Concern.objects.filter(organisation=org).exists():
        _seed_concerns(org=org, groups=groups, parents=parents, facs=facs, lead=lead)

    # Amira shares her plan with the mothers' group; Siobhan keeps hers to herself.
    amira, siobhan = parents[0], parents[2]
    if not SafetyPlan.objects.filter(person=amira).exists():
        plan_services.safety_plan_save(
            person=amira,
            acting_user=amira,
            upsets_me="Talk about babies being taken away at birth, and raised voices.",
            signs="I go quiet and look at my phone a lot.",
            helps="A short walk outside with someone, and a cup of tea.",
            contacts="My sister Leila, 07700 900111.",
            wishes="Ask me quietly if I want a break. Please don't make a fuss in front of the group.",
        )
        plan_services.safety_plan_share(person=amira, acting_user=amira, group=groups[0])
    if not SafetyPlan.objects.filter(person=siobhan).exists():
        plan_services.safety_plan_save(
            person=siobhan,
            acting_user=siobhan,
            upsets_me="Court dates coming up.",
            signs="",
            helps="Writing things down.",
            contacts="My support worker at the family hub.",
            wishes="",
        )

    # Photographs: most parents agreed online; Jodie agreed on paper and then changed her mind; Grace was never
    # asked. Amira also agreed to her words being quoted.
    if not ConsentRecord.objects.filter(organisation=org).exists():
        jodie, grace = parents[1], parents[3]
        for parent in parents:
            if parent not in (jodie, grace):
                consent_services.consent_record(
                    person=parent,
                    organisation=org,
                    acting_user=parent,
                    kind=ConsentKind.PHOTOS,
                    given=True,
                    how=ConsentHow.ONLINE,
                )
        for given, how in ((True, ConsentHow.PAPER), (False, ConsentHow.IN_PERSON)):
            consent_services.consent_record(
                person=jodie, organisation=org, acting_user=facs[0], kind=ConsentKind.PHOTOS, given=given, how=how
            )
        consent_services.consent_record(
            person=amira,
            organisation=org,
            acting_user=amira,
            kind=ConsentKind.QUOTES,
            given=True,
            how=ConsentHow.ONLINE,
        )

    # The safeguarding lead is on duty for every session still to come.
    upcoming = Session.objects.filter(
        group__organisation=org, starts_at__gt=timezone.now(), safeguarding_duty__isnull=True
    ).select_related("group")
    for session in upcoming:
        duty_services.session_duty_set(session=session, lead=lead, acting_user=admin)
