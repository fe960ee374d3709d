"""The ceiling of the stack: bare FastAPI + uvicorn serving precomputed answers.

Run by api_throughput.py as `python benchmarks/baseline_app.py ANSWERS.json PORT ACCESS_LOG`.
ANSWERS.json maps a request target ("/api/bodies/party-committee/duties", ...) to the body
(base64) and the ETag / Cache-Control headers the real server sent for it, so both servers
put the same bytes on the wire. The handlers are `async def` and do one dictionary lookup;
uvicorn runs with the settings of `dutygraph serve` (one worker, log level info).
"""

from __future__ import annotations

import base64
import json
import sys
from urllib.parse import quote

import uvicorn
from fastapi import FastAPI, Response


def create_app(answers: dict[str, dict]) -> FastAPI:
    ready = {
        target: (base64.b64decode(answer["body"]), answer["headers"]) for target, answer in answers.items()
    }
    app = FastAPI()

    def respond(target: str) -> Response:
        found = ready.get(target)
        if found is None:
            return Response(status_code=404)
        body, headers = found
        return Response(content=body, media_type="application/json", headers=headers)

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(content=b'{"status":"ok"}', media_type="application/json")

    @app.get("/api/bodies/{agent_id}/duties")
    async def body_duties(agent_id: str) -> Response:
        return respond(f"/api/bodies/{agent_id}/duties")

    @app.get("/api/responsibilities")
    async def responsibilities(q: str) -> Response:
        return respond(f"/api/responsibilities?q={quote(q)}")

    return app


def main() -> int:
    answers_file, port, access_log = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "on"
    with open(answers_file, encoding="utf-8") as f:
        app = create_app(json.load(f))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", access_log=access_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
