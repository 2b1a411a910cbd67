"""Quotes over the API, and the trial and license actions that answer with a drafted quote
(licensing cannot import sales, so those actions are added here on licensing's paths).
Writes go through sales.services; pricing is sales.pricing's, read back from the quote."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts import limits
from accounts.api_base import (
    CreateOnlyFieldsMixin,
    DateField,
    IntegerField,
    ModelSerializer,
    RoleViewSetMixin,
)
from licensing.api import LicenseAccessMixin, TrialAccessMixin
from sales import services
from sales.models import Quote, QuoteLine
from sales.pricing import LineInput


class QuoteLineSerializer(ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = [
            "product",
            "requested_seats",
            "billed_seats",
            "seat_block_size",
            "unit_price",
            "months",
            "line_total",
            "license",
        ]
        read_only_fields = [
            "billed_seats",
            "seat_block_size",
            "unit_price",
            "months",
            "line_total",
            "license",
        ]


class QuoteSerializer(CreateOnlyFieldsMixin, ModelSerializer):
    lines = QuoteLineSerializer(
        many=True, help_text="Priced by the server; writing them replaces every line."
    )
    starts_on = DateField(required=False, help_text="First day of the term; today by default.")
    # Blank until the quote is declined: the schema says so (a choice or "").
    decline_reason_code = serializers.ChoiceField(
        choices=Quote.DeclineReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Quote
        fields = [
            "id",
            "reference",
            "number",
            "revision",
            "previous_revision",
            "company",
            "contact",
            "owner",
            "kind",
            "status",
            "approval",
            "approval_comment",
            "currency",
            "term_months",
            "starts_on",
            "valid_until",
            "discount_percent",
            "discount_justification",
            "tax_percent",
            "notes",
            "terms",
            "po_reference",
            "billing_address",
            "vat_number",
            "lines",
            "subtotal",
            "discount_amount",
            "tax_amount",
            "total",
            "trial",
            "license",
            "created_at",
            "sent_at",
            "accepted_at",
            "declined_at",
            "decline_reason_code",
            "decline_reason",
            "expired_at",
        ]
        read_only_fields = [
            "number",
            "revision",
            "previous_revision",
            "owner",
            "kind",
            "status",
            "approval",
            "approval_comment",
            "currency",
            "subtotal",
            "discount_amount",
            "tax_amount",
            "total",
            "trial",
            "license",
            "billing_address",
            "vat_number",
            "sent_at",
            "accepted_at",
            "declined_at",
            "decline_reason_code",
            "decline_reason",
            "expired_at",
        ]
        create_only_fields = ["company"]
        # A percentage is a JSON number or a string with a decimal point: "17,5" is refused
        # rather than guessed at (the browser form accepts the decimal comma).
        extra_kwargs = {
            name: {
                "error_messages": {
                    "invalid": "Enter a number with a point as the decimal separator, such as 17.5."
                }
            }
            for name in ("discount_percent", "tax_percent")
        }

    @staticmethod
    def line_inputs(lines):
        return [LineInput(line["product"], line["requested_seats"]) for line in lines]

    def create(self, validated_data):
        lines = self.line_inputs(validated_data.pop("lines"))
        return services.create_quote(
            actor=self.context["request"].user, lines=lines, **validated_data
        )

    def update(self, quote, validated_data):
        lines = validated_data.pop("lines", None)
        return services.update_quote(
            quote=quote,
            actor=self.context["request"].user,
            lines=None if lines is None else self.line_inputs(lines),
            **validated_data,
        )


class QuoteFilter(django_filters.FilterSet):
    created_after = django_filters.DateFilter(field_name="created_at__date", lookup_expr="gte")
    created_before = django_filters.DateFilter(field_name="created_at__date", lookup_expr="lte")

    class Meta:
        model = Quote
        fields = [
            "company",
            "contact",
            "owner",
            "kind",
            "status",
            "approval",
            "number",
            "created_after",
            "created_before",
        ]


class SendSerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.TEXT_MESSAGE,
        help_text="A note to the recipient.",
    )


class DeclineSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=Quote.DeclineReason.choices,
        required=False,
        allow_blank=True,
        help_text="Why the quote was lost, counted on the dashboard; blank: not given.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=Quote._meta.get_field("decline_reason").max_length,
        help_text='The client\'s words; required with "other".',
    )


class ApprovalSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=Quote._meta.get_field("approval_comment").max_length,
        help_text="Finance's word to the account manager; required to reject.",
    )


def quote_response(view, quote, status_code=status.HTTP_200_OK) -> Response:
    return Response(QuoteSerializer(quote, context=view.get_serializer_context()).data, status_code)


class QuoteViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Quotes with their priced lines. A draft is edited freely; sending freezes it and
    gives it its number; a change after that is a new revision."""

    queryset = Quote.objects.prefetch_related("lines").order_by("-created_at", "-pk")
    serializer_class = QuoteSerializer
    view_permission = "view_quotes"
    edit_permission = "edit_quote"
    parent_field = "company"
    filterset_class = QuoteFilter
    search_fields = ["number", "company__name", "notes"]
    ordering_fields = ["created_at", "sent_at", "valid_until", "total", "number"]
    # Finance's answer to a discount above the threshold, as on the approvals page.
    action_permissions = {"approve": "approve_quote", "reject": "approve_quote"}

    @extend_schema(request=SendSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Freeze a draft, give it its number and send it to its contact."""
        arguments = SendSerializer(data=request.data)
        arguments.is_valid(raise_exception=True)
        quote = services.send_quote(
            quote=self.get_object(), actor=request.user, **arguments.validated_data
        )
        return quote_response(self, quote)

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Record the client's acceptance of a sent quote; its licenses start."""
        return quote_response(
            self, services.accept_quote(quote=self.get_object(), actor=request.user)
        )

    @extend_schema(request=DeclineSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Record that the client declined a sent quote, or that an expired one was lost, with
        the reason if known."""
        reason = DeclineSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        return quote_response(
            self,
            services.decline_quote(
                quote=self.get_object(), actor=request.user, **reason.validated_data
            ),
        )

    @extend_schema(request=ApprovalSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Finance or an administrator approves a draft's discount above the threshold, so it may be sent."""
        return self._answer_approval(request, services.approve_quote)

    @extend_schema(request=ApprovalSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Finance refuses a draft's discount; the comment (required) says why."""
        return self._answer_approval(request, services.reject_quote)

    def _answer_approval(self, request, service):
        arguments = ApprovalSerializer(data=request.data)
        arguments.is_valid(raise_exception=True)
        comment = arguments.validated_data.get("comment", "")
        return quote_response(
            self, service(quote=self.get_object(), actor=request.user, comment=comment)
        )

    @extend_schema(request=None, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Open a new draft revision of a sent, declined or expired quote."""
        revision = services.revise_quote(quote=self.get_object(), actor=request.user)
        return quote_response(self, revision, status.HTTP_201_CREATED)


class TrialQuoteViewSet(TrialAccessMixin, viewsets.GenericViewSet):
    """The trial action that drafts a quote, on the trials' own paths."""

    serializer_class = QuoteSerializer

    @extend_schema(request=None, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Draft the quote converting an active trial into a paid license (same product and
        seats); accepting that quote converts the trial."""
        quote = services.draft_trial_conversion_quote(trial=self.get_object(), actor=request.user)
        return quote_response(self, quote, status.HTTP_201_CREATED)


class AddSeatsSerializer(serializers.Serializer):
    seats = IntegerField(
        min_value=1,
        max_value=limits.MAX_SEATS,
        error_messages={"max_value": f"At most {limits.MAX_SEATS:,} seats per license."},
    )
    effective_on = DateField(
        required=False, help_text="From this day to the term's end; today by default."
    )


class LicenseQuoteViewSet(LicenseAccessMixin, viewsets.GenericViewSet):
    """The license actions that draft a quote, on the licenses' own paths."""

    serializer_class = QuoteSerializer

    @extend_schema(request=AddSeatsSerializer, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"], url_path="add-seats")
    def add_seats(self, request, pk=None):
        """Draft an expansion quote: seats added from `effective_on`, prorated to the license's
        end at its locked unit price. Accepting it adds the seats."""
        arguments = AddSeatsSerializer(data=request.data)
        arguments.is_valid(raise_exception=True)
        quote = services.draft_expansion_quote(
            license=self.get_object(),
            seats=arguments.validated_data["seats"],
            effective_on=arguments.validated_data.get("effective_on", timezone.localdate()),
            actor=request.user,
        )
        return quote_response(self, quote, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: QuoteSerializer, 201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """Draft the renewal quote: the next term, same seats and length, at today's price
        book (201). While a renewal quote of the license is a draft or sent, answers with
        that one (200). Accepting it renews the license."""
        license = self.get_object()
        open_renewal = Quote.objects.open_renewals_of(license).first()
        if open_renewal is not None:
            return quote_response(self, open_renewal)
        quote = services.draft_renewal_quote(license=license, actor=request.user)
        return quote_response(self, quote, status.HTTP_201_CREATED)


routes = [("quotes", QuoteViewSet, "quote")]

# The drafting actions join licensing's trials/ and licenses/ paths through a router of their
# own, so the API root keeps listing those resources under licensing's viewsets.
actions = SimpleRouter()
actions.register("trials", TrialQuoteViewSet, basename="trial-quote")
actions.register("licenses", LicenseQuoteViewSet, basename="license-quote")
urlpatterns = actions.urls
