"""The Django admin for administrators. Saving goes through the services, so the admin
obeys the same rules as the pages (and writes the same timeline)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from accounts import limits, outbox
from accounts.forms import ADMIN_NUMBER_FIELDS
from accounts.models import (
    Activity,
    ApiToken,
    Company,
    CompanyStatus,
    Contact,
    FollowUp,
    Interaction,
    OutboxMessage,
    RoleChange,
)
from accounts.roles import company_owners
from accounts.services import (
    archive_company,
    complete_follow_up,
    delete_company,
    deletion_refusal,
    remove_contact,
    restore_company,
    save_company,
    save_contact,
)
from config.pagination import PaginatorByIds, first_matches


def service_action(name: str, description: str, done: str, call):
    """An admin action that applies a service, `call(obj, actor)`, to each selected row and
    reports how many it changed and why it refused the others (leaving those untouched)."""

    def action(model_admin, request, queryset):
        changed = 0
        for obj in queryset:
            try:
                call(obj, request.user)
            except ValidationError as error:
                message = f"{obj}: {' '.join(error.messages)}"
                model_admin.message_user(request, message, messages.ERROR)
            else:
                changed += 1
        if changed:
            model_admin.message_user(request, f"{changed} {done}.", messages.SUCCESS)

    action.__name__ = name
    return admin.action(description=description)(action)


class LargeListAdmin(admin.ModelAdmin):
    """A changelist over 100,000 rows: its count stops at 10,000 (no COUNT(*) of the table on
    each view, nor of the whole table beside the filtered one), its page is found among bare
    ids and then only that page's rows are read with their figures (PaginatorByIds), and a
    model whose QuerySet has `search(text)` is searched by it, through the trigram indexes its
    pages use, rather than by an OR of `search_fields` across joins, and shows its first
    SEARCH_LIMIT matches as the API does (first_matches)."""

    paginator = PaginatorByIds
    show_full_result_count = False
    # Rendering a row costs more than reading it (the admin formats each cell in Python):
    # 50 rows a page instead of 100 halves what the page takes.
    list_per_page = 50

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        # The same box as Django's, written directly: Django renders a form widget through
        # its template for each row, the dearest cell of the page.
        label = format_html(gettext("Select this object for an action - {}"), obj)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    def get_search_results(self, request, queryset, search_term):
        if search_term.strip() and hasattr(queryset, "search"):
            return first_matches(queryset, search_term), False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyAdmin(LargeListAdmin):
    """A record written only by the application: administrators look, never edit."""

    formfield_overrides = ADMIN_NUMBER_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactInline(admin.TabularInline):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    model = Contact
    extra = 0
    fields = (
        "first_name",
        "last_name",
        "email",
        "job_title",
        "is_primary",
        "is_decision_maker",
        "is_billing_contact",
        "is_champion",
    )


class CompanyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CompanyStatus.choices

    def queryset(self, request, queryset):
        return queryset.in_status(self.value()) if self.value() else queryset


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "Current"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


@admin.register(Company)
class CompanyAdmin(LargeListAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = (
        "name",
        "status",
        "industry",
        "country_name",
        "owner",
        "employee_count",
        "target_seats",
        "licensed_seats",
        "annual_value",
    )
    list_filter = (CompanyStatusFilter, ArchivedFilter, "industry", "country", "owner")
    search_fields = ("name", "domain", "contacts__email", "contacts__last_name")
    list_select_related = ("owner",)
    ordering = ("name", "pk")  # the order of the company(name, id) index: no sort
    readonly_fields = ("created_at", "updated_at", "archived_at")
    inlines = [ContactInline]
    actions = [
        service_action(
            "delete_companies",
            "Delete selected companies (only those without records)",
            "companies deleted",
            lambda company, actor: delete_company(company=company, actor=actor),
        ),
        service_action(
            "archive_companies",
            "Archive selected companies",
            "companies archived",
            lambda company, actor: archive_company(company=company, actor=actor),
        ),
        service_action(
            "restore_companies",
            "Restore selected archived companies",
            "companies restored",
            lambda company, actor: restore_company(company=company, actor=actor),
        ),
    ]

    def get_actions(self, request):
        # Django's own bulk delete would show a page of protected objects; ours explains.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        company = self.get_object(request, object_id)
        refusal = deletion_refusal(company) if company else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_company_change", args=[company.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        delete_company(company=obj, actor=request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).with_seats().with_status()

    # Status and seat figures are computed per row: sorting 100,000 companies by them would
    # compute them all (seconds); the company list sorts by seats and value where it can.
    @admin.display(description="Status")
    def status(self, company):
        return CompanyStatus(company.status).label

    @admin.display(description="Country", ordering="country")
    def country_name(self, company):
        # The admin's own display of a choice field walks all 250 countries for each row
        # (a second per page of 100).
        return company.country.name

    @admin.display(description="Licensed seats")
    def licensed_seats(self, company):
        return company.licensed_seats

    @admin.display(description="Annual value")
    def annual_value(self, company):
        # Formatting only (SQLite drops the trailing zeros); accounts cannot import licensing.
        return f"{company.annual_value:.2f}"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = company_owners()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        save_company(company=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        for contact in formset.save(commit=False):
            save_contact(contact=contact, actor=request.user)
        for contact in formset.deleted_objects:
            remove_contact(contact=contact, actor=request.user)


@admin.register(Contact)
class ContactAdmin(LargeListAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = (
        "full_name",
        "company",
        "email",
        "job_title",
        "is_primary",
        "is_decision_maker",
        "is_billing_contact",
        "is_champion",
        "accepts_reminders",
    )
    list_filter = (
        "is_primary",
        "is_decision_maker",
        "is_billing_contact",
        "is_champion",
        "accepts_reminders",
    )
    search_fields = ("first_name", "last_name", "email", "company__name")
    list_select_related = ("company",)
    ordering = ("last_name", "first_name", "pk")  # the order of the name index: no sort
    autocomplete_fields = ("company",)

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, contact):
        return contact.full_name

    def save_model(self, request, obj, form, change):
        save_contact(contact=obj, actor=request.user)

    def delete_model(self, request, obj):
        remove_contact(contact=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for contact in queryset.select_related("company"):
            remove_contact(contact=contact, actor=request.user)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "company", "kind", "message", "actor")
    list_filter = ("kind", "occurred_at")
    search_fields = ("message", "company__name")
    list_select_related = ("company", "actor")
    date_hierarchy = "occurred_at"


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    """Notes, calls and meetings: logged by account managers on the company page."""

    list_display = ("occurred_at", "company", "kind", "contact", "author")
    list_filter = ("kind", "occurred_at")
    search_fields = ("summary", "company__name")
    list_select_related = ("company", "contact", "author")
    date_hierarchy = "occurred_at"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    """Follow-ups: planned on the company page; an administrator may mark them done."""

    list_display = ("due_on", "title", "company", "assignee", "completed_at")
    list_filter = (("completed_at", admin.EmptyFieldListFilter), "due_on")
    search_fields = ("title", "company__name")
    list_select_related = ("company", "assignee")
    date_hierarchy = "due_on"
    actions = ["mark_done"]

    @admin.action(description="Mark the selected follow-ups done")
    def mark_done(self, request, queryset):
        done = 0
        for follow_up in queryset.open().select_related("company"):
            complete_follow_up(follow_up=follow_up, actor=request.user)
            done += 1
        self.message_user(request, f"{done} follow-up{'s' if done != 1 else ''} done.")


class UserChangeForm(auth_forms.UserChangeForm):
    """Staff names go into emails (greetings, the account manager's signature): one line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            if name in self.fields:
                self.fields[name].validators.append(limits.SINGLE_LINE)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Every email Seatdesk sent or will send; failed and stuck ones can be sent again."""

    list_display = [
        "created_at", "recipient", "subject", "kind", "status", "attempts", "next_attempt_at",
        "last_error",
    ]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields] + ["message_id"]
    actions = ["resend", "dismiss"]

    @admin.action(description="Send the selected emails again (failed or stuck ones)")
    def resend(self, request, queryset):
        count = outbox.resend_messages(messages=queryset)
        self.message_user(request, f"{count} emails queued again.", messages.SUCCESS)

    @admin.action(description="Dismiss the selected emails (give up on them)")
    def dismiss(self, request, queryset):
        count = outbox.dismiss_messages(messages=queryset, actor=request.user)
        self.message_user(request, f"{count} emails dismissed.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see every API token and revoke (delete) them; tokens are made by their
    users (API tokens page) or `manage.py create_api_token`, since a key is shown only once."""

    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = ["name", "user", "scope", "created", "expiry"]
    list_filter = ["scope"]
    search_fields = ["name", "user__username", "token_key"]
    fields = ["name", "user", "scope", "token_key", "created", "expiry"]
    readonly_fields = fields
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin):
    """Who gave or took which role, when: recorded whenever a user's groups change."""

    list_display = ("changed_at", "user", "action", "role", "changed_by")
    list_filter = ("action", "role", "changed_at")
    search_fields = ("user__username", "role", "changed_by__username")
    list_select_related = ("user", "changed_by")
    date_hierarchy = "changed_at"
