"""Django's ASGI handler with one thread crossing per request instead of six.

Django's ASGIHandler runs its middleware chain in async mode. Our middleware and the views are
sync, so a request crossed between the event loop and a thread again and again: for the
request_started signal, into the sync middleware, back out to the event loop for the
async-capable middleware at the bottom of the list (whose own process_request/process_response
each cross into a thread again), into the view, and for response.close(); and every request
started a fresh thread (asgiref's per-request ThreadSensitiveContext). Sampled under load
(py-spy --gil, bench/peer.py), that asgiref and future plumbing took more of a uvicorn
worker's CPU than the view did (README "Deployment" has the figures).

Here the middleware chain is loaded in sync mode and everything between reading the body and
sending the answer (request_started, building the request, the whole middleware chain and view,
request_finished) runs as one call on a small pool of reused threads. Each request still has its
own thread while it runs, so a request waiting on PostgreSQL does not hold up another, as
before; the pool is as large as the database connection pool (DB_POOL_MAX), so no thread waits for
a connection. Django's own code does the rest (the same middleware, signals, error handling and
response encoding). A streaming response (a static file) is sent by Django's code, then closed.

What is not kept: Django's watch for a client that disconnects while a view runs. It cancels
only async views (a sync view runs on in its thread either way), and this project has none.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

from tasks.events import defer_announcements


@functools.cache
def _request_threads() -> ThreadPoolExecutor:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    size = pool.get("max_size", 10) if isinstance(pool, dict) else 10
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix="http")


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super(ASGIHandler, self).__init__()  # BaseHandler: not ASGIHandler's async middleware load
        self.load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        # The request's task changes are announced to the owner's pages from this loop, after the
        # answer is sent, instead of the request's thread waiting on the loop and Redis for each
        # one (tasks.events.DeferredAnnouncements, as a chat turn does); this coroutine waits for
        # them before it ends, so none is lost with the request.
        announcements = defer_announcements()
        try:
            respond = sync_to_async(self._respond, thread_sensitive=False, executor=_request_threads())
            response = await respond(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:  # closed after its content went out (the others already are)
                    await sync_to_async(response.close, thread_sensitive=False, executor=_request_threads())()
        finally:
            body_file.close()
            await announcements.close()

    def _respond(self, scope, body_file):
        """What Django's handle() and get_response_async() do between the body and the send, in one thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            error_response.close()
            return error_response
        response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            # request_finished: returns this thread's database connection to the pool now, in the
            # thread that holds it, rather than after the send from another thread.
            response.close()
        return response
