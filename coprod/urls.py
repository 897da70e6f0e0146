from django.contrib import admin
from django.urls import include, path

from groups import urls as group_urls
from groups import views as group_views

admin.site.site_header = "coprod administration"
admin.site.site_title = "coprod admin"

urlpatterns = [
    path("", group_views.HomeView.as_view(), name="home"),
    path("healthz", group_views.healthz, name="healthz"),
    path("profile/", group_views.ProfileView.as_view(), name="profile"),
    path("invitations/<str:token>/", group_views.AcceptInvitationView.as_view(), name="invitation_accept"),
    path("groups/", include("groups.urls")),
    path("organisations/", include(group_urls.organisation_patterns)),
    path("accounts/", include("allauth.urls")),
    path("", include("sessions_app.urls")),
    path("admin/", admin.site.urls),
]
