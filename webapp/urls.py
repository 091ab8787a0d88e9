"""URLs of the officer app. Every page needs a signed-in user (LoginRequiredMiddleware)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.static import serve

from webapp.officer import (  # noqa: I001 - one line per part
    dashboard_views,
    director_views,
    entry_views,
    policy_views,
    quality_views,
    sign_in,
    views,
    work_views,
)

MEASURE = "measures/<str:council_code>/<str:measure_id>/"

urlpatterns = [
    # The compiled GOV.UK Frontend stylesheet (webapp/officer/stylesheet.py), open to the sign-in
    # page too. Django's static view serves it whether or not DEBUG is on: a few officers' pages
    # behind the council's proxy need no separate file server.
    re_path(
        r"^static/(?P<path>.*)$",
        login_not_required(serve),
        {"document_root": settings.STATICFILES_DIRS[0]},
        name="app_static",
    ),
    path("accounts/login/", sign_in.SignInView.as_view(), name="login"),
    # Sign-in through the council's identity provider (when BDC_OIDC_CLIENT_ID is set; 404
    # otherwise). Register https://<host>/accounts/oidc/callback/ with the provider.
    path("accounts/oidc/start/", sign_in.start, name="oidc_authentication_init"),
    path("accounts/oidc/callback/", sign_in.callback, name="oidc_authentication_callback"),
    path("accounts/oidc/not-signed-in/", sign_in.refused, name="council_sign_in_refused"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard_views.export_csv, name="dashboard_csv"),
    path("dashboard/export.xlsx", dashboard_views.export_xlsx, name="dashboard_xlsx"),
    path("views/save/", dashboard_views.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", dashboard_views.delete_view, name="delete_view"),
    path(MEASURE, entry_views.measure_detail, name="measure"),
    path(MEASURE + "<str:period>/enter/", entry_views.enter, name="enter"),
    path("my-work/", work_views.my_work, name="my_work"),
    path("review/", entry_views.review_list, name="review_list"),
    path(
        "review/<str:council_code>/<str:measure_id>/<str:period>/",
        entry_views.review,
        name="review",
    ),
    path("sign-off/", director_views.sign_off_list, name="sign_off_list"),
    path(
        "sign-off/<str:council_code>/<str:measure_id>/<str:period>/",
        director_views.sign_off,
        name="sign_off",
    ),
    path("director/", director_views.director, name="director"),
    path("director/sign-off/", director_views.sign_off_cycle, name="sign_off_cycle"),
    path("policy/", policy_views.index, name="policy"),
    path("policy/focus/", policy_views.focus, name="policy_focus"),
    path("policy/focus/<int:item_id>/remove/", policy_views.focus_remove, name="focus_remove"),
    path("policy/calendar/", policy_views.calendar, name="policy_calendar"),
    path(
        "policy/calendar/<int:item_id>/toggle/",
        policy_views.calendar_toggle,
        name="calendar_toggle",
    ),
    path("policy/owners/", policy_views.owners, name="policy_owners"),
    path("policy/posts/", policy_views.post_holders, name="policy_posts"),
    path(
        "policy/posts/<int:item_id>/remove/",
        policy_views.post_holder_remove,
        name="post_holder_remove",
    ),
    path("policy/tracker/", policy_views.tracker, name="policy_tracker"),
    path("policy/reminders/", policy_views.send_reminders, name="send_reminders"),
    path("policy/audit/", policy_views.audit, name="policy_audit"),
    path("policy/waivers/", quality_views.waivers, name="policy_waivers"),
    path("policy/overrides/", quality_views.overrides, name="policy_overrides"),
    path("policy/<str:kind>/<int:item_id>/revoke/", quality_views.revoke, name="quality_revoke"),
]
