"""GET /health/ for load balancers and uptime checks: is the database there, does the channel layer carry a message?"""

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


async def _layer_roundtrip() -> None:
    # A real send and receive: with Redis this proves the server answers, not just that settings exist.
    layer = get_channel_layer()
    channel = await layer.new_channel("health.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


def health(request):
    """Reports the database and the channel layer; 503 when either is down."""
    report = {"status": "ok", "database": "ok", "channel_layer": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "down", reported not raised
        logger.warning("health check: database is down", exc_info=True)
        report["database"] = "error"
    try:
        async_to_sync(_layer_roundtrip)()
    except Exception:  # noqa: BLE001
        logger.warning("health check: channel layer is down", exc_info=True)
        report["channel_layer"] = "error"
    if "error" in report.values():
        report["status"] = "error"
        return JsonResponse(report, status=503)
    return JsonResponse(report)
