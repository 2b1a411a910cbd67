from django.contrib import admin

from licensing.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "kind",
        "offset",
        "due_on",
        "company",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "due_on"]
    search_fields = ["subject", "company__name", "last_error"]
    list_select_related = ["company"]
    date_hierarchy = "due_on"
    readonly_fields = ["created_at", "sent_at", "attempts", "last_error"]
