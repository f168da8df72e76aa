from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


# The largest number SQL databases take in LIMIT/OFFSET (a signed 64-bit integer).
BIGGEST_SQL_INTEGER = 2**63 - 1


class CappedPagination(LimitOffsetPagination):
    """?limit=&offset= with a capped page size, so no request can ask for the whole table.

    A limit above the cap is served at the cap; a limit or offset that is not a number
    (or is below 1 / 0) is a 400 rather than silently replaced by the default.

    The page is read before the count, and a page that comes back short already tells the count
    (offset + its rows), so most lists cost one query instead of two: few people keep more tasks
    than fit on a page. Only a full page, or an empty one past the start, needs COUNT(*).
    """

    default_limit = 20
    max_limit = 100

    def _int_param(self, request, name: str, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: [f"A whole number is required, not '{raw[:40]}'."]}) from None
        if value < minimum:
            raise ValidationError({name: [f"Must be at least {minimum}."]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        if self.offset > BIGGEST_SQL_INTEGER - self.limit:
            # Past the end of any table, and a number the database would refuse: counted instead.
            page = []
        else:
            page = list(queryset[self.offset : self.offset + self.limit])
        if len(page) < self.limit and (page or self.offset == 0):
            self.count = self.offset + len(page)
        else:
            self.count = self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return page

    def get_count(self, queryset):
        # A selector may hand over a cheaper way to count the same rows (tasks.selectors: a
        # label filter alone is counted from the label's links, not by joining every task).
        counted_by = getattr(queryset, "counted_by", None)
        return counted_by() if counted_by is not None else super().get_count(queryset)

    def get_limit(self, request):
        limit = self._int_param(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        offset = self._int_param(request, self.offset_query_param, minimum=0)
        return offset or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "default": self.default_limit},
            self.offset_query_param: {"minimum": 0, "default": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"Page size, {self.default_limit} by default; above {self.max_limit} is served as {self.max_limit}."
                )
        return parameters
