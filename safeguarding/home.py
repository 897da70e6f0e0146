"""safeguarding's section of the home page (core.extensions.home_sections): for a member of any group, where
their own safety plan, consent choices and data are. No query: the person's standing is already loaded."""

from django.urls import reverse

from core import extensions
from groups.permissions import standing


@extensions.home_sections.register
def yours_to_control(*, request):
    if not standing(request.user).memberships:
        return None
    return {
        "template": "safeguarding/home_section.html",
        "links": [
            ("Your safety plan", "What helps you, and who may read it", reverse("safeguarding:my_plan")),
            ("Your consent", "Photos, film, quotes, sharing and research", reverse("safeguarding:my_consent")),
            ("Your data", "Download everything we hold about you", reverse("safeguarding:my_data")),
        ],
    }
