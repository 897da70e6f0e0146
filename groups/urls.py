from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("new/", views.GroupCreateView.as_view(), name="create"),
    path("<int:group_id>/", views.GroupDetailView.as_view(), name="detail"),
    path("<int:group_id>/edit/", views.GroupEditView.as_view(), name="edit"),
    path("<int:group_id>/members/", views.GroupMembersView.as_view(), name="members"),
    path("<int:group_id>/agreement/", views.AgreementView.as_view(), name="agreement"),
    path("<int:group_id>/agreement/edit/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path("<int:group_id>/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "<int:group_id>/invitations/<int:invitation_id>/cancel/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("<int:group_id>/leave/", views.LeaveGroupView.as_view(), name="leave"),
]

# Pages of an organisation as a whole, under /organisations/ (namespace "organisations", see coprod/urls.py).
organisation_patterns = (
    [
        path("<int:organisation_id>/audit/", views.AuditTrailView.as_view(), name="audit_trail"),
    ],
    "organisations",
)
