from collections.abc import Callable
from dataclasses import replace

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.pagination import CappedPagination

from . import counts, labels, quick_add, selectors, services, undo
from .journal import API
from .models import Label
from .serializers import (
    ActivityQuerySerializer,
    LabelSerializer,
    QuickAddPreviewSerializer,
    QuickAddSerializer,
    TaskChangeSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
    UndoConflictSerializer,
    UndoRequestSerializer,
    UndoResultSerializer,
)


class TaskListPagination(CappedPagination):
    """CappedPagination whose total comes from tasks.counts: the COUNT(*) of a full page is most of
    a list request's time for someone with many tasks, and the same until their tasks change."""

    def paginate_queryset(self, queryset, request, view=None):
        self._count_key = getattr(view, "count_key", None)
        self._user_id = request.user.pk
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset):
        count = super().get_count
        if self._count_key is None:
            return count(queryset)
        return counts.cached_count(self._user_id, self._count_key, lambda: count(queryset))


@extend_schema_view(
    list=extend_schema(summary="List your tasks", parameters=[TaskListQuerySerializer]),
    create=extend_schema(summary="Add a task"),
    retrieve=extend_schema(summary="Get one of your tasks"),
    update=extend_schema(summary="Replace a task's fields"),
    partial_update=extend_schema(summary="Change some of a task's fields"),
    destroy=extend_schema(summary="Delete a task"),
)
class TaskViewSet(viewsets.ModelViewSet):
    """The caller's tasks. Another user's task answers 404, exactly like a missing one."""

    serializer_class = TaskSerializer
    pagination_class = TaskListPagination
    queryset = selectors.Task.objects.none()  # for the schema; get_queryset is what runs
    count_key: str | None = None  # the list's filters, naming its cached total

    def get_queryset(self):
        if self.action == "list":
            query = TaskListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            data = dict(query.validated_data)
            data["labels"] = tuple(data.pop("label", ()))
            filters = selectors.TaskFilters(**data)
            today = timezone.localdate()
            # What the total depends on: the filters (not the ordering) and the day ("overdue").
            self.count_key = f"{replace(filters, ordering=None)!r} {today.isoformat()}"
            return selectors.task_list(user=self.request.user, filters=filters, today=today)
        return selectors.task_list(user=self.request.user)

    def get_object(self):
        task = selectors.task_get(user=self.request.user, task_id=self.kwargs["pk"])
        self.check_object_permissions(self.request, task)
        return task

    def perform_create(self, serializer):
        serializer.instance = services.task_create(owner=self.request.user, source=API, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.task_update(
            user=self.request.user, task_id=serializer.instance.pk, source=API, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.task_delete(user=self.request.user, task_id=instance.pk, source=API)

    @extend_schema(summary="Add a task from one line of text", request=QuickAddSerializer, responses={201: TaskSerializer})
    @action(detail=False, methods=["post"], url_path="quick-add")
    def quick_add(self, request):
        """ "pay rent every month on the 1st #home !high": the title, due date, repeat, labels
        and priority are read out of the text (tasks.quick_add), then the task is created."""
        body = QuickAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            task = services.task_quick_add(
                owner=request.user, text=body.validated_data["text"], today=timezone.localdate(), source=API
            )
        except services.QuickAddRefused as exc:
            raise ValidationError({"text": exc.problems}) from None
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="What quick add would save, without saving", request=QuickAddSerializer, responses=QuickAddPreviewSerializer)
    @action(detail=False, methods=["post"], url_path="quick-add/preview")
    def quick_add_preview(self, request):
        body = QuickAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        parsed = quick_add.parse(body.validated_data["text"], timezone.localdate())
        return Response(QuickAddPreviewSerializer(parsed.preview()).data)


@extend_schema_view(
    list=extend_schema(summary="Your labels"),
    create=extend_schema(summary="Make a label"),
    retrieve=extend_schema(summary="One of your labels"),
    update=extend_schema(summary="Rename a label or change its colour"),
    partial_update=extend_schema(summary="Rename a label or change its colour"),
    destroy=extend_schema(summary="Delete a label (its tasks lose it; the change is journalled)"),
)
class LabelViewSet(viewsets.ModelViewSet):
    """The caller's labels. Another user's label answers 404, exactly like a missing one."""

    serializer_class = LabelSerializer
    queryset = Label.objects.none()  # for the schema; get_queryset is what runs
    pagination_class = None  # a person's labels are a short list

    def get_queryset(self):
        return labels.label_list_counted(user=self.request.user)

    def get_object(self):
        return self._counted(labels.label_get(user=self.request.user, label_id=self.kwargs["pk"]).pk)

    def _counted(self, label_id: int) -> Label:
        # Every answer carries task_count, as the list does.
        return labels.label_list_counted(user=self.request.user).get(pk=label_id)

    def perform_create(self, serializer):
        label = labels.label_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self._counted(label.pk)

    def perform_update(self, serializer):
        label = labels.label_update(user=self.request.user, label_id=serializer.instance.pk, **serializer.validated_data)
        serializer.instance = self._counted(label.pk)

    def perform_destroy(self, instance):
        labels.label_delete(user=self.request.user, label_id=instance.pk, source=API)


# 404 (nothing of the caller's to undo there) is documented for every route with an id.
UNDO_RESPONSES = {
    200: UndoResultSerializer,
    409: OpenApiResponse(UndoConflictSerializer, description="undo_conflict (a task changed since; nothing was changed) or already_undone."),
}


def undo_response(run: Callable[[], undo.UndoResult]) -> Response:
    """Runs an undo service and answers as every undo route does: 200 with what came back, 404,
    or 409 naming the tasks that changed since."""
    try:
        result = run()
    except undo.NothingToUndo:
        raise NotFound() from None
    except undo.UndoConflict as exc:
        body = {"detail": exc.detail, "code": exc.code, "tasks": exc.tasks}
        return Response(body, status=status.HTTP_409_CONFLICT)
    body = {"detail": f"Undone: {result.summary()}.", "batch": result.batch, "changes": result.changes}
    return Response(UndoResultSerializer(body).data)


@extend_schema_view(
    list=extend_schema(summary="Your task changes, newest first", parameters=[ActivityQuerySerializer]),
    retrieve=extend_schema(summary="One of your task changes"),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The journal of the caller's task changes, from every door. Another user's entry answers 404."""

    serializer_class = TaskChangeSerializer
    queryset = selectors.TaskChange.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self):
        query = ActivityQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = selectors.ChangeFilters(task_id=data.get("task"), door=data.get("door"), day=data.get("date"))
        return selectors.change_list(user=self.request.user, filters=filters)

    def get_object(self):
        try:
            return selectors.change_get(user=self.request.user, change_id=self.kwargs["pk"])
        except selectors.ChangeNotFound:
            raise NotFound() from None

    @extend_schema(summary="Undo this change (or its whole batch: chat turn, MCP call, bulk delete)", request=UndoRequestSerializer, responses=UNDO_RESPONSES)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        change = self.get_object()  # first, so another user's entry is a 404 whatever the body
        body = UndoRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["scope"] == "batch":
            return undo_response(lambda: undo.batch_undo(user=request.user, batch=change.batch, source=API))
        return undo_response(lambda: undo.change_undo(user=request.user, change_id=change.pk, source=API))
