"""URLs of the officer app. Every page needs a signed-in user (LoginRequiredMiddleware)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from webapp.officer import policy_views, quality_views, views

MEASURE = "measures/<str:council_code>/<str:measure_id>/"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("views/save/", views.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", views.delete_view, name="delete_view"),
    path(MEASURE, views.measure_detail, name="measure"),
    path(MEASURE + "<str:period>/enter/", views.enter, name="enter"),
    path("my-work/", views.my_work, name="my_work"),
    path("review/", views.review_list, name="review_list"),
    path("review/<str:council_code>/<str:measure_id>/<str:period>/", views.review, name="review"),
    path("sign-off/", views.sign_off_list, name="sign_off_list"),
    path(
        "sign-off/<str:council_code>/<str:measure_id>/<str:period>/",
        views.sign_off,
        name="sign_off",
    ),
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
    path("policy/audit/", policy_views.audit, name="policy_audit"),
    path("policy/waivers/", quality_views.waivers, name="policy_waivers"),
    path("policy/overrides/", quality_views.overrides, name="policy_overrides"),
    path("policy/<str:kind>/<int:item_id>/revoke/", quality_views.revoke, name="quality_revoke"),
]
