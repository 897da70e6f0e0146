"""safeguarding's pages. Each views module lists its own `urlpatterns`; this joins them under `safeguarding`."""

from .views import concerns, consent, duty, leads, plans, rights

app_name = "safeguarding"

urlpatterns = [
    *concerns.urlpatterns,
    *leads.urlpatterns,
    *plans.urlpatterns,
    *consent.urlpatterns,
    *duty.urlpatterns,
    *rights.urlpatterns,
]
