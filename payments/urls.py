"""payments' pages. Each views module lists its own `urlpatterns`; this joins them under the `payments` name."""

from .views import attendance, bank, finance_claims, finance_home, parent, policy, reports, runs

app_name = "payments"

urlpatterns = [
    *parent.urlpatterns,
    *attendance.urlpatterns,
    *finance_home.urlpatterns,
    *finance_claims.urlpatterns,
    *runs.urlpatterns,
    *bank.urlpatterns,
    *policy.urlpatterns,
    *reports.urlpatterns,
]
