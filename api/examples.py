"""OpenAPI examples: real answers of the packaged build, one per endpoint.

`examples.json` is generated from the running app (`python -m dutygraph.api.examples`),
lists cut to their first item; a test regenerates it and fails when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES_FILE = Path(__file__).with_name("examples.json")

# name → the request whose answer illustrates the endpoint
SAMPLE_REQUESTS = {
    "bodies": "/api/bodies?q=部门&limit=2",
    "body": "/api/bodies/talent-work-leading-group",
    "body_duties": "/api/bodies/organization-department/duties?level=central&limit=2",
    "body_documents": "/api/bodies/organization-department/documents",
    "duties": "/api/duties?modality=permission",
    "duty": "/api/duties/party-talent-work-opinion/a05-8",
    "responsibilities": "/api/responsibilities?q=审定&limit=2",
    "documents": "/api/documents",
    "document": "/api/documents/party-talent-work-opinion",
    "text": "/api/documents/party-talent-work-opinion/text",
    "article": "/api/documents/party-talent-work-opinion/articles/10",
    "path": "/api/graph/path?source=organization-department&target=talent-work-leading-group",
    "neighbors": "/api/graph/neighbors/talent-work-leading-group?depth=1",
    "chain": "/api/graph/chain/talent-work-leading-group?relation=submits_to",
    "centrality": "/api/graph/centrality?limit=3",
    "shared": "/api/graph/shared?first=non-public-economic-organization&second=new-social-organization",
    "procedures": "/api/procedures?limit=1",
    "leading_group": "/api/leading-group",
    "search": "/api/search?q=人才工作领导小组&limit=2",
    "overview": "/api/overview?top=3",
    "compare": "/api/compare?first=party-talent-work-opinion&second=employment-promotion-opinion-2018",
}


def trim(value: Any, keep: int = 1) -> Any:
    """Lists cut to `keep` items and long strings shortened, so the docs stay readable."""
    if isinstance(value, list):
        return [trim(v, keep) for v in value[:keep]]
    if isinstance(value, dict):
        return {k: trim(v, keep) for k, v in value.items()}
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    return value


def _load() -> dict[str, Any]:
    if EXAMPLES_FILE.exists():
        return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return {}


EXAMPLES = _load()


def example(name: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` argument of a route: its 200 example, and the 404 shape."""
    from .models import NotFound

    responses: dict[int | str, dict[str, Any]] = {
        404: {"description": "unknown id; the closest existing ones are suggested", "model": NotFound}
    }
    if name in EXAMPLES:
        responses[200] = {"content": {"application/json": {"example": EXAMPLES[name]}}}
    return responses


def generate() -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from .app import create_app

    with TestClient(create_app()) as client:
        return {name: trim(client.get(url).json()) for name, url in SAMPLE_REQUESTS.items()}


if __name__ == "__main__":
    text = json.dumps(generate(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    EXAMPLES_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {EXAMPLES_FILE}")
