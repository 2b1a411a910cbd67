"""/api/v1/onboardings/ (progress per category) and /api/v1/onboarding-tasks/ (changes
through the services). Reads for roles with view_onboarding, writes for edit_onboarding."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import limits
from accounts.api_base import DateField, ModelSerializer, RoleViewSetMixin
from onboarding import services
from onboarding.models import Category, Onboarding, Task, onboarding_staff


class CategoryProgressSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    label = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class OnboardingSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    product = serializers.CharField(source="license.product.name", read_only=True)
    tasks_done = serializers.IntegerField(read_only=True)
    tasks_total = serializers.IntegerField(read_only=True)
    overdue_count = serializers.IntegerField(read_only=True, help_text="Tasks past due, not done")
    progress = CategoryProgressSerializer(many=True, read_only=True)

    class Meta:
        model = Onboarding
        fields = [
            "id",
            "company",
            "company_name",
            "license",
            "product",
            "owner",
            "status",
            "starts_on",
            "target_live_on",
            "live_on",
            "tasks_done",
            "tasks_total",
            "overdue_count",
            "progress",
        ]
        read_only_fields = fields


class MarkLiveSerializer(serializers.Serializer):
    live_on = DateField(required=False, help_text="Defaults to today")


@extend_schema_view(
    list=extend_schema(summary="Onboardings with their progress per category"),
    retrieve=extend_schema(summary="One onboarding with its progress per category"),
)
class OnboardingViewSet(RoleViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OnboardingSerializer
    view_permission, edit_permission = "view_onboarding", "edit_onboarding"
    filterset_fields = ["status", "owner", "company"]
    search_fields = ["company__name"]
    ordering_fields = ["target_live_on", "starts_on"]

    def get_queryset(self):
        return (
            Onboarding.objects.for_board()
            .with_progress(timezone.localdate())
            .order_by("target_live_on", "pk")
        )

    @extend_schema(
        summary="Mark the client live",
        description="Refused (400) unless every configuration and implementation task is done. "
        "Records the go-live date on the onboarding and its license.",
        request=MarkLiveSerializer,
        responses=OnboardingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="mark-live")
    def mark_live(self, request, pk=None):
        onboarding = self.get_object()
        data = MarkLiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_live(
            onboarding=onboarding,
            actor=request.user,
            live_on=data.validated_data.get("live_on"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=onboarding.pk)).data)


class TaskSerializer(ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=onboarding_staff(), required=False, allow_null=True
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "onboarding",
            "position",
            "title",
            "description",
            "category",
            "assignee",
            "due_on",
            "status",
            "blocked_reason",
            "done_at",
            "done_by",
            "notes",
        ]
        read_only_fields = ["position", "status", "blocked_reason", "done_at", "done_by"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # a task stays in its onboarding
            fields["onboarding"].read_only = True
        return fields


class TaskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Task.Status.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.TEXT_REASON,
        help_text="Required when blocked",
    )


class TaskAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=onboarding_staff(), allow_null=True)


EDITABLE = ["title", "category", "description", "due_on", "assignee", "notes"]


@extend_schema_view(
    list=extend_schema(summary="Onboarding tasks"),
    create=extend_schema(summary="Add a task to an onboarding"),
    update=extend_schema(summary="Edit a task"),
    partial_update=extend_schema(summary="Edit some of a task's fields"),
)
class TaskViewSet(
    RoleViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskSerializer
    view_permission, edit_permission = "view_onboarding", "edit_onboarding"
    queryset = Task.objects.select_related("onboarding").order_by("onboarding", "position", "pk")
    filterset_fields = ["onboarding", "assignee", "status", "category"]

    def perform_create(self, serializer):
        fields = {name: serializer.validated_data.get(name) for name in EDITABLE}
        serializer.instance = services.add_task(
            onboarding=serializer.validated_data["onboarding"],
            actor=self.request.user,
            **{name: value for name, value in fields.items() if value is not None},
        )

    def perform_update(self, serializer):
        task = serializer.instance
        fields = {
            name: serializer.validated_data.get(name, getattr(task, name)) for name in EDITABLE
        }
        serializer.instance = services.update_task(task=task, actor=self.request.user, **fields)

    def _changed(self, task):
        return Response(self.get_serializer(Task.objects.get(pk=task.pk)).data)

    @extend_schema(
        summary="Change a task's status",
        description="to do / doing / done / blocked; blocked needs a reason.",
        request=TaskStatusSerializer,
        responses=TaskSerializer,
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        task = self.get_object()
        data = TaskStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_task_status(
            task=task,
            status=data.validated_data["status"],
            reason=data.validated_data.get("reason", ""),
            actor=request.user,
        )
        return self._changed(task)

    @extend_schema(
        summary="Give a task to someone", request=TaskAssignSerializer, responses=TaskSerializer
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        data = TaskAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assign_task(
            task=task,
            assignee=data.validated_data["assignee"],
            actor=request.user,
        )
        return self._changed(task)


routes = [
    ("onboardings", OnboardingViewSet, "onboarding"),
    ("onboarding-tasks", TaskViewSet, "onboarding-task"),
]
