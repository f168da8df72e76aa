"""Which request bodies every DRF view accepts.

Request bodies are JSON. HTML-form bodies are accepted only from a logged-in browser session
(the browsable API's forms), where DRF's SessionAuthentication enforces CSRF. Any other body
is a 415 ``unsupported_media_type``. (Loaded from REST_FRAMEWORK settings, so it must not
import DRF views or drf-spectacular: see api_schema.py for the schema side.)
"""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.request import is_form_media_type
from rest_framework.utils import json as drf_json

from core.text import encodes_as_utf8, json_loads_bounded


class StrictJSONParser(JSONParser):
    """JSON, refusing text no database can store (lone UTF-16 surrogates such as "\\ud800")."""

    def parse(self, stream, media_type=None, parser_context=None):
        # JSONParser.parse, with the nesting bounded (json_loads_bounded).
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json_loads_bounded(text, parse_constant=drf_json.strict_constant if self.strict else None)
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # NUL is left to the fields, which name the one that holds it (DRF refuses it per field).
        if not encodes_as_utf8(json.dumps(data, ensure_ascii=False)):
            raise exceptions.ParseError("JSON parse error - the text contains invalid Unicode (a lone surrogate).")
        return data


class JSONUnlessBrowserSession(DefaultContentNegotiation):
    """Form bodies only for the browsable API of a logged-in session (CSRF-checked); JSON for everyone else."""

    def select_parser(self, request, parsers):
        if not _is_browser_session(request):
            parsers = [parser for parser in parsers if not is_form_media_type(parser.media_type)]
        return super().select_parser(request, parsers)


def _is_browser_session(request) -> bool:
    # Parsing can start inside SessionAuthentication's own CSRF check (it reads request.POST),
    # before DRF knows who authenticated; so ask Django's session user, and require that the
    # view takes session auth, whose CSRF check then runs on this very request.
    session_user = getattr(request._request, "user", None)
    takes_session = any(isinstance(a, SessionAuthentication) for a in getattr(request, "authenticators", ()))
    return bool(takes_session and session_user is not None and session_user.is_authenticated)
