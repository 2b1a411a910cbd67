"""GET /api/v1/metrics/: the dashboard's figures as JSON (see sales/metrics/book.py and
sales/metrics/flows.py for each definition). Money is a decimal string, rates are decimal
fractions (0.25 for 25 %)."""

from decimal import ROUND_HALF_UP

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import limits
from accounts.api_base import RolePermission
from accounts.tokens import TokenScopePermission
from config.api import refuse_malformed_query
from sales import metrics
from sales.forms import DashboardFilterForm
from sales.metrics import snapshot


def money_field(**kwargs):
    return serializers.DecimalField(
        max_digits=18, decimal_places=2, rounding=ROUND_HALF_UP, read_only=True, **kwargs
    )


# Digits of the largest ratio or average the bounds allow: MAX_SEATS seats for one employee,
# one seat of target, or in one deal (a fixed max_digits narrower than that answered 500).
WHOLE_DIGITS = len(str(limits.MAX_SEATS * limits.MAX_SEAT_BLOCK_SIZE))


def fraction_field(**kwargs):
    """A rate or ratio as a JSON number, null when nothing was counted."""
    return serializers.DecimalField(
        max_digits=WHOLE_DIGITS + 4,
        decimal_places=4,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        **kwargs,
    )


def days_field():
    return serializers.DecimalField(
        max_digits=WHOLE_DIGITS + 1,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
    )


class SeatMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    new = serializers.IntegerField()
    expansion = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    not_renewed = serializers.IntegerField()
    net = serializers.IntegerField()


class ConversionMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    ended = serializers.IntegerField()
    converted = serializers.IntegerField()
    rate = fraction_field()


class PenetrationBucketSerializer(serializers.Serializer):
    label = serializers.CharField()
    companies = serializers.IntegerField()


class DealSizeSerializer(serializers.Serializer):
    blocks = serializers.IntegerField()
    deals = serializers.IntegerField()


class LostReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text='A decline reason, or "" when none was given')
    label = serializers.CharField()
    quotes = serializers.IntegerField()
    value = money_field(help_text="The declined quotes' totals")


class RenewalMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    licenses = serializers.IntegerField()
    annual_value = money_field()


class OpportunitySerializer(serializers.Serializer):
    company_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    licensed_seats = serializers.IntegerField(help_text="All products together")
    top_product_seats = serializers.IntegerField(
        help_text="Seats of the most-licensed product: penetration and whitespace read these"
    )
    employee_count = serializers.IntegerField(allow_null=True)
    target_seats = serializers.IntegerField(allow_null=True)
    whitespace_seats = serializers.IntegerField(source="whitespace")
    whitespace_value = money_field()


class UsageRowSerializer(serializers.Serializer):
    license = serializers.IntegerField(source="license_id")
    company = serializers.IntegerField(source="license.company_id")
    company_name = serializers.CharField(source="license.company.name")
    product = serializers.CharField(source="license.product.code")
    licensed_seats = serializers.IntegerField(source="license.seats")
    assigned_seats = serializers.IntegerField()
    active_users_30d = serializers.IntegerField()
    utilisation = fraction_field(help_text="Active users (30 days) / licensed seats")
    ends_on = serializers.DateField(source="license.ends_on")
    whitespace_seats = serializers.IntegerField(source="whitespace")


class UsageListSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Licenses in the list")
    rows = UsageRowSerializer(many=True, help_text="The first 10")


class UsageListsSerializer(serializers.Serializer):
    expansion_ready = UsageListSerializer()
    renewal_at_risk = UsageListSerializer()
    over_deployed = UsageListSerializer()


class MetricsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    today = serializers.DateField()
    as_of = serializers.DateTimeField(
        help_text="When the figures stood so: the default period's are a snapshot of the book, "
        "refreshed after each change"
    )
    owner = serializers.IntegerField(allow_null=True, help_text="Account manager's id; null: all")
    # The book today.
    active_seats = serializers.IntegerField()
    arr = money_field(help_text="Annual recurring revenue of active licenses")
    mrr = money_field(help_text="ARR / 12")
    customers = serializers.IntegerField()
    seat_penetration = fraction_field(
        help_text="Seats of each customer's most-licensed product / headcount"
    )
    target_attainment = fraction_field()
    whitespace_seats = serializers.IntegerField()
    whitespace_value = money_field()
    renewals_due_30_days = serializers.IntegerField()
    renewals_due_30_days_value = money_field()
    renewals_due_60_days = serializers.IntegerField()
    renewals_due_60_days_value = money_field()
    renewals_due_90_days = serializers.IntegerField()
    renewals_due_90_days_value = money_field()
    renewals_decided_12_months = serializers.IntegerField()
    renewals_renewed_12_months = serializers.IntegerField()
    renewal_rate_12_months = fraction_field()
    seats_a_year_ago = serializers.IntegerField()
    seats_now_of_that_cohort = serializers.IntegerField()
    net_seat_retention_12_months = fraction_field()
    # The period.
    trials_ended = serializers.IntegerField()
    trials_converted = serializers.IntegerField()
    trial_conversion_rate = fraction_field()
    median_days_to_convert = days_field()
    seats_new = serializers.IntegerField()
    seats_expansion = serializers.IntegerField()
    seats_cancelled = serializers.IntegerField()
    seats_not_renewed = serializers.IntegerField()
    seats_added = serializers.IntegerField()
    seats_lost = serializers.IntegerField()
    net_seat_growth = serializers.IntegerField()
    deals = serializers.IntegerField()
    average_seats_per_deal = days_field()
    quotes_decided = serializers.IntegerField()
    quotes_won = serializers.IntegerField()
    quote_win_rate = fraction_field()
    lost_reasons = LostReasonSerializer(
        many=True, help_text="Why we lose: the quotes declined in the period by reason"
    )
    licenses_gone_live = serializers.IntegerField()
    median_days_to_go_live = days_field()
    # Seat usage (licenses in force with a report in the last 7 days).
    book_utilisation = fraction_field(help_text="Active users (30 days) / licensed seats")
    utilisation_active_users = serializers.IntegerField()
    utilisation_licensed_seats = serializers.IntegerField()
    utilisation_licenses = serializers.IntegerField()
    median_days_to_50_percent_active = days_field()
    licenses_50_percent_active = serializers.IntegerField()
    median_days_to_80_percent_active = days_field()
    licenses_80_percent_active = serializers.IntegerField()
    usage_lists = UsageListsSerializer()
    # Series.
    seat_growth_by_month = SeatMonthSerializer(many=True)
    conversion_by_month = ConversionMonthSerializer(many=True)
    penetration_distribution = PenetrationBucketSerializer(many=True)
    deals_by_blocks = DealSizeSerializer(many=True)
    renewals_by_month = RenewalMonthSerializer(many=True)
    expansion_opportunities = OpportunitySerializer(many=True, source="opportunities")


class MetricsView(APIView):
    permission_classes = [TokenScopePermission, RolePermission]
    view_permission = "view_dashboard"

    @extend_schema(
        summary="Dashboard figures",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day of the period"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of the period"),
            OpenApiParameter(
                "owner",
                OpenApiTypes.STR,
                description='An account manager\'s id, or "all". Default: an account '
                "manager's own book, everything for Finance and Administrators.",
            ),
        ],
        responses=MetricsSerializer,
    )
    def get(self, request):
        form = DashboardFilterForm(request.query_params, user=request.user)
        refuse_malformed_query(request.query_params, form)
        if not form.is_valid():
            raise ValidationError(form.errors)
        scope = form.scope()
        figures = snapshot.figures(scope)
        usage_lists = {each.slug.replace("-", "_"): each for each in metrics.usage_lists(figures)}
        return Response(
            MetricsSerializer({**figures, "owner": scope.owner_id, "usage_lists": usage_lists}).data
        )


urlpatterns = [path("metrics/", MetricsView.as_view(), name="api-metrics")]
