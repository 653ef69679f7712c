"""Staff accounts in the admin: what a manager may do, and nothing more.

A manager (is_staff, auth.add_user/change_user) creates an account, gives it
one role (clinician, front desk, manager), deactivates it and sends it a
password-set link. A manager never sees or sets is_superuser, is_staff (set
from the role: managers only), groups, raw permissions or a password, and
cannot open a superuser's account. Nobody deletes an account in the admin:
the history of the records names its author, so accounts are deactivated
(and core.accounts refuses the delete of an account the records name from
anywhere else).

A superuser keeps Django's whole user admin (except delete); superusers are
made only with `manage.py createsuperuser` (README, Production).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.roles import CLINICIAN, FRONT_DESK, MANAGER, role_of, set_role

ROLE_CHOICES = [
    (CLINICIAN, _("clinician")),
    (FRONT_DESK, _("front desk")),
    (MANAGER, _("manager")),
]

PASSWORD_SET_SUBJECT = "admin/auth/user/password_set_subject.txt"
PASSWORD_SET_EMAIL = "admin/auth/user/password_set_email.txt"


def _is_superuser(request: Any) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class StaffUserForm(forms.ModelForm):
    """The manager's form: names, email, active, and one role.

    The fields are chosen by the admin's fieldsets; is_superuser, is_staff,
    groups, user_permissions and password are never among them, so whatever
    a request posts for them is ignored. is_staff follows the role.
    """

    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)

    # The account editing (set per request by StaffUserAdmin.get_form).
    editor: Any = None

    class Meta:
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance
        if user.pk:
            self.initial.setdefault("role", role_of(user))
        email = self.fields.get("email")
        if email is not None:
            if user.pk and user.has_usable_password():
                # The password-set link goes to this address: once the account
                # has a password, only a superuser changes it.
                email.disabled = True
                email.help_text = _(
                    "The account has a password: only a superuser changes its "
                    "email (a password-set link is sent to it)."
                )
            else:
                email.required = True

    def _editing_self(self) -> bool:
        return bool(
            self.editor is not None
            and self.instance.pk
            and self.instance.pk == self.editor.pk
        )

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if self._editing_self() and role != role_of(self.instance):
            raise forms.ValidationError(_("You cannot change your own role."))
        return role

    def clean_is_active(self) -> bool:
        active = self.cleaned_data["is_active"]
        if self._editing_self() and not active:
            raise forms.ValidationError(_("You cannot deactivate your own account."))
        return active

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.is_staff = self.cleaned_data["role"] == MANAGER
        if user._state.adding:
            user.is_superuser = False
            user.set_unusable_password()
        if commit:
            user.save()
            self._save_m2m()
        return user

    def _save_m2m(self) -> None:
        super()._save_m2m()  # type: ignore[misc]
        set_role(self.instance, self.cleaned_data["role"])


class PasswordSetLinkForm(PasswordResetForm):
    """Django's password reset email, to one chosen account.

    Unlike the reset form it also reaches an account with no password yet (a
    new one), and a sending failure is raised, not only logged, so that the
    admin can say so.
    """

    def __init__(self, user: Any) -> None:
        super().__init__(data={"email": user.email})
        self.user = user

    def get_users(self, email: str) -> list[Any]:
        return [self.user]

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(
            loader.render_to_string(subject_template_name, context).splitlines()
        )
        body = loader.render_to_string(email_template_name, context)
        EmailMultiAlternatives(subject, body, from_email, [to_email]).send()


class PasswordSetConfirmView(auth_views.PasswordResetConfirmView):
    """The page a password-set link opens (no login needed)."""

    success_url = reverse_lazy("admin:auth_user_password_set_done")
    extra_context = {"site_header": admin.site.site_header}


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    extra_context = {"site_header": admin.site.site_header}


class StaffUserAdmin(UserAdmin):
    add_form_template = "admin/auth/user/staff_add_form.html"
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    actions = ["send_password_set_link", "deactivate"]

    staff_add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email", "role")}),
    )
    staff_fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("role", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("role"))
    def role(self, user: Any) -> str:
        names = {group.name for group in user.groups.all()}
        labels = [str(label) for role, label in ROLE_CHOICES if role in names]
        if user.is_superuser:
            labels.insert(0, str(_("superuser")))
        return ", ".join(labels) or "-"

    # --- what a manager sees -------------------------------------------

    def get_fieldsets(self, request: Any, obj: Any = None) -> Any:
        if _is_superuser(request):
            return super().get_fieldsets(request, obj)
        return self.staff_fieldsets if obj else self.staff_add_fieldsets

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if _is_superuser(request):
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def get_form(
        self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if _is_superuser(request):
            return super().get_form(request, obj, change=change, **kwargs)
        # Skip UserAdmin.get_form, which puts the password form on an add.
        form: Any = admin.ModelAdmin.get_form(
            self, request, obj, change=change, form=StaffUserForm, **kwargs
        )
        form.editor = request.user
        return form

    # --- permissions ---------------------------------------------------

    def _superuser_account(self, request: Any, obj: Any) -> bool:
        return obj is not None and obj.is_superuser and not _is_superuser(request)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        if self._superuser_account(request, obj):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if self._superuser_account(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Records name their author: deactivate the account instead.
        return False

    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        if not _is_superuser(request):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    # --- the password-set link -----------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path(
                "password-set/<uidb64>/<token>/",
                PasswordSetConfirmView.as_view(),
                name="auth_user_password_set_confirm",
            ),
            path(
                "password-set/done/",
                PasswordSetDoneView.as_view(),
                name="auth_user_password_set_done",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Send password-set link"), permissions=["change"])
    def send_password_set_link(self, request: Any, queryset: Any) -> None:
        sent = 0
        for user in queryset:
            if self._superuser_account(request, user):
                self.message_user(
                    request,
                    _("%(user)s: only a superuser manages a superuser's account.")
                    % {"user": user.get_username()},
                    messages.ERROR,
                )
                continue
            if not user.is_active or not user.email:
                self.message_user(
                    request,
                    _("%(user)s: the account is inactive or has no email.")
                    % {"user": user.get_username()},
                    messages.WARNING,
                )
                continue
            form = PasswordSetLinkForm(user)
            if not form.is_valid():
                self.message_user(
                    request,
                    _("%(user)s: the email address is not valid.")
                    % {"user": user.get_username()},
                    messages.WARNING,
                )
                continue
            try:
                form.save(
                    request=request,
                    use_https=request.is_secure(),
                    subject_template_name=PASSWORD_SET_SUBJECT,
                    email_template_name=PASSWORD_SET_EMAIL,
                )
            except Exception as exc:  # SMTP and network errors alike
                self.message_user(
                    request,
                    _("%(user)s: the email could not be sent (%(error)s).")
                    % {"user": user.get_username(), "error": exc},
                    messages.ERROR,
                )
                continue
            self.log_change(request, user, "Sent a password-set link.")
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Sent %(count)d password-set link.",
                    "Sent %(count)d password-set links.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )

    @admin.action(description=_("Deactivate selected accounts"), permissions=["change"])
    def deactivate(self, request: Any, queryset: Any) -> None:
        """Deactivate (never delete: records name their author); not oneself,
        and a superuser's account only by a superuser."""
        skipped = queryset.filter(pk=request.user.pk)
        if not _is_superuser(request):
            skipped = skipped | queryset.filter(is_superuser=True)
        changed = 0
        for user in queryset.filter(is_active=True).exclude(pk__in=skipped):
            user.is_active = False
            user.save(update_fields=["is_active"])
            self.log_change(request, user, [{"changed": {"fields": ["is_active"]}}])
            changed += 1
        if skipped.exists():
            self.message_user(
                request,
                _("Left active: your own account and any superuser's account."),
                messages.WARNING,
            )
        self.message_user(
            request,
            ngettext(
                "Deactivated %(count)d account.",
                "Deactivated %(count)d accounts.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )


class StaffGroupAdmin(GroupAdmin):
    """The role groups: a manager sees them; only a superuser changes them
    (and `migrate` / `setup_roles` put their permissions back)."""

    def has_add_permission(self, request: Any) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _is_superuser(request)
