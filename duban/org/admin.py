"""The office's back room: units, accounts, enterprises, leaders' responsibilities, API tokens.

Labels come from the models' verbose names. Writes here bypass the services, so only the
office's superusers reach the admin; versioned rows still get their version bumped so a form
opened elsewhere notices the change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.org.models import (
    ApiToken,
    AuditEvent,
    Enterprise,
    NameAlias,
    Responsibility,
    Unit,
    User,
)
from duban.org.services import api_token_revoke, user_password_set_by_office


class VersionBumpMixin:
    """Bump `version` on every admin save of a VersionedModel (optimistic locking)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)  # type: ignore[misc]


class NameAliasForm(forms.ModelForm):
    """The rule of name_alias_add: one written name never names two units or two people."""

    class Meta:
        model = NameAlias
        fields = ("alias", "unit", "user")

    def clean(self) -> dict[str, Any]:
        from duban.org.names import LeaderNames, UnitNames, name_key

        data = super().clean() or {}
        alias = data.get("alias") or ""
        unit_id = self.instance.unit_id or getattr(data.get("unit"), "pk", None)
        user_id = self.instance.user_id or getattr(data.get("user"), "pk", None)
        if alias and (unit_id or user_id):
            found = (
                UnitNames.load().matches(alias) if unit_id else LeaderNames.load().matches(alias)
            )
            others = [o for o in found if o.pk != (unit_id or user_id)]
            taken = NameAlias.objects.filter(key=name_key(alias)[:100]).exclude(pk=self.instance.pk)
            if others or taken.exists():
                names = ", ".join(str(o) for o in others) or str(taken.first())
                self.add_error(
                    "alias",
                    _("“%(alias)s”已是%(other)s的名称或别名。") % {"alias": alias, "other": names},
                )
        return data


class UnitAliasInline(admin.TabularInline):
    """Other names of the unit (区发改局, 发展改革局…): the imports resolve names through them."""

    model = NameAlias
    form = NameAliasForm
    fk_name = "unit"
    fields = ("alias", "learned")
    readonly_fields = ("learned",)
    extra = 1


@admin.register(NameAlias)
class NameAliasAdmin(SimpleHistoryAdmin):
    form = NameAliasForm
    list_display = ("alias", "unit", "user", "learned", "created_at")
    list_filter = ("learned",)
    list_select_related = ("unit", "user")
    search_fields = ("alias", "unit__name", "user__full_name")
    autocomplete_fields = ("unit", "user")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    inlines = (UnitAliasInline,)
    list_display = ("name", "code", "short_name", "kind", "parent", "assessed", "is_active")
    list_filter = ("kind", "assessed", "is_active", "parent")
    list_select_related = ("parent",)
    search_fields = ("name", "code", "short_name")
    list_editable = ("assessed", "is_active")
    ordering = ("sort_order", "code")
    autocomplete_fields = ("parent",)


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "unit", "title", "is_active", "is_staff")
    list_filter = ("role", "unit__kind", "is_active", "is_staff", "is_superuser")
    list_select_related = ("unit",)
    search_fields = ("username", "full_name", "unit__name", "phone")
    autocomplete_fields = ("unit",)
    ordering = ("username",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("督办"),
            {
                "fields": (
                    "role",
                    "unit",
                    "principal",
                    "full_name",
                    "title",
                    "phone",
                    "must_change_password",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            user_password_set_by_office(user=obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # The office set a new password: the user must choose their own at next sign-in.
            user = self.get_object(request, id)
            if user is not None and user.pk != getattr(request.user, "pk", None):
                user_password_set_by_office(user=user)
        return response

    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("督办"), {"fields": ("role", "unit", "full_name", "title", "phone")}),
    )


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "contact_name", "contact_phone")
    search_fields = ("name", "credit_code", "contact_name")


@admin.register(Responsibility)
class ResponsibilityAdmin(SimpleHistoryAdmin):
    list_display = (
        "leader",
        "relation",
        "unit",
        "work_item",
        "enterprise",
        "start_date",
        "end_date",
    )
    list_filter = ("relation", "leader")
    list_select_related = ("leader", "unit", "work_item", "enterprise")
    search_fields = (
        "leader__full_name",
        "leader__username",
        "unit__name",
        "work_item__title",
        "enterprise__name",
    )
    autocomplete_fields = ("leader", "unit", "work_item", "enterprise")


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Tokens are issued by `duban token USER` (the key is shown once); here they are revoked."""

    list_display = ("user", "prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__full_name", "prefix")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at", "revoked")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.order_by("pk"))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, _("已吊销%(n)s个令牌。") % {"n": len(tokens)}, messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are written once, never changed or deleted."""

    list_display = ("at", "kind", "username", "ip", "what")
    list_filter = ("kind",)
    search_fields = ("username", "what", "ip")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
