from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from groups import urls as group_urls
from groups import views as group_views

admin.site.site_header = "coprod administration"
admin.site.site_title = "coprod admin"
# The admin site is for the people who operate the installation (is_staff), never for organisation admins (they
# run their partnership in the app). Its sign-in is allauth's, so two-step sign-in and the rate limits on failed
# sign-ins apply: /admin/login/ sends the visitor to allauth's sign-in, and refuses a signed-in non-operator.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", group_views.HomeView.as_view(), name="home"),
    path("healthz", group_views.healthz, name="healthz"),
    path("profile/", group_views.ProfileView.as_view(), name="profile"),
    path("profile/phone/", group_views.PhoneConfirmView.as_view(), name="phone_confirm"),
    path("invitations/<str:token>/", group_views.AcceptInvitationView.as_view(), name="invitation_accept"),
    path("groups/", include("groups.urls")),
    path("organisations/", include(group_urls.organisation_patterns)),
    path("", include("groups.urls_admin")),
    path("accounts/", include("allauth.urls")),
    path("", include("sessions_app.urls")),
    path("", include("payments.urls")),
    path("", include("safeguarding.urls")),
    path("admin/", admin.site.urls),
]
