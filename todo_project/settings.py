"""Settings, all read from the environment through django-environ.

Production safety comes from environment values: DEBUG defaults to false and the TLS
hardening follows it, each switch overridable by a variable of the same name so a
plain-HTTP local run (``make run``) can turn it off.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set variables.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else "insecure-dev-key-change-me")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "core",
    "csp",
    "tasks",
    "chat",
    "agents_bridge",
    "oauth2_provider",
    "mcp_door",
    "todo_project.apps.TodoProjectConfig",
]

MIDDLEWARE = [
    "todo_project.middleware.RequestIdMiddleware",
    "todo_project.middleware.ApiExceptionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "todo_project.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "todo_project.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "todo_project.urls"
WSGI_APPLICATION = "todo_project.wsgi.application"
ASGI_APPLICATION = "todo_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several daphne threads write at once; wait for the lock rather than fail. IMMEDIATE takes
    # the write lock when a transaction begins: a deferred one that reads first (our services
    # read the row, then save) cannot wait for the lock later and fails with "database is locked".
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 20)
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
elif DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool("DB_POOL", default=True):
    # Each database_sync_to_async crossing closes its connection (CONN_MAX_AGE=0, as Django
    # advises under ASGI); without a pool every crossing paid a fresh PostgreSQL connection, and a
    # chat turn makes several (bench/concurrency.py: p50 2.2 s -> 0.13 s at 5 turns/s). Close
    # now returns the connection to psycopg's pool instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=10),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis waits for messages with a 5 s BZPOPMIN; redis-py 8 also defaults every
            # read to a 5 s socket timeout, so an idle socket's wait could time out and kill the
            # consumer. The read timeout must outlast the blocking pop.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    # The cache backs rate limits, so it must be shared by every process. Django's RedisCache with
    # one connection pool per process instead of one per request (core/cache.py).
    CACHES = {"default": {"BACKEND": "core.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from app/static folders when there is no collectstatic step (dev, tests).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tasks:list"
LOGOUT_REDIRECT_URL = "login"

# Request body cap: chat messages are at most 4000 characters, task descriptions 4000.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)

# --- TLS hardening: on by default in production, each switch overridable. ---
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer probes /health/ over plain HTTP; answer it rather than redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# A CSRF failure under /api/ is JSON like every other API error.
CSRF_FAILURE_VIEW = "todo_project.api_errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): pages run only scripts served from this site, never inline
# script or handlers (page data goes through json_script). todo_project.middleware lets the admin
# and the browsable API keep their inline styles; our own templates have none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # the chat websocket: CSP 3 lets 'self' cover ws(s) to this host
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- DRF ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "todo_project.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CappedPagination",
    # JSON for API clients; the form parsers serve only the browsable API of a logged-in
    # session (CSRF-checked), see todo_project.api.JSONUnlessBrowserSession.
    "DEFAULT_PARSER_CLASSES": [
        "todo_project.api.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "todo_project.api.JSONUnlessBrowserSession",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "todo_project.api_schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "todo_project.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("AUTH_RATE", default="20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many proxies sit in front of daphne. 0 (the default): the client is the socket's address
    # and X-Forwarded-For is ignored; any client can write that header, so trusting it unasked let
    # one client rotate through addresses to dodge every throttle. N: the address the Nth proxy
    # from the right of X-Forwarded-For saw (set it to the number of proxies that append to it).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# Doors that check a password or make an account (todo_project/auth_limits.py): attempts per client
# across all of them, and failed logins per account from any client.
AUTH_DOOR_RATE = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"]  # AUTH_RATE
LOGIN_FAILURE_RATE = env.str("LOGIN_FAILURE_RATE", default="10/hour")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a digest of the password hash; changing the password revokes every token.
    "CHECK_REVOKE_TOKEN": True,
    "SIGNING_KEY": SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Todo agent API",
    "DESCRIPTION": "Tasks, conversations and the chat agent. Errors are JSON {detail, code}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema promises what API clients may send and receive: JSON only (forms are for the browsable API).
    "PARSER_WHITELIST": ["todo_project.api.StrictJSONParser"],
    "RENDERER_WHITELIST": ["rest_framework.renderers.JSONRenderer"],
    # Two fields are named "scope" (a token's, an undo's): each enum gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "TokenScopeEnum": "mcp_door.models.TokenScope",
        "UndoScopeEnum": "tasks.serializers.UNDO_SCOPES",
    },
}

# --- The agent ---
AGENT_MODEL = env.str("AGENT_MODEL", default="")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
AGENT_MAX_TURNS = env.int("AGENT_MAX_TURNS", default=8)
# A turn that would delete or complete more tasks than this asks first (enforced in the tools).
AGENT_BULK_CONFIRM_OVER = env.int("AGENT_BULK_CONFIRM_OVER", default=3)
AGENT_TIMEOUT_S = env.float("AGENT_TIMEOUT_S", default=60.0)
AGENT_TRACING = env.bool("AGENT_TRACING", default=False)
CHAT_HISTORY_MESSAGES = env.int("CHAT_HISTORY_MESSAGES", default=20)
# Task change journal entries older than this many days are removed by `manage.py prune_task_changes`.
TASK_CHANGES_KEEP_DAYS = env.int("TASK_CHANGES_KEEP_DAYS", default=90)
# Messages per page of GET /api/conversations/{id}/ (the latest first; ?before= pages back).
CHAT_CONVERSATION_MESSAGES = env.int("CHAT_CONVERSATION_MESSAGES", default=100)
CHAT_MAX_MESSAGE_CHARS = 4000
# Open chat sockets per user, per daphne process; one more is closed with 4429 too_many_sockets.
CHAT_MAX_SOCKETS_PER_USER = env.int("CHAT_MAX_SOCKETS_PER_USER", default=20)
# Per-user chat limits (chat/limits.py), shared by every process through the cache:
# turns started per user from any door, and model tokens per user per day (0 = no budget).
CHAT_TURN_RATE = env.str("CHAT_RATE", default="30/min")  # the one throttle of both chat doors

# --- The MCP door (/mcp) ---
# Calls per token (a JWT's per user), DRF notation; over it, 429 with Retry-After.
MCP_RATE = env.str("MCP_RATE", default="120/min")
MCP_MAX_BODY_BYTES = env.int("MCP_MAX_BODY_BYTES", default=256 * 1024)

# OAuth 2.1 for MCP clients that only speak OAuth (django-oauth-toolkit as the authorization
# server, mcp_door/oauth.py on the resource side): authorization code + PKCE (S256 only), open
# dynamic client registration (RFC 7591), tokens stored hashed and bound to the /mcp resource
# (RFC 8707), refresh tokens rotated with reuse detection.
OAUTH2_PROVIDER = {
    "SCOPES": {"tasks:read": "See your tasks", "tasks:write": "Add, change, complete and delete your tasks"},
    "DEFAULT_SCOPES": ["tasks:read", "tasks:write"],
    "READ_SCOPE": "tasks:read",
    "WRITE_SCOPE": "tasks:write",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_SECONDS", default=30 * 86400),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["none", "client_secret_basic", "client_secret_post"],
    # Native clients (Claude Code, VS Code) redirect to http://127.0.0.1:<any port>/callback.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Todo agent MCP",
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
AGENT_DAILY_TOKEN_BUDGET = env.int("AGENT_DAILY_TOKEN_BUDGET", default=0)

# --- Logging: JSON lines with request context ---
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "openai": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "openai.agents": {"level": "WARNING"},
        "mcp": {"level": "WARNING"},  # the MCP SDK logs every stateless request at INFO
    },
}
