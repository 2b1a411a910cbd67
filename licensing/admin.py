"""The admin of the price book, trials and licenses. Trials and licenses are created and
moved between states only through the services; once created their terms are read-only
here (extending, converting or adding seats are business actions with their own rules)."""

from django.contrib import admin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import LargeListAdmin, ReadOnlyAdmin, service_action
from accounts.forms import ADMIN_NUMBER_FIELDS
from licensing import services
from licensing.models import License, PriceTier, Product, Reminder, SeatChange, Trial


class PriceTierInline(admin.TabularInline):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    model = PriceTier
    extra = 0
    min_num = 1
    fields = ("min_seats", "unit_price")


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = (
        "name",
        "code",
        "seat_block_size",
        "billing_period",
        "currency",
        "tier_count",
        "active",
    )
    list_filter = ("active", "billing_period", "currency", "seat_block_size")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    inlines = [PriceTierInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tier_count=Count("price_tiers"))

    @admin.display(description="Tiers", ordering="tier_count")
    def tier_count(self, product):
        return product.tier_count


class StartedThroughServiceAdmin(LargeListAdmin, SimpleHistoryAdmin):
    """The add form calls the start service; an existing trial or license is shown read-only
    and changes only through the actions, which call the services."""

    formfield_overrides = ADMIN_NUMBER_FIELDS

    add_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Business records: cancel or expire them instead.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "product":
            kwargs["queryset"] = Product.objects.active()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def start(self, obj, actor):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        # The admin goes on with `obj` (its log entry and redirect need the new row's pk).
        obj.pk = self.start(obj, request.user).pk
        obj.refresh_from_db()


@admin.register(Trial)
class TrialAdmin(StartedThroughServiceAdmin):
    list_display = (
        "company",
        "product",
        "seats",
        "starts_on",
        "ends_on",
        "status",
        "times_extended",
        "converted_license",
    )
    list_filter = ("status", "product", "ends_on")
    search_fields = ("company__name",)
    list_select_related = (
        "company",
        "product",
        "converted_license__company",
        "converted_license__product",
    )
    ordering = ("ends_on", "pk")  # the order of the trial(ends_on, id) index: no sort
    autocomplete_fields = ("company",)
    add_fields = ("company", "product", "seats", "starts_on", "ends_on")
    fields = add_fields + (
        "status",
        "times_extended",
        "converted_license",
        "created_by",
        "created_at",
        "ended_at",
    )
    actions = [
        service_action(
            "extend_by_a_week",
            "Extend the selected trials by 7 days",
            "trials extended",
            lambda trial, actor: services.extend_trial(trial=trial, days=7, actor=actor),
        ),
        service_action(
            "cancel",
            "Cancel the selected trials",
            "trials cancelled",
            lambda trial, actor: services.cancel_trial(trial=trial, actor=actor),
        ),
        service_action(
            "expire",
            "Expire the selected trials that have ended",
            "trials expired",
            lambda trial, actor: services.expire_trial(trial=trial),
        ),
    ]

    def start(self, trial, actor):
        return services.start_trial(
            company=trial.company,
            product=trial.product,
            seats=trial.seats,
            starts_on=trial.starts_on,
            days=(trial.ends_on - trial.starts_on).days + 1,
            actor=actor,
        )


class SeatChangeInline(admin.TabularInline):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    model = SeatChange
    extra = 0
    fields = ("effective_on", "delta", "seats_after", "prorated_amount", "created_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(License)
class LicenseAdmin(StartedThroughServiceAdmin):
    list_display = (
        "company",
        "product",
        "seats",
        "unit_price",
        "annual_value",
        "starts_on",
        "ends_on",
        "status",
        "live_on",
    )
    list_filter = ("status", "product", "ends_on")
    search_fields = ("company__name",)
    list_select_related = ("company", "product")
    ordering = ("ends_on", "pk")  # the order of the license(ends_on, id) index: no sort
    autocomplete_fields = ("company",)
    add_fields = ("company", "product", "seats", "unit_price", "starts_on", "ends_on")
    fields = add_fields + ("status", "renews", "cancelled_on", "live_on", "created_at")
    inlines = [SeatChangeInline]
    actions = [
        service_action(
            "cancel",
            "Cancel the selected licenses from today",
            "licenses cancelled",
            lambda license, actor: services.cancel_license(license=license, actor=actor),
        ),
        service_action(
            "expire",
            "Expire the selected licenses whose term has ended",
            "licenses expired",
            lambda license, actor: services.expire_license(license=license),
        ),
    ]

    @admin.display(description="Annual value")
    def annual_value(self, license):
        return license.annual_value

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def start(self, license, actor):
        return services.create_license(
            company=license.company,
            product=license.product,
            seats=license.seats,
            unit_price=license.unit_price,
            starts_on=license.starts_on,
            ends_on=license.ends_on,
            actor=actor,
        )


@admin.register(SeatChange)
class SeatChangeAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("license", "delta", "seats_after", "effective_on", "prorated_amount")
    list_filter = ("effective_on", "license__product")
    search_fields = ("license__company__name",)
    list_select_related = ("license__company", "license__product")
    date_hierarchy = "effective_on"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
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


@admin.register(PriceTier.history.model)
class PriceTierHistoryAdmin(ReadOnlyAdmin):
    """Price tiers are edited inline on their product: their own history, read-only."""

    list_display = (
        "history_date",
        "history_user",
        "history_type",
        "product",
        "min_seats",
        "unit_price",
    )
    list_filter = ("history_type", "history_date")
    list_select_related = ("history_user", "product")
    date_hierarchy = "history_date"
