"""Session pages. Views live in three modules, one per area:
scheduling (facilitators plan and publish), member (parents answer, ask for support, calendars),
running (on the day and after: check-in, queues, debrief, decisions, actions, wins)."""

from django.urls import path

from .views import governance, home_actions, member, orgadmin, running, scheduling
from .views import help as help_views

app_name = "sessions_app"

urlpatterns = [
    # scheduling: facilitators and organisation admins
    path("groups/<int:group_id>/sessions/", scheduling.GroupSessionsView.as_view(), name="group_sessions"),
    path("groups/<int:group_id>/sessions/new/", scheduling.SessionCreateView.as_view(), name="create"),
    path("groups/<int:group_id>/glossary/", scheduling.GlossaryView.as_view(), name="glossary"),
    path("sessions/<int:session_id>/edit/", scheduling.SessionEditView.as_view(), name="edit"),
    path("sessions/<int:session_id>/publish/", scheduling.SessionPublishView.as_view(), name="publish"),
    path("sessions/<int:session_id>/cancel/", scheduling.SessionCancelView.as_view(), name="cancel"),
    path("sessions/<int:session_id>/preparation/", scheduling.PreparationAddView.as_view(), name="preparation_add"),
    path("sessions/<int:session_id>/withdraw/", scheduling.FacilitatorWithdrawView.as_view(), name="withdraw"),
    path("sessions/<int:session_id>/step-in/", scheduling.FacilitatorJoinView.as_view(), name="step_in"),
    path("venues/", scheduling.VenueListView.as_view(), name="venues"),
    # member: parents, carers, professionals
    path("sessions/<int:session_id>/", member.SessionDetailView.as_view(), name="detail"),
    path("sessions/<int:session_id>/answer/", member.AnswerView.as_view(), name="answer"),
    path("sessions/<int:session_id>/support/", member.SupportRequestView.as_view(), name="support_request"),
    path(
        "sessions/support/<int:request_id>/withdraw/",
        member.SupportRequestWithdrawView.as_view(),
        name="support_withdraw",
    ),
    # help to come: after a yes (signed in, or straight from a one-tap link), and "no" confirmed (views/help.py)
    path("sessions/<int:session_id>/help/", help_views.HelpStartView.as_view(), name="help_start"),
    path("sessions/<int:session_id>/help/check/", help_views.HelpCheckView.as_view(), name="help_check"),
    path("sessions/<int:session_id>/help/done/", help_views.HelpDoneView.as_view(), name="help_done"),
    path("sessions/<int:session_id>/help/restore/", help_views.HelpRestoreView.as_view(), name="help_restore"),
    path("sessions/<int:session_id>/help/<str:kind>/", help_views.HelpQuestionView.as_view(), name="help_question"),
    path("sessions/<int:session_id>/cant-come/", help_views.CantComeView.as_view(), name="cant_come"),
    path("sessions/<int:session_id>/calendar.ics", member.SessionIcsView.as_view(), name="session_ics"),
    path("calendar/", member.CalendarSettingsView.as_view(), name="calendar"),
    path("calendar/<str:token>.ics", member.CalendarFeedView.as_view(), name="calendar_feed"),
    path("sessions/<int:session_id>/check-in/me/", member.SelfCheckInView.as_view(), name="self_checkin"),
    path(
        "sessions/<int:session_id>/preparation/<int:material_id>/file/",
        member.PreparationFileView.as_view(),
        name="preparation_file",
    ),
    # running: on the day and after
    path("sessions/<int:session_id>/check-in/", running.CheckInScreenView.as_view(), name="checkin_screen"),
    path("sessions/<int:session_id>/check-in/undo/", running.CheckInUndoView.as_view(), name="checkin_undo"),
    path("sessions/<int:session_id>/check-out/", running.CheckOutScreenView.as_view(), name="checkout_screen"),
    path("sessions/<int:session_id>/debrief/", running.DebriefView.as_view(), name="debrief"),
    path("sessions/<int:session_id>/record/", running.RecordOutcomesView.as_view(), name="record"),
    path("sessions/support/", running.SupportQueueView.as_view(), name="support_queue"),
    path("sessions/support/<int:request_id>/decide/", running.SupportDecideView.as_view(), name="support_decide"),
    path(
        "sessions/<int:session_id>/support/person/<int:user_id>/decide/",
        running.SupportDecideTogetherView.as_view(),
        name="support_decide_together",
    ),
    path("sessions/follow-ups/", running.FollowUpQueueView.as_view(), name="follow_ups"),
    path("sessions/follow-ups/<int:follow_up_id>/close/", running.FollowUpCloseView.as_view(), name="follow_up_close"),
    path("groups/<int:group_id>/timeline/", running.GroupTimelineView.as_view(), name="timeline"),
    path("actions/<int:action_id>/status/", running.ActionStatusView.as_view(), name="action_status"),
    # governance: parent quorum; one-tap answers from messages
    path("governance/", governance.DashboardView.as_view(), name="governance"),
    path("sessions/<int:session_id>/quorum/remind/", home_actions.QuorumRemindView.as_view(), name="quorum_remind"),
    path("sessions/<int:session_id>/quorum/", governance.QuorumRecordView.as_view(), name="quorum_record"),
    path("sessions/<int:session_id>/messages/", governance.SessionMessagesView.as_view(), name="session_messages"),
    path("a/<str:token>/", governance.OneTapAnswerView.as_view(), name="one_tap_answer"),
]

# organisation administration: venues and reminder settings, for the organisation's admins (views/orgadmin.py)
urlpatterns += [
    path("organisations/<int:organisation_id>/venues/", orgadmin.VenuesView.as_view(), name="org_venues"),
    path(
        "organisations/<int:organisation_id>/venues/<int:venue_id>/edit/",
        orgadmin.VenueEditView.as_view(),
        name="venue_edit",
    ),
    path(
        "organisations/<int:organisation_id>/venues/<int:venue_id>/retire/",
        orgadmin.VenueRetireView.as_view(),
        name="venue_retire",
    ),
    path(
        "organisations/<int:organisation_id>/reminders/",
        orgadmin.ReminderSettingsView.as_view(),
        name="reminder_settings",
    ),
]
