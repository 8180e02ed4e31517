"""The spec loads without a token and the docs page references nothing remote."""

from __future__ import annotations

import json
import re

from django.test import Client

REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)

PATHS = {
    "/api/v1/me",
    "/api/v1/units",
    "/api/v1/work-items",
    "/api/v1/work-items/{item_id}",
    "/api/v1/work-items/{item_id}/reports",
    "/api/v1/reports",
    "/api/v1/reports/{report_id}",
}


def test_api_openapi_spec_lists_every_path(db):
    # when
    response = Client().get("/api/v1/openapi.json")
    # then
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= PATHS
    assert spec["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    params = {p["name"] for p in spec["paths"]["/api/v1/work-items"]["get"]["parameters"]}
    assert {"year", "unit", "level", "kind", "category", "stage", "status", "q", "period"} <= params
    assert {"page", "page_size"} <= params


def test_api_openapi_documents_money_as_strings(db):
    spec = Client().get("/api/v1/openapi.json").json()
    ytd = spec["components"]["schemas"]["FiguresOut"]["properties"]["ytd_investment"]
    assert ytd["type"] == "string"
    assert "never a float" in ytd["description"] or "万元" in ytd["description"]
    plan = spec["components"]["schemas"]["WorkItemOut"]["properties"]["annual_plan"]
    assert {"type": "null"} in plan["anyOf"]
    assert any(option.get("type") == "string" for option in plan["anyOf"])


def test_api_openapi_spec_references_no_remote_url(db):
    text = Client().get("/api/v1/openapi.json").content.decode()
    assert "http://" not in text
    assert "https://" not in text


def test_api_docs_page_is_served_locally(db):
    # when
    client = Client()
    response = client.get("/api/v1/docs")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert not REMOTE.search(html), "the docs page must not load anything from the internet"
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset


def test_api_unknown_path_answers_json_404(db):
    for path in ("/api/v1/nothing-here", "/api/v1/work-items/1/oops", "/api/v1/"):
        response = Client().get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not Found"}


def test_api_schema_names_are_unique_across_routers(db):
    # Two schemas of one name would silently replace each other in the spec.
    from ninja import Schema

    from duban.api.api import api

    api.get_openapi_schema()  # imports every router
    names: dict[str, set[str]] = {}

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            names.setdefault(sub.__name__, set()).add(sub.__module__)
            walk(sub)

    walk(Schema)
    clashes = {
        n: m for n, m in names.items() if len(m) > 1 and any(x.startswith("duban.") for x in m)
    }
    assert clashes == {}
