"""The OpenAPI schema's error answers: every operation lists the problems it can give.

drf-spectacular documents the successful answer only; a client generator that trusts the schema
then treats a 400 or a 409 as an undocumented surprise. `AutoSchema` adds, to each operation,
the RFC 9457 problem answers (`application/problem+json`, component `Problem`: the
`ProblemSerializer` of core/errors.py) that the framework can give for it, judged from the view
and the operation itself:

- 400 when it takes a body or query parameters (invalid input, a body that is not JSON);
- 401 when it authenticates (a missing, wrong or expired token), 403 when it needs permission;
- 404 when its path names something (a dossier, a document, a file);
- 409 for a state-changing call of a signed-in user (the dossier is not in a state for it);
- 413 and 415 for uploads (multipart), 415 for any other body (an unsupported content type);
- 429 when it is throttled;

plus the statuses a view names in `problem_statuses`. Answers an operation declares itself
(`extend_schema(responses=…)`, e.g. each dossier action's problem codes by status, from
dossiers/action_table.py) are kept as declared, description and schema; an error answer is
always sent as `application/problem+json`, so that is its documented media type, and one
declared without a body gets the Problem body.

Request bodies are JSON (docs/api.md): an operation documents `application/json` only, unless
its view chooses its own parsers (the uploads: multipart). DRF's form parsers stay in the
defaults, but a nested body (an applicant, components) cannot be sent as a form, so the schema
does not offer it.

Request bodies of serializers that refuse fields they do not know (`refuses_unknown_fields`,
e.g. the dossier inputs) say so: `additionalProperties: false`.
"""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

from .errors import PROBLEM_CONTENT_TYPE, ProblemSerializer

DESCRIPTIONS = {
    400: "Invalid input (`invalid` with `errors`, `parse_error`, `too_deeply_nested`, …)",
    401: "Not signed in, or the token is wrong or expired",
    403: "Not allowed for this account",
    404: "Not found (or not visible to this account)",
    409: "Conflicts with the current state",
    413: "The file is too large",
    415: "Unsupported media type",
    429: "Too many requests (throttled, or the account is locked)",
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        problem = self.resolve_serializer(ProblemSerializer, "response").ref
        for status, response in responses.items():
            if int(status) >= 400:
                # Declared by the view: its description and body schema stay; the media type
                # is the one the exception handler sends.
                schemas = [media["schema"] for media in response.get("content", {}).values()]
                schema = schemas[0] if schemas else problem
                response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": schema}}
        for status in sorted(self._problem_statuses(operation)):
            responses.setdefault(
                str(status),
                {
                    "description": DESCRIPTIONS.get(status, ""),
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": problem}},
                },
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def map_parsers(self):
        if list(self.view.parser_classes) == list(api_settings.DEFAULT_PARSER_CLASSES):
            return ["application/json"]
        return super().map_parsers()

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _problem_statuses(self, operation) -> set[int]:
        view = self.view
        parameters = operation.get("parameters", [])
        statuses = set(getattr(view, "problem_statuses", ()))
        if operation.get("requestBody") or any(p["in"] == "query" for p in parameters):
            statuses.add(400)
        if operation.get("requestBody"):
            statuses.add(415)
            if "multipart/form-data" in operation["requestBody"].get("content", {}):
                statuses.add(413)  # uploads: a file larger than allowed
        if view.get_authenticators():
            statuses.add(401)
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            statuses.update((401, 403))
            if self.method in ("POST", "PUT", "PATCH", "DELETE"):
                statuses.add(409)
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if view.get_throttles():
            statuses.add(429)
        return statuses
