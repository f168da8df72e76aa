import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from pytest_asyncio import is_async_test
from rest_framework.test import APIClient

_call_passed = pytest.StashKey[bool]()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="alice", password="a-Strong-pass-123")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user(username="mallory", password="m-Strong-pass-456")


@pytest.fixture
def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_api_client(other_user):
    client = APIClient()
    client.force_authenticate(other_user)
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def server_database_url(tmp_path):
    """A database of its own for a server process a test starts (and may kill): a scratch
    PostgreSQL database when the suite runs on PostgreSQL, else a SQLite file."""
    from core.tests.live_daphne import scratch_postgres_database

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    with scratch_postgres_database(url) as database_url:
        yield database_url


@pytest.fixture
def web(user):
    """The user's browser as Django's test client sees it: signed in by session, held to CSRF
    (core.tests.pages posts forms with their token). Real Chromium is the `browser` fixture."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttles and rate limits live in the cache; each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness (~0.5 s a hash) is for attackers, not for the test suite;
    # live servers started by tests keep the real hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_call_passed] = report.passed
    return report


@pytest.fixture(autouse=True)
def _async_tests_leave_nothing_running(request):
    # Sync tests get no event loop from this: only async ones have a loop that other tests' work
    # could outlive.
    if is_async_test(request.node):
        request.getfixturevalue("_stop_what_the_test_left_running")


@pytest.fixture
async def _stop_what_the_test_left_running(request, monkeypatch):
    """Every async test runs on a loop of its own, but the channel layer is one per process. Work a
    test leaves running ties the layer's receive state to that test's loop, and a later consumer
    test fails on it ("... is bound to a different event loop"); if that work ignores the cancel
    at loop close, the run hangs there instead. So a socket the test left open is an error (it is
    closed here as a browser would close it, so the consumer's own disconnect runs), so is any
    other task of the test still pending, and all of it is stopped before the loop closes."""
    from asgiref.testing import ApplicationCommunicator
    from channels.testing import WebsocketCommunicator

    _forget_leaked_channel_locks()
    communicators = []
    real_init = ApplicationCommunicator.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        communicators.append(self)

    monkeypatch.setattr(ApplicationCommunicator, "__init__", recording_init)
    before = asyncio.all_tasks()
    yield

    problems = []
    for comm in communicators:
        if comm._future is None or comm._future.done():
            continue
        problems.append(
            f"{type(comm).__name__} for {comm.scope.get('path')} was never disconnected "
            "(await comm.disconnect(), even after the server closed the socket)"
        )
        try:
            if isinstance(comm, WebsocketCommunicator):
                await comm.disconnect()
            else:
                await comm.wait()
        except Exception as exc:  # noqa: BLE001 - the report above is what matters
            problems.append(f"  and its application then raised {exc!r}")
    me = asyncio.current_task()
    leftovers = {t for t in asyncio.all_tasks() - before if t is not me and not t.done()}
    problems += [f"task left running: {_describe(t)}" for t in leftovers if not _channel_layer_internal(t)]
    stuck = await _cancel_until_done(leftovers, timeout=5)
    # Closing the loop would wait for these forever; a reported failure beats a hung run. (A
    # private asyncio helper, present from 3.7 on; without it the failure below still names them.)
    unregister = getattr(asyncio.tasks, "_unregister_task", None)
    for task in stuck if unregister else ():
        unregister(task)
    if stuck:
        pytest.fail(
            "Tasks that would not stop, abandoned so the loop could close (later tests may fail on them):\n"
            + "\n".join(_describe(t) for t in stuck),
            pytrace=False,
        )
    if problems and request.node.stash.get(_call_passed, False):
        pytest.fail("The test left work running after it ended:\n" + "\n".join(problems), pytrace=False)


def _channel_layer_internal(task) -> bool:
    # A receive whose consumer is gone, or a backup-queue cleanup: the layer's business, not the
    # test's (see _cancel_until_done for why a receive can outlive its consumer).
    frame = getattr(task.get_coro(), "cr_frame", None)
    module = frame.f_globals.get("__name__", "") if frame else ""
    return module.split(".")[0] in ("channels_redis", "redis") or module == "channels.layers"


async def _cancel_until_done(tasks, timeout: float) -> set:
    # One cancel is not always enough: on Python 3.11, asyncio.wait_for (which redis-py puts around
    # every command it sends) drops a cancel that lands just as the command completes, and the
    # layer's receive then goes on polling Redis.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = set(tasks)
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.1)
    return pending


def _describe(task) -> str:
    coro = task.get_coro()
    where = []
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        where.append(f"{coro.cr_code.co_qualname} ({coro.cr_frame.f_code.co_filename}:{coro.cr_frame.f_lineno})")
        coro = coro.cr_await
    return f"{task.get_name()}: " + " -> ".join(where or [repr(task)])


def _forget_leaked_channel_locks() -> None:
    # channels-redis counts a waiter on its per-channel receive lock before the wait and never
    # uncounts it if the wait is cancelled (a socket closing just after the layer handed its
    # consumer a message). The lock then outlives its loop, and the next test that has to wait on
    # it fails with "Lock ... is bound to a different event loop". With no receive in flight no
    # lock is held or awaited, so whatever is left is such a leak.
    from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

    layer = channel_layers.backends.get(DEFAULT_CHANNEL_LAYER)
    locks = getattr(layer, "receive_clean_locks", None)
    if locks is None or layer.receive_count or layer.receive_cleaners:
        return
    locks.locks.clear()
    locks.wait_counts.clear()


@pytest.fixture
def no_keys(settings):
    """No model configured and no provider key: what a fresh checkout has."""
    settings.AGENT_MODEL = ""
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    return settings
# --- browser tests ---------------------------------------------------------------------------
# One Chromium for every browser test: Debian's /usr/bin/chromium driven by Playwright against a
# real daphne (websockets included) on a fresh SQLite file, with the offline model. Skipped with
# a printed reason when Chromium is absent, except under REQUIRE_BROWSER=1 (CI): a failure there.

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BROWSER_PASSWORD = "Sturdy-pass-9182"
BROWSER_TIMEOUT_MS = 20_000
DEVICES = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
SCREENSHOTS = Path(__file__).resolve().parent / "artifacts" / "screenshots"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    print(f"SKIP browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory):
    """A live daphne for the browser tests (conversation pages of 4 messages, so a few turns
    already have an earlier page)."""
    _require_chromium()
    from core.tests.live_daphne import LiveDaphne, migrate, server_env

    workdir = tmp_path_factory.mktemp("browser")
    # Every browser test signs a new person up from 127.0.0.1, several a minute: past AUTH_RATE
    # (20/min per client) a sign-up would get the "try again in N minutes" page. The auth doors'
    # limits have their own tests (todo_project/tests/security/test_auth_doors.py).
    env = server_env(
        database_url=f"sqlite:///{workdir / 'db.sqlite3'}", CHAT_CONVERSATION_MESSAGES="4", AUTH_RATE="1000/min"
    )
    migrate(env)
    daphne = LiveDaphne(env, workdir / "daphne.log").start()
    yield daphne
    daphne.stop()


@pytest.fixture(scope="module")
def browser(browser_server):
    # Module scope: Playwright's sync API keeps a loop of its own, which must be gone before
    # another module's async tests start theirs.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class BrowserPerson:
    """Opens pages of the live server as one person, signed up or logged in first. Its browser
    context has the server as base URL: page.goto("/chat/"), context.request.get("/api/...")."""

    def __init__(self, browser, server, username: str, *, device: str = "desktop", dark: bool = False, **options) -> None:
        self.server = server
        self.username = username
        self.context = browser.new_context(
            **DEVICES[device], color_scheme="dark" if dark else "light", base_url=server.url, **options
        )
        # An uncaught error in a page script fails the test, even one whose checks all passed.
        self.script_errors: list[str] = []
        self.context.on("page", lambda page: page.on("pageerror", lambda error: self.script_errors.append(str(error))))

    def sign_up(self):
        page = self.context.new_page()
        page.goto("/accounts/signup/")
        page.fill("#id_username", self.username)
        page.fill("#id_password1", BROWSER_PASSWORD)
        page.fill("#id_password2", BROWSER_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/tasks/"))
        return page

    def log_in(self):
        page = self.context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", self.username)
        page.fill("#id_password", BROWSER_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/tasks/"))
        return page

    def api_headers(self) -> dict[str, str]:
        token = self.context.request.post(
            "/api/auth/token/", data={"username": self.username, "password": BROWSER_PASSWORD}
        ).json()
        return {"Authorization": f"Bearer {token['access']}"}


@pytest.fixture
def browser_person(browser, browser_server):
    """`browser_person("alice", device="phone", dark=True)` -> a BrowserPerson (1440x900 desktop or
    390x844 phone, light or dark); every browser context it opened is closed after the test."""
    people = []

    def make(username: str, **options) -> BrowserPerson:
        people.append(BrowserPerson(browser, browser_server, username, **options))
        return people[-1]

    yield make
    for person in people:
        person.context.close()
    errors = [error for person in people for error in person.script_errors]
    assert not errors, f"page scripts raised: {errors}"


@pytest.fixture
def screenshot():
    """`screenshot(page, "chat-desktop")` writes artifacts/screenshots/chat-desktop.png, for people
    to look at (no test compares them)."""

    def save(page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return save


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    """Two daphnes on one PostgreSQL database and one Redis, as behind a load balancer (skipped,
    or failed under REQUIRE_SERVICES=1, without those services)."""
    from core.tests.live_daphne import two_servers_on_shared_services

    with two_servers_on_shared_services(tmp_path_factory.mktemp("scaleout")) as servers:
        yield servers
