"""The production ASGI app with a slowed-down offline model, for tests that need a turn to be
mid-stream for seconds (killing the server during a reply). Nothing in production code knows
about it: daphne is pointed at this module instead of todo_project.asgi.

    daphne todo_project.tests.security.slow_asgi:application     (SLOW_MODEL_DELAY_S=0.4)
"""

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from todo_project.asgi import application  # noqa: F401 - sets Django up, then we adjust the model

from agents_bridge import providers  # noqa: E402
from agents_bridge.local_model import LocalTodoModel  # noqa: E402

DELAY_S = float(os.environ.get("SLOW_MODEL_DELAY_S", "0.4"))


class SlowLocalModel(LocalTodoModel):
    """The offline model, pausing before every streamed event."""

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async for event in super().stream_response(*args, **kwargs):
            await asyncio.sleep(DELAY_S)
            yield event


providers.get_model = lambda: SlowLocalModel()
