import pytest
from asgiref.sync import SyncToAsync
from django.db import connections


@pytest.fixture(autouse=True)
def _close_worker_thread_connections():
    """Async tests reach the ORM from asgiref's single worker thread, whose database connection
    outlives the test; close it so PostgreSQL can drop the test database at the end."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)
