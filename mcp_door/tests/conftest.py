import httpx2
import pytest
from asgiref.sync import sync_to_async

from mcp_door import services

new_token = sync_to_async(lambda **fields: services.token_create(**fields)[1])


@pytest.fixture
async def http():
    """The whole ASGI app (as daphne serves it) in-process; the door's session manager stopped after."""
    from mcp_door.door import mcp_door
    from todo_project.asgi import application

    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=application), base_url="http://testserver") as client:
        yield client
    await mcp_door.stop()


@pytest.fixture
async def token(user):
    return await new_token(owner=user, name="laptop")
