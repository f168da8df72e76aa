from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from . import selectors, services
from .journal import API
from .serializers import TaskListQuerySerializer, TaskSerializer


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
    queryset = selectors.Task.objects.none()  # for the schema; get_queryset is what runs

    def get_queryset(self):
        if self.action == "list":
            query = TaskListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return selectors.task_list(
                user=self.request.user,
                filters=selectors.TaskFilters(**query.validated_data),
                today=timezone.localdate(),
            )
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
