"""The user's own account: second factor, password, keep-alive, kept forms."""

from django.urls import path

from core import login_views

app_name = "account"

urlpatterns = [
    path(
        "account/two-factor/",
        login_views.two_factor,
        name="two-factor",
    ),
    path(
        "account/two-factor/verify/",
        login_views.two_factor_verify,
        name="two-factor-verify",
    ),
    path(
        "account/two-factor/enrol/",
        login_views.two_factor_enrol,
        name="two-factor-enrol",
    ),
    path(
        "account/two-factor/recovery-codes/",
        login_views.recovery_codes,
        name="recovery-codes",
    ),
    path(
        "account/two-factor/recovery-codes/new/",
        login_views.new_recovery_codes,
        name="new-recovery-codes",
    ),
    path(
        "account/password/",
        login_views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path(
        "account/password/done/",
        login_views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path("account/keep-alive/", login_views.keep_alive, name="keep-alive"),
    path("account/kept-form/", login_views.kept_form, name="kept-form"),
]
