from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.forms import ADMIN_NUMBER_FIELDS
from onboarding.models import ChecklistTemplate, Onboarding, Task, TemplateTask


class TemplateTaskInline(admin.TabularInline):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    model = TemplateTask
    fields = ["position", "title", "category", "due_after_days", "owner_role", "description"]
    ordering = ["position", "id"]
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ["name", "product", "is_default", "go_live_after_days"]
    inlines = [TemplateTaskInline]


class TaskInline(admin.TabularInline):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    model = Task
    fields = ["position", "title", "category", "assignee", "due_on", "status"]
    # Status changes go through the checklist page, which records who did what.
    readonly_fields = ["status"]
    ordering = ["position", "id"]
    extra = 0


@admin.register(Onboarding)
class OnboardingAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = [
        "company",
        "license",
        "owner",
        "status",
        "starts_on",
        "target_live_on",
        "live_on",
    ]
    list_filter = ["status", "owner"]
    search_fields = ["company__name"]
    list_select_related = ["company", "license__product", "owner"]
    raw_id_fields = ["company", "license"]
    # Going live is a business rule (services.mark_live); the admin only shows it.
    readonly_fields = ["status", "live_on"]
    inlines = [TaskInline]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ["title", "onboarding", "category", "status", "assignee", "due_on"]
    list_filter = ["category", "status"]
    search_fields = ["title", "onboarding__company__name"]
    list_select_related = ["onboarding__company", "onboarding__license__product", "assignee"]
    raw_id_fields = ["onboarding", "seat_change"]
    readonly_fields = ["status", "blocked_reason", "done_at", "done_by"]
