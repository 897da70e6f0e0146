"""Organisation administration in the app (namespace "orgadmin", included from coprod/urls.py), and the page
that asks staff to set up two-step sign-in. Venues and reminder settings are in sessions_app/urls.py."""

from django.urls import path

from . import views_admin as views
from .views import TwoStepRequestView

app_name = "orgadmin"

urlpatterns = [
    path("two-step-sign-in/", views.TwoStepSetupView.as_view(), name="two_step_setup"),
    path(
        "groups/<int:group_id>/members/<int:user_id>/two-step-sign-in/",
        TwoStepRequestView.as_view(),
        name="two_step_request",
    ),
    path("organisations/<int:organisation_id>/manage/", views.OverviewView.as_view(), name="overview"),
    path("organisations/<int:organisation_id>/staff/", views.StaffListView.as_view(), name="staff"),
    path("organisations/<int:organisation_id>/staff/invite/", views.StaffInviteView.as_view(), name="staff_invite"),
    path("organisations/<int:organisation_id>/staff/<int:user_id>/", views.StaffEditView.as_view(), name="staff_edit"),
    path(
        "organisations/<int:organisation_id>/staff/<int:user_id>/remove/",
        views.StaffRemoveView.as_view(),
        name="staff_remove",
    ),
]
