from rest_framework.pagination import LimitOffsetPagination


class TaskPagination(LimitOffsetPagination):
    """?limit=&offset= with a capped page size, so no request can ask for the whole table."""

    default_limit = 20
    max_limit = 100
