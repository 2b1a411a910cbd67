"""Companies and contacts over the API; writes go through accounts.services."""

from decimal import Decimal

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_base import (
    LARGEST_INTEGER,
    CreateOnlyFieldsMixin,
    ModelSerializer,
    RoleViewSetMixin,
)
from accounts.models import (
    SUBJECT_MODELS,
    Company,
    CompanyStatus,
    Contact,
    FollowUp,
    Interaction,
    company_subjects,
    describe_subject,
    subject_prefetch,
)
from accounts.roles import may_complete_follow_up, visible
from accounts.services import (
    archive_company,
    complete_follow_up,
    create_follow_up,
    delete_company,
    log_activity,
    restore_company,
    save_company,
    save_contact,
)

PENETRATION_PLACES = Decimal("0.1")


class CompanySerializer(CountryFieldMixin, ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text="The account manager; by default whoever creates the company.",
    )
    licensed_seats = serializers.IntegerField(
        read_only=True, help_text="Seats in force today, all products together."
    )
    top_product_seats = serializers.IntegerField(
        read_only=True,
        help_text="Seats in force today of the company's most-licensed product: a second "
        "product is not more users, so penetration and whitespace read this, not the sum.",
    )
    seat_penetration = serializers.SerializerMethodField(
        help_text="The most-licensed product's seats per 100 employees; null while the "
        "headcount is unknown."
    )
    whitespace_seats = serializers.IntegerField(
        source="whitespace",
        read_only=True,
        help_text="(target seats, or else headcount) - top_product_seats, never negative.",
    )
    status = serializers.ChoiceField(choices=CompanyStatus.choices, read_only=True)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "country",
            "employee_count",
            "target_seats",
            "owner",
            "billing_address",
            "vat_number",
            "licensed_seats",
            "top_product_seats",
            "seat_penetration",
            "whitespace_seats",
            "status",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = ["archived_at"]

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True))
    def get_seat_penetration(self, company) -> str | None:
        if not company.employee_count:
            return None
        share = Decimal(company.top_product_seats * 100) / company.employee_count
        return str(share.quantize(PENETRATION_PLACES))

    def to_representation(self, company):
        # A company just saved carries no annotations: read it back with them.
        if not hasattr(company, "top_product_seats"):
            company = Company.objects.with_seats().with_status().get(pk=company.pk)
        return super().to_representation(company)

    def create(self, validated_data):
        validated_data.setdefault("owner", self.context["request"].user)
        return save_company(company=Company(**validated_data), actor=self.context["request"].user)

    def update(self, company, validated_data):
        for name, value in validated_data.items():
            setattr(company, name, value)
        return save_company(company=company, actor=self.context["request"].user)


class CompanyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CompanyStatus.choices, method="filter_status")
    archived = django_filters.BooleanFilter(
        method="filter_archived",
        help_text="true: archived companies only; false: current ones only. The list leaves "
        "archived companies out unless this is given.",
    )

    class Meta:
        model = Company
        fields = ["owner", "industry", "country", "status", "archived"]

    def filter_status(self, queryset, name, value):
        return queryset.in_status(value)

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the records this object holds."
    default_code = "conflict"


class CompanyViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Client companies with their licensed seats and seat penetration. Archived companies
    are left out of the list unless `archived` is given; a company with quotes, licenses,
    trials or onboardings cannot be deleted (409): archive it instead."""

    queryset = Company.objects.with_seats().with_status().order_by("name", "pk")
    serializer_class = CompanySerializer
    view_permission = "view_companies"
    edit_permission = "edit_company"
    filterset_class = CompanyFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "employee_count", "target_seats", "licensed_seats", "created_at"]
    action_permissions = {"create": "create_company"}

    def filter_queryset(self, queryset):
        if self.action == "list" and "archived" not in self.request.query_params:
            queryset = queryset.active()
        return super().filter_queryset(queryset)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted, with its contacts and timeline"),
            409: OpenApiResponse(description="It has records: archive it instead"),
        }
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, company):
        try:
            delete_company(company=company, actor=self.request.user)
        except ValidationError as error:
            raise Conflict(" ".join(error.messages)) from error

    @extend_schema(request=None, responses=CompanySerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the company: it leaves the lists, every record it has is kept."""
        company = archive_company(company=self.get_object(), actor=request.user)
        return Response(self.get_serializer(company).data)

    @extend_schema(request=None, responses=CompanySerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring an archived company back into the lists."""
        company = restore_company(company=self.get_object(), actor=request.user)
        return Response(self.get_serializer(company).data)


class ContactSerializer(CreateOnlyFieldsMixin, ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "company",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "is_decision_maker",
            "is_billing_contact",
            "is_champion",
            "is_primary",
            "accepts_reminders",
            "created_at",
        ]
        create_only_fields = ["company"]
        # The unique constraints are the service's to check (it moves the primary flag first).
        validators = []

    def create(self, validated_data):
        return save_contact(contact=Contact(**validated_data), actor=self.context["request"].user)

    def update(self, contact, validated_data):
        for name, value in validated_data.items():
            setattr(contact, name, value)
        return save_contact(contact=contact, actor=self.context["request"].user)


class ContactViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People at client companies; editing them is editing their company."""

    queryset = Contact.objects.select_related("company").order_by("last_name", "first_name", "pk")
    serializer_class = ContactSerializer
    view_permission = "view_companies"
    edit_permission = "edit_company"
    parent_field = "company"
    filterset_fields = [
        "company",
        "is_decision_maker",
        "is_billing_contact",
        "is_champion",
        "is_primary",
        "accepts_reminders",
    ]
    search_fields = ["first_name", "last_name", "email", "job_title"]
    ordering_fields = ["last_name", "first_name", "email", "created_at"]


# "trial" -> "licensing.trial": the subject's type as the API names it.
SUBJECT_TYPES = {label.split(".")[1]: label for label in SUBJECT_MODELS}


class SubjectSerializer(serializers.Serializer):
    """What a note or follow-up is about: one of its company's trials, licenses or quotes."""

    type = serializers.ChoiceField(choices=sorted(SUBJECT_TYPES))
    id = serializers.IntegerField(min_value=1, max_value=LARGEST_INTEGER)
    label = serializers.CharField(read_only=True, help_text="What it is, in a few words.")

    def to_representation(self, subject):
        return {
            "type": subject._meta.model_name,
            "id": subject.pk,
            "label": describe_subject(subject),
        }


class CompanyRecordSerializer(ModelSerializer):
    """What notes and follow-ups share: an optional subject, one of the company's trials,
    licenses or quotes that the user may see (any other id is a 400, as if it did not exist)."""

    subject = SubjectSerializer(required=False, allow_null=True)

    def validate(self, attrs):
        named = attrs.get("subject")
        if named:
            rows = company_subjects(attrs["company"], SUBJECT_TYPES[named["type"]])
            subject = visible(self.context["request"].user, rows).filter(pk=named["id"]).first()
            if subject is None:
                message = f'Invalid id "{named["id"]}": no {named["type"]} of this company.'
                raise serializers.ValidationError({"subject": [message]})
            attrs["subject"] = subject
        return attrs


class InteractionSerializer(CompanyRecordSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id", "company", "contact", "subject", "kind", "occurred_at", "summary", "author",
        ]  # fmt: skip
        extra_kwargs = {"occurred_at": {"required": False}, "contact": {"required": False}}

    def create(self, validated_data):
        return log_activity(**validated_data, actor=self.context["request"].user)


class InteractionViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Notes, calls and meetings logged on companies, newest first; logging one is for who
    may log on its company (its account manager, an Administrator)."""

    queryset = Interaction.objects.order_by("-occurred_at", "-pk").prefetch_related(
        subject_prefetch()
    )
    serializer_class = InteractionSerializer
    view_permission = "view_activities"
    edit_permission = "log_activity"
    parent_field = "company"
    filterset_fields = ["company", "kind"]


class FollowUpFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="completed_at", lookup_expr="isnull", label="Not done yet"
    )

    class Meta:
        model = FollowUp
        fields = ["company", "assignee", "open"]


class FollowUpSerializer(CompanyRecordSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="An account manager or an Administrator.",
    )

    class Meta:
        model = FollowUp
        fields = [
            "id", "company", "contact", "subject", "title", "due_on", "assignee",
            "created_by", "created_at", "completed_at", "completed_by",
        ]  # fmt: skip
        read_only_fields = ["created_by", "created_at", "completed_at", "completed_by"]
        extra_kwargs = {"contact": {"required": False}}

    def create(self, validated_data):
        return create_follow_up(**validated_data, actor=self.context["request"].user)


class FollowUpViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-ups by due date; `?open=true` for those not done. Planning one is for who may
    log on its company; its assignee, too, may mark it done."""

    queryset = FollowUp.objects.order_by("due_on", "pk").prefetch_related(subject_prefetch())
    serializer_class = FollowUpSerializer
    view_permission = "view_activities"
    edit_permission = "log_activity"
    parent_field = "company"
    filterset_class = FollowUpFilter
    action_permissions = {"complete": "view_activities"}

    @extend_schema(request=None, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the follow-up done (once: doing it again changes nothing)."""
        follow_up = self.get_object()
        if not may_complete_follow_up(request.user, follow_up):
            raise exceptions.PermissionDenied
        follow_up = complete_follow_up(follow_up=follow_up, actor=request.user)
        return Response(self.get_serializer(follow_up).data)


routes = [
    ("companies", CompanyViewSet, "company"),
    ("contacts", ContactViewSet, "contact"),
    ("interactions", InteractionViewSet, "interaction"),
    ("follow-ups", FollowUpViewSet, "follow-up"),
]
