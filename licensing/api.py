"""The price book, trials and licenses over the API; writes go through licensing.services.

The actions that answer with a drafted quote (trial convert/, license add-seats/ and
renew/) belong to sales and are added on the same paths by sales.api.quotes."""

import json

import django_filters
from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import limits
from accounts.api_base import (
    DateField,
    IntegerField,
    ModelSerializer,
    RolePermission,
    RoleViewSetMixin,
)
from accounts.tokens import TokenScopePermission
from licensing import pricing, services
from licensing.models import LICENSE_STATES, SCHEDULED, License, PriceTier, Product, Trial


class PriceTierSerializer(ModelSerializer):
    class Meta:
        model = PriceTier
        fields = ["min_seats", "unit_price"]
        # Checked together by the service (first tier from 1 seat, no duplicates).
        validators = []


class ProductSerializer(ModelSerializer):
    price_tiers = PriceTierSerializer(
        many=True, help_text="Volume prices; writing them replaces every tier of the product."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "description",
            "seat_block_size",
            "billing_period",
            "currency",
            "active",
            "price_tiers",
        ]

    def save_product(self, product, validated_data):
        tiers = validated_data.pop("price_tiers", None)
        for name, value in validated_data.items():
            setattr(product, name, value)
        return services.save_product(
            product=product,
            tiers=None if tiers is None else [pricing.Tier(**tier) for tier in tiers],
        )

    def create(self, validated_data):
        return self.save_product(Product(), validated_data)

    def update(self, product, validated_data):
        return self.save_product(product, validated_data)


class ProductViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The price book: products sold per seat in blocks, with volume price tiers."""

    queryset = Product.objects.with_tiers().order_by("name", "pk")
    serializer_class = ProductSerializer
    view_permission = "view_price_book"
    edit_permission = "edit_price_book"
    filterset_fields = ["active", "billing_period", "currency"]
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code", "seat_block_size"]


class TrialSerializer(ModelSerializer):
    starts_on = DateField(required=False, help_text="First day; today by default.")
    state = serializers.SerializerMethodField(
        help_text="The status as every page shows it: an active trial past its last day is "
        "expired, whether or not a sweep has marked it yet."
    )
    ends_on = DateField(
        required=False, help_text="Last day; by default the standard trial length after the start."
    )

    class Meta:
        model = Trial
        fields = [
            "id",
            "company",
            "product",
            "seats",
            "starts_on",
            "ends_on",
            "status",
            "state",
            "times_extended",
            "converted_license",
            "created_at",
        ]
        read_only_fields = ["status", "times_extended", "converted_license", "created_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Trial.Status.choices))
    def get_state(self, trial) -> str:
        return trial.state()

    def create(self, validated_data):
        return services.start_trial(actor=self.context["request"].user, **validated_data)


class TrialFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=Trial.Status.choices, method="filter_state", label="State (see `state`)"
    )
    ends_after = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte")
    ends_before = django_filters.DateFilter(field_name="ends_on", lookup_expr="lte")

    class Meta:
        model = Trial
        fields = ["company", "product", "status", "state", "ends_after", "ends_before"]

    def filter_state(self, trials, name, value):
        running = Trial.objects.active().values("pk")
        if value == Trial.Status.ACTIVE:
            return trials.filter(pk__in=running)
        if value == Trial.Status.EXPIRED:
            expired = (Trial.Status.ACTIVE, Trial.Status.EXPIRED)
            return trials.filter(status__in=expired).exclude(pk__in=running)
        return trials.filter(status=value)


class TrialDaysSerializer(serializers.Serializer):
    days = IntegerField(
        min_value=1,
        max_value=limits.MAX_EXTENSION_DAYS,
        error_messages={"max_value": f"Extend by at most {limits.MAX_EXTENSION_DAYS} days."},
    )


class TrialAccessMixin(RoleViewSetMixin):
    """Who sees and acts on trials: shared with the sales actions on the same paths."""

    queryset = Trial.objects.order_by("ends_on", "pk")
    view_permission = "view_trials"
    edit_permission = "edit_trial"


class TrialViewSet(
    TrialAccessMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Trials of a product for a company: started, extended, cancelled or converted."""

    serializer_class = TrialSerializer
    parent_field = "company"
    filterset_class = TrialFilter
    search_fields = ["company__name", "product__name"]
    ordering_fields = ["ends_on", "starts_on", "seats", "created_at"]

    @extend_schema(request=TrialDaysSerializer, responses=TrialSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Push an active trial's end back by `days` days."""
        arguments = TrialDaysSerializer(data=request.data)
        arguments.is_valid(raise_exception=True)
        trial = services.extend_trial(
            trial=self.get_object(), days=arguments.validated_data["days"], actor=request.user
        )
        return Response(TrialSerializer(trial).data)

    @extend_schema(request=None, responses=TrialSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an active trial."""
        trial = services.cancel_trial(trial=self.get_object(), actor=request.user)
        return Response(TrialSerializer(trial).data)


class LicenseSerializer(ModelSerializer):
    currency = serializers.CharField(source="product.currency", read_only=True)
    state = serializers.SerializerMethodField(
        help_text="scheduled while an active license's start is still to come (it counts in "
        "seats and value from its start date on), else the status."
    )

    class Meta:
        model = License
        fields = [
            "id",
            "company",
            "product",
            "seats",
            "unit_price",
            "currency",
            "starts_on",
            "ends_on",
            "status",
            "state",
            "renews",
            "cancelled_on",
            "live_on",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=LICENSE_STATES))
    def get_state(self, license) -> str:
        return license.state()


class LicenseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=LICENSE_STATES, method="filter_state", label="State (see `state`)"
    )
    ends_after = django_filters.DateFilter(field_name="ends_on", lookup_expr="gte")
    ends_before = django_filters.DateFilter(field_name="ends_on", lookup_expr="lte")

    class Meta:
        model = License
        fields = ["company", "product", "status", "state", "ends_after", "ends_before"]

    def filter_state(self, licenses, name, value):
        if value == SCHEDULED:
            return licenses.scheduled()
        if value == License.Status.ACTIVE:
            return licenses.filter(status=value).exclude(pk__in=License.objects.scheduled())
        return licenses.filter(status=value)


class LicenseAccessMixin(RoleViewSetMixin):
    """Who sees and acts on licenses: shared with the sales actions on the same paths."""

    queryset = License.objects.select_related("product").order_by("ends_on", "pk")
    view_permission = "view_licenses"
    edit_permission = "edit_license"


class LicenseViewSet(
    LicenseAccessMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Licenses: seats of a product for a company over a term. They start when a quote is
    accepted; seats are added and terms renewed through quotes too."""

    serializer_class = LicenseSerializer
    filterset_class = LicenseFilter
    search_fields = ["company__name", "product__name"]
    ordering_fields = ["ends_on", "starts_on", "seats", "created_at"]


class UsageRowSerializer(serializers.Serializer):
    """One license's usage on one day (documentation: rows are checked by the service)."""

    license = serializers.IntegerField(required=False, help_text="The license's id; or:")
    company = serializers.IntegerField(required=False, help_text="The company's id, with")
    product = serializers.CharField(
        required=False, help_text="the product's code: the company's license of it that day"
    )
    date = serializers.DateField()
    assigned_seats = serializers.IntegerField(min_value=0, max_value=limits.MAX_SEATS)
    active_users_30d = serializers.IntegerField(
        min_value=0, max_value=limits.MAX_SEATS, help_text="At most assigned_seats"
    )
    active_users_7d = serializers.IntegerField(
        min_value=0,
        max_value=limits.MAX_SEATS,
        required=False,
        help_text="At most active_users_30d",
    )


class UsageBatchSerializer(serializers.Serializer):
    rows = UsageRowSerializer(many=True, max_length=limits.MAX_USAGE_ROWS)


class UsageResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Rows new for their license and day")
    replaced = serializers.IntegerField(help_text="Rows that replaced different figures")
    unchanged = serializers.IntegerField(help_text="Rows equal to what was stored: no change")


class BulkJSONParser(parsers.BaseParser):
    """JSON read straight from the request stream: DRF's JSONParser reads `request.body`,
    which Django caps at DATA_UPLOAD_MAX_MEMORY_SIZE; a usage batch is larger, and the body
    size middleware holds it to the view's `max_body_size` instead."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        try:
            return json.load(stream)
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from error


class UsageFeedView(APIView):
    """POST /api/v1/usage/: the vendor's product reports seat usage per license and day."""

    permission_classes = [TokenScopePermission, RolePermission]
    view_permission = edit_permission = "post_usage"
    usage_feed = True  # the one view a usage-feed token reaches
    parser_classes = [BulkJSONParser]
    max_body_size = settings.USAGE_UPLOAD_MAX_SIZE

    @extend_schema(
        summary="Report seat usage",
        description=(
            f"Up to {limits.MAX_USAGE_ROWS:,} rows per request. All or nothing: one bad row "
            "refuses the whole batch (400, `rows` lists each bad row by its number, from 1, and "
            "why) and nothing is stored. Idempotent per license and day: a row equal to the "
            "stored one changes nothing, a different one replaces it."
        ),
        request=UsageBatchSerializer,
        responses={200: UsageResultSerializer},
    )
    def post(self, request):
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list):
            raise exceptions.ValidationError({"rows": ["Send a list of rows."]})
        result = services.record_usage(rows=rows)
        return Response(UsageResultSerializer(result).data, status=status.HTTP_200_OK)


urlpatterns = [path("usage/", UsageFeedView.as_view(), name="api-usage")]

routes = [
    ("products", ProductViewSet, "product"),
    ("trials", TrialViewSet, "trial"),
    ("licenses", LicenseViewSet, "license"),
]
