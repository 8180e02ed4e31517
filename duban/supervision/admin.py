from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from duban.supervision.models import CardRules, SupervisionSettings


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["district", "number_pattern", "reply_working_days"]


@admin.register(CardRules)
class CardRulesAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "several_red", "red_item_months", "note"]
