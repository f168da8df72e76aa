"""Posting the site's HTML forms from tests as a browser does: with the page's CSRF token."""

import re

from django.test import Client


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def form_post(client: Client, url: str, data: dict | None = None, page: str = "/tasks/"):
    """Posts `data` to `url` with the token of a form on `page` (where a person would submit it)."""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": form_token(client.get(page).content.decode())})
