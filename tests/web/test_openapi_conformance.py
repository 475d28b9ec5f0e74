"""schemathesis against the ASGI app in-process: the OpenAPI document tells the truth.

Every operation of /api/v1/openapi.json gets at most 25 generated cases (derandomized, so a
run is the same every time) and every built-in check: no server error, documented status
codes, content types, headers and response schemas, valid data accepted and invalid data
refused. The write operations are called with a token holding both scopes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from alphanode.services import accounts
from alphanode.settings import Settings
from alphanode.store.migrate import open_database
from alphanode.web.app import create_app
from tests.web.conftest import build_site

# POST /import takes any text and answers 422 with a report when documents in it are
# rejected (the others are imported): for it, 422 is the documented answer to valid data.
CONFIG = schemathesis.Config.from_dict(
    {
        "operations": [
            {
                "include-path": "/api/v1/import",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                    },
                    # Any non-blank text is a valid body (a scraped page, JSON or JSONL are all
                    # text): a "schema-violating" body (a JSON null, a number) reaches the wire
                    # as the text "null" or "3", which is valid data, read as what it says.
                    "negative_data_rejection": {"enabled": False},
                },
            }
        ]
    }
)


def _app(tmp: Path) -> tuple[object, str]:
    site = build_site(tmp / "site")
    conf = Settings.load(
        env={},
        database_url=site.url,
        search_index_path=str(site.settings.search_index_path),
        api_max_body_bytes=64 * 1024,
    )
    engine = open_database(conf)
    token = accounts.create_token(engine, "fuzzer", ["import", "review"])
    engine.dispose()
    return create_app(conf), token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str]]:
    app, token = _app(tmp_path_factory.mktemp("conformance"))
    yield app, token
    app.state.engine.dispose()  # type: ignore[attr-defined]


def test_api_conforms_to_its_openapi_document(served: tuple[object, str]) -> None:
    app, token = served
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
    auth = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 6

    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            case.call_and_validate(headers=auth)

        try:
            run()
        except Unsatisfiable:
            # A path of one free-text parameter has no schema-violating request to make.
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
        except Exception as exc:  # noqa: BLE001 - collected, reported together below
            failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_the_document_describes_bodies_tokens_and_errors(served: tuple[object, str]) -> None:
    app, _ = served
    doc = app.openapi()  # type: ignore[attr-defined]
    assert all(path.startswith("/api/v1/") for path in doc["paths"])  # no HTML or XML route
    scheme = doc["components"]["securitySchemes"]["apiToken"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path in ("/api/v1/import", "/api/v1/posts/{ref}/review"):
        op = doc["paths"][path]["post"]
        assert op["security"] == [{"apiToken": []}] and op["requestBody"]["required"]
        assert {"400", "401", "403", "413"} <= set(op["responses"])
    review = doc["paths"]["/api/v1/posts/{ref}/review"]["post"]["requestBody"]
    body = review["content"]["application/json"]["schema"]
    assert body["properties"]["note"]["maxLength"] == 10_000
    days = doc["paths"]["/api/v1/most-read"]["get"]["parameters"]
    assert next(p for p in days if p["name"] == "days")["schema"]["enum"] == [7, 30, 365]
    error = doc["components"]["schemas"]["ErrorDetail"]["properties"]
    assert set(error) == {"code", "what", "expected", "retry_safe", "message", "status"}


def test_405_names_the_allowed_methods(served: tuple[object, str]) -> None:
    import asyncio

    import httpx

    app, _ = served

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.delete("/api/v1/posts")

    r = asyncio.run(go())
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert r.json()["error"]["status"] == 405
