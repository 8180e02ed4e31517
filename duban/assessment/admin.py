from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.assessment.models import Rule, Scheme


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "number", "from_month", "base_score"]
    inlines = [RuleInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        # A version is never edited: revisions go through the service (a new version).
        return False
