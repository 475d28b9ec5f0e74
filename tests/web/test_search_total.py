"""The search page and API when more posts match than search counts (search_count_up_to)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator

import pytest

from tests.web.conftest import Client, Site


@pytest.fixture(scope="module")
def capped(site: Site) -> Iterator[tuple[Client, int]]:
    """The seeded site, counting its matches up to fewer than "the" has, and that count."""
    full = Client(site.settings)
    try:
        exact = full.get("/api/v1/search?q=the").json()["total"]
    finally:
        full.close()
    assert exact >= 4
    client = Client(dataclasses.replace(site.settings, search_count_up_to=exact - 1))
    yield client, exact - 1
    client.close()


def test_the_api_says_more_and_pages_up_to_the_bound(capped: tuple[Client, int]) -> None:
    client, bound = capped
    body = client.get("/api/v1/search?q=the").json()
    assert body["more"] is True and body["total"] == bound
    assert body["pages"] == math.ceil(bound / 10) and body["hits"]
    last = client.get(f"/api/v1/search?q=the&page={body['pages']}").json()
    assert last["more"] is True and last["hits"]
    assert client.get("/api/v1/search?q=quokkazzz").json()["more"] is False


def test_the_page_says_more_than_the_bound(capped: tuple[Client, int]) -> None:
    client, bound = capped
    html = client.get("/search?q=the").text
    count = re.search(r'<p class="count">([^<]*)</p>', html)
    assert count and count.group(1).startswith(f"More than {bound:,} results")
    exact = client.get("/search?q=quokkazzz").text
    assert "More than" not in exact
