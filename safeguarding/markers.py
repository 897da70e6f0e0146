"""The check-in screen's safeguarding markers (core.extensions.checkin_row_markers), asked for once for every row:

- "Safety plan shared with this group" (short "Plan"), linking to the plan, for people whose plan is shared with
  the session's group, shown only to a viewer who may read it (a current facilitator of that group);
- "No photos" for people whose newest decision about photographs in the organisation is not "yes".

One query, whatever the number of people."""

from django.db.models import BigIntegerField, Value
from django.urls import reverse

from core import extensions
from core.extensions import Marker
from groups.models import User
from groups.permissions import facilitated_group_ids

from .models import ConsentKind
from .selectors.plans import plan_shared_expression
from .services.consent import consent_given_expression

PLAN_LABEL = "Safety plan shared with this group"


def safeguarding_markers(*, request, session, person_ids: list[int]) -> dict[int, list[Marker]]:
    if not person_ids:
        return {}
    user = getattr(request, "user", None)
    group_id = session.group_id
    may_read_plans = user is not None and group_id in facilitated_group_ids(user)
    no_plan = Value(None, output_field=BigIntegerField())
    rows = (
        User.objects.filter(pk__in=list(person_ids))
        .order_by()
        .annotate(
            photos=consent_given_expression(organisation_id=session.group.organisation_id, kind=ConsentKind.PHOTOS),
            plan_id=plan_shared_expression(group_id=group_id) if may_read_plans else no_plan,
        )
        .values_list("pk", "photos", "plan_id")
    )
    markers: dict[int, list[Marker]] = {}
    for person_id, photos, plan_id in rows:
        if plan_id is not None:
            url = reverse("safeguarding:plan", args=[plan_id])
            markers.setdefault(person_id, []).append(Marker(label=PLAN_LABEL, short="Plan", url=url))
        if not photos:
            markers.setdefault(person_id, []).append(Marker(label="No photos", short="No photos", tone="warning"))
    return markers


extensions.checkin_row_markers.register(safeguarding_markers)
