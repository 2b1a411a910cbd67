"""The admin of quotes. A draft is created and edited through the quote services (which
price it); a sent quote is frozen, so the admin shows it read-only; state changes are
actions that call the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import LargeListAdmin, ReadOnlyAdmin, service_action
from accounts.forms import ADMIN_NUMBER_FIELDS
from licensing.models import Product
from sales import services
from sales.forms import PercentField
from sales.models import (
    Quote,
    QuoteAcceptance,
    QuoteLine,
    QuoteLink,
    QuoteNumberSequence,
    QuoteQuestion,
)
from sales.pricing import LineInput


class QuoteLineInline(admin.TabularInline):
    """Lines of a draft: the product and the requested seats; the service prices the rest."""

    formfield_overrides = ADMIN_NUMBER_FIELDS

    model = QuoteLine
    extra = 0
    fields = (
        "product",
        "requested_seats",
        "billed_seats",
        "unit_price",
        "months",
        "line_total",
        "license",
    )
    readonly_fields = ("billed_seats", "unit_price", "months", "line_total", "license")

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)


class CurrencyFilter(admin.SimpleListFilter):
    """Quotes by currency, offered from the products' currencies (a few rows) rather than
    from every quote's."""

    title = "currency"
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        currencies = Product.objects.order_by("currency").values_list("currency", flat=True)
        return [(currency, currency) for currency in currencies.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(currency=self.value()) if self.value() else queryset


@admin.register(Quote)
class QuoteAdmin(LargeListAdmin, SimpleHistoryAdmin):
    formfield_overrides = ADMIN_NUMBER_FIELDS
    list_display = (
        "reference",
        "company",
        "owner",
        "kind",
        "status",
        "approval",
        "total",
        "currency",
        "sent_at",
        "valid_until",
    )
    # No date_hierarchy, nor a filter by the currencies found in the table: each reads the
    # distinct values of every quote on every view (half a second at 110,000 quotes).
    list_filter = ("status", "kind", "approval", "owner", CurrencyFilter, "sent_at")
    search_fields = ("number", "company__name", "contact__email")
    list_select_related = ("company", "owner")
    autocomplete_fields = ("company", "contact", "trial", "license")
    inlines = [QuoteLineInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Percentages read as in the quote builder: "17,5" is 17.5, never 175.
        if db_field.name in ("discount_percent", "tax_percent"):
            return PercentField(label=db_field.verbose_name.capitalize() + " (%)")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    add_fields = ("company", "kind", "trial", "license") + services.EDITABLE_FIELDS
    # A draft's page: what the quote is (read-only), its terms (editable), what it came to.
    sections = (
        (None, ("number", "revision", "company", "owner", "kind", "status", "trial", "license")),
        ("Terms", services.EDITABLE_FIELDS),
        ("Totals", ("currency", "subtotal", "discount_amount", "tax_amount", "total")),
        ("Discount approval", ("approval", "approved_by", "approval_comment")),
        ("History", ("sent_at", "accepted_at", "declined_at", "expired_at")),
    )
    actions = [
        service_action(
            "approve",
            "Approve the discount of the selected drafts",
            "discounts approved",
            lambda quote, actor: services.approve_quote(quote=quote, actor=actor),
        ),
        service_action(
            "send",
            "Send the selected drafts",
            "quotes sent",
            lambda quote, actor: services.send_quote(quote=quote, actor=actor),
        ),
        service_action(
            "accept",
            "Mark the selected quotes accepted (makes the licenses)",
            "quotes accepted",
            lambda quote, actor: services.accept_quote(quote=quote, actor=actor),
        ),
        service_action(
            "decline",
            "Mark the selected quotes declined",
            "quotes declined",
            lambda quote, actor: services.decline_quote(quote=quote, actor=actor),
        ),
        service_action(
            "expire",
            "Expire the selected quotes past their validity",
            "quotes expired",
            lambda quote, actor: services.expire_quote(quote=quote),
        ),
        service_action(
            "revise",
            "Open a revision of the selected quotes",
            "revisions opened",
            lambda quote, actor: services.revise_quote(quote=quote, actor=actor),
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.add_fields})]
        return [(title, {"fields": fields}) for title, fields in self.sections]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return tuple(
            name
            for _, fields in self.sections
            for name in fields
            if name not in services.EDITABLE_FIELDS
        )

    def has_change_permission(self, request, obj=None):
        # A sent quote is frozen: its page is read-only and a POST to it is refused.
        return (obj is None or obj.is_draft) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Quotes are business records (and numbers stay gapless): decline or expire instead.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The services check what a form cannot see (an open trial or license, the lines'
        # products and currency): show their refusal instead of a server error. The admin's
        # own transaction has rolled back by then.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def construct_change_message(self, request, form, formsets, add=False):
        # The lines were rewritten by the service, not saved by the formset.
        return super().construct_change_message(request, form, [], add)

    def save_model(self, request, obj, form, change):
        """Nothing yet: the quote is written with its lines in save_related."""

    def save_related(self, request, form, formsets, change):
        (lines_formset,) = formsets
        lines = [
            LineInput(line.cleaned_data["product"], line.cleaned_data["requested_seats"])
            for line in lines_formset.forms
            if line.cleaned_data and not line.cleaned_data.get("DELETE")
        ]
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        quote = form.instance
        if change:
            services.update_quote(quote=quote, actor=request.user, lines=lines, **fields)
            return
        created = services.create_quote(
            company=form.cleaned_data["company"],
            kind=form.cleaned_data["kind"],
            trial=form.cleaned_data["trial"],
            license=form.cleaned_data["license"],
            lines=lines,
            actor=request.user,
            **fields,
        )
        # The admin goes on with `form.instance` (log entry, redirect): give it the new row.
        quote.pk = created.pk
        quote.refresh_from_db()


@admin.register(QuoteNumberSequence)
class QuoteNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last_number")


@admin.register(QuoteLine.history.model)
class QuoteLineHistoryAdmin(ReadOnlyAdmin):
    """Quote lines are written with their quote: their own history, read-only."""

    list_display = ("history_date", "history_user", "history_type", "quote", "product", "billed_seats", "line_total")  # fmt: skip
    list_filter = ("history_type", "history_date")
    search_fields = ("quote__number",)
    list_select_related = ("history_user", "quote", "product")
    date_hierarchy = "history_date"


@admin.register(QuoteLink)
class QuoteLinkAdmin(ReadOnlyAdmin):
    """The quotes' personal links and their openings; the key (half of a token) stays hidden."""

    list_display = ("quote", "email", "created_at", "opens", "last_opened_at", "withdrawn_at")
    list_select_related = ("quote",)
    search_fields = ("quote__number", "email")
    exclude = ("key",)


@admin.register(QuoteAcceptance)
class QuoteAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("quote", "name", "title", "email", "accepted_at", "ip_address")
    list_select_related = ("quote",)
    search_fields = ("quote__number", "name", "email")
    exclude = ("certificate_pdf",)  # downloaded from the quote's page


@admin.register(QuoteQuestion)
class QuoteQuestionAdmin(ReadOnlyAdmin):
    list_display = ("quote", "link", "asked_at", "message")
    list_select_related = ("quote", "link__quote")
    search_fields = ("quote__number", "message")
