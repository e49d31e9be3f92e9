"""Schema conformance of the whole API (issue 11, 6b.4): schemathesis over /api/schema/.

Every operation of the served schema is fuzzed in-process (the WSGI app, in the test's
transaction) anonymously and as each demo role (`seed_demo_accounts`: quantri, congdan,
tiepnhan, chuyenvien, lanhdao): the schema's own examples, positive data, and negative data as
the role that normally calls it. Every answer must pass schemathesis' checks: no server error,
a documented status code, the documented content type, a body matching the documented schema.

To reach the state machine and not only validation, the fuzzer runs on the served schema with
the identifiers a request names (dossier codes, procedure, agency and unit codes, user ids, file
and document ids, the citizen's ID digits, future dates) narrowed to values of a world built
here: dossiers of Sở Tư pháp's real procedures (the demo officials' agency) in every state, an
e-result, uploads, data-store documents. Negative data still tries everything else.

Bounded and repeatable: EXAMPLES positive and NEGATIVE_EXAMPLES negative examples per
operation and role, derandomized. ONECUA_FUZZ_EXAMPLES=<n> draws more, ONECUA_FUZZ_SEED=<n>
other ones, ONECUA_FUZZ_VERBOSE=1 prints the status codes met per operation. Selected alone by
`pytest -m schema`; part of the normal run (about 30 s on SQLite).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import AuthToken, User
from accounts.seed import seed_demo_accounts
from accounts.services import issue_token
from config.wsgi import application
from documents.models import StoredFile, StoreDocument
from dossiers import services
from dossiers.action_table import ACTION_TABLE
from dossiers.models import DossierAction, EResult
from organisations.models import AdministrativeUnit, Agency, AgencyKind
from organisations.seed import seed_agencies, seed_units
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue
from procedures.models import Field
from tests.support.catalogue import FIELDS, MINI
from tests.support.files import pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.schema]

PASSWORD = "onecua-demo"
ROLES = ["quantri", "congdan", "tiepnhan", "chuyenvien", "lanhdao"]
CITIZEN_ID = "025090001234"  # the demo citizen's (seed_demo_accounts)
# Real procedures of the seeded catalogue handled by Sở Tư pháp, the demo officials' agency.
REAL_CODES = ["1.000426", "1.000614", "1.002010", "1.005136"]
EXAMPLES = int(os.environ.get("ONECUA_FUZZ_EXAMPLES", "10"))
NEGATIVE_EXAMPLES = max(1, EXAMPLES // 2)
FUZZ_SEED = os.environ.get("ONECUA_FUZZ_SEED")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# --- the world --------------------------------------------------------------------------------
def real_rows():
    data = json.loads(Path(django_settings.ONECUA_CATALOGUE_FILE).read_text(encoding="utf-8"))
    rows = [row for row in data["procedures"] if row["code"] in REAL_CODES]
    fields = [f for f in data["fields"] if f["code"] in {r["field_code"] for r in rows}]
    assert len(rows) == len(REAL_CODES)
    return fields, rows


def build_world() -> dict:
    province, _ = seed_units()
    seed_agencies(province)
    fields, rows = real_rows()
    import_catalogue(
        CatalogueFile(fields=FIELDS + fields, procedures=[dict(r) for r in MINI] + rows)
    )
    seed_demo_accounts(PASSWORD)
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    citizen, clerk = users["congdan"], users["tiepnhan"]
    specialist, leader = users["chuyenvien"], users["lanhdao"]
    applicant = {"kind": 1, "full_name": "Nguyễn Văn An", "personal_id": CITIZEN_ID}

    def filed(i):
        return services.submit_online(
            actor=citizen,
            procedure_code=REAL_CODES[i % len(REAL_CODES)],
            applicant=applicant,
            summary=f"Hồ sơ thử {i}",
            components=[{"order": 1, "content": "Tờ khai"}],
        ).code

    def received(i):
        code = filed(i)
        services.receive(dossier=code, actor=clerk)
        return code

    def processing(i, assignee=specialist):
        code = received(i)
        services.assign(dossier=code, actor=leader, assignee=assignee.pk)
        return code

    codes = {"new": [filed(i) for i in range(4)]}
    codes["received"] = [received(i) for i in range(3)]
    codes["processing"] = [processing(i) for i in range(4)]
    codes["with_leader"] = [processing(i, assignee=leader) for i in range(2)]
    codes["supplement_requested"] = []
    for i in range(2):
        code = filed(i)
        services.request_supplement(dossier=code, actor=clerk, items=["Bản sao CCCD"])
        codes["supplement_requested"].append(code)
    codes["awaiting_payment"] = []
    for i in range(2):
        code = processing(i)
        services.request_payment(dossier=code, actor=specialist, amount=100000)
        codes["awaiting_payment"].append(code)
    codes["result_ready"] = []
    for i in range(2):
        code = processing(i, assignee=leader)
        services.approve(dossier=code, actor=leader, e_result=True)
        codes["result_ready"].append(code)
    code = processing(0, assignee=leader)
    services.approve(dossier=code, actor=leader, e_result=True)
    services.return_result(dossier=code, actor=clerk)
    codes["returned"] = [code]
    code = filed(1)
    services.withdraw(dossier=code, actor=citizen, reason="Thử")
    codes["withdrawn"] = [code]

    # Files: a citizen's upload to a new dossier, a scan at the counter (into the data store).
    client = Client()
    client.force_login(citizen)
    for code in codes["new"][:2]:
        response = client.post(
            f"/api/v1/dossiers/{code}/components/1/files/",
            {"file": io.BytesIO(pdf_bytes()), "title": "Tờ khai"},
        )
        assert response.status_code == 201, response.content
    client.force_login(clerk)
    response = client.post(
        f"/api/v1/dossiers/{codes['received'][0]}/components/1/files/",
        {"file": io.BytesIO(pdf_bytes("Scan")), "title": "Giấy khai sinh"},
    )
    assert response.status_code == 201, response.content

    # Round-robin over the states: the first values the fuzzer draws cover them all.
    groups = [list(group) for group in codes.values()]
    all_codes = [group.pop(0) for _ in range(max(map(len, groups))) for group in groups if group]
    agencies = Agency.objects.filter(pk__in=[clerk.agency_id, specialist.agency_id]).values_list(
        "code", flat=True
    )
    units = AdministrativeUnit.objects.filter(parent=province).values_list("code", flat=True)[:2]
    return {
        "users": users,
        "codes": codes,
        "values": {
            "dossier_code": [*all_codes, "000.00.00.H43-260101-9999"],
            "procedure_code": [*REAL_CODES, "1.001193", "9.999999"],
            "agency_code": [*agencies, "000.00.00.H43"],
            "centre_code": list(
                Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE).values_list(
                    "code", flat=True
                )[:2]
            ),
            "unit_code": [province.code, *units],
            "field_code": list(Field.objects.values_list("code", flat=True)[:3]),
            "user_id": [specialist.pk, leader.pk, clerk.pk],
            "username": ROLES,
            "password": [PASSWORD],
            "file_id": [str(pk) for pk in StoredFile.objects.values_list("pk", flat=True)[:4]],
            "document_id": list(StoreDocument.objects.values_list("pk", flat=True)[:4]),
            "result_id": [str(pk) for pk in EResult.objects.values_list("pk", flat=True)[:2]],
            "order": [1, 2, 3],
            "form_number": ["01", "02", "03", "04", "05", "06"],
            "id4": [CITIZEN_ID[-4:]],
            "personal_id": [CITIZEN_ID],
            "future": [
                (timezone.localtime() + timedelta(days=days)).replace(hour=9, minute=0).isoformat()
                for days in (8, 12)
            ],
        },
    }


# --- the schema the fuzzer runs on ------------------------------------------------------------
def served_schema() -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _path_values(path: str, name: str) -> str | None:
    if name == "code":
        return "procedure_code" if path.startswith("/api/v1/procedures/") else "dossier_code"
    if name == "parent":
        return "unit_code" if path.startswith("/api/v1/units/") else "agency_code"
    return {
        "order": "order",
        "number": "form_number",
        "file_id": "file_id",
        "id": "document_id",
        "result_id": "result_id",
        "procedure": "procedure_code",
        "agency": "agency_code",
        "receiving_agency": "agency_code",
        "handling_agency": "agency_code",
        "unit": "unit_code",
        "field": "field_code",
        "assignee": "user_id",
        "id4": "id4",
    }.get(name)


BODY_VALUES = {
    "procedure": "procedure_code",
    "receiving_agency": "centre_code",
    "handling_agency": "agency_code",
    "unit": "unit_code",
    "personal_id": "personal_id",
    "order": "order",
    "store_document": "document_id",
    "username": "username",
    "password": "password",
    "assignee": "user_id",
    "new_due_at": "future",
}


def _mix(schema: dict, values: list) -> dict:
    """The world's values in place of what the schema allows: positive examples name real
    things; negative ones (anything but these) still try everything else."""
    if not values:
        return schema
    narrowed = {"enum": values}
    if "type" in schema:
        narrowed["type"] = "integer" if all(isinstance(v, int) for v in values) else "string"
    return narrowed


# The dossier actions (POST /dossiers/{code}/{action}/), by their route's last segment.
ACTIONS = {row.action.url_path: row.action for row in ACTION_TABLE.values()}


def _action(path: str) -> DossierAction | None:
    parts = path.strip("/").split("/")
    if len(parts) == 5 and parts[:3] == ["api", "v1", "dossiers"]:
        return ACTIONS.get(parts[4])
    return None


def fuzzed_schema(raw: dict, values: dict) -> dict:
    raw = json.loads(json.dumps(raw))
    for path, item in raw["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                key = _path_values(path, parameter["name"])
                if key:
                    parameter["schema"] = _mix(parameter["schema"], values[key])
    for name, component in raw["components"]["schemas"].items():
        if name.endswith("Request"):
            for prop, schema in component.get("properties", {}).items():
                key = BODY_VALUES.get(prop)
                if key:
                    component["properties"][prop] = _mix(schema, values[key])
    return raw


# --- the run ----------------------------------------------------------------------------------
def natural_role(method: str, path: str) -> str:
    """Who normally calls an operation: its negative examples are sent as that role (so they
    pass authentication and reach validation)."""
    action = _action(path)
    A = DossierAction
    if action in {A.ASSIGN, A.APPROVE, A.REFUSE, A.RESCHEDULE, A.STOP}:
        return "lanhdao"
    if action in {A.HAND_OVER, A.REQUEST_PAYMENT, A.CONFIRM_PAYMENT}:
        return "chuyenvien"
    if action in {A.SUPPLEMENT, A.WITHDRAW} or path.startswith("/api/v1/me/"):
        return "congdan"
    if method == "POST" and path == "/api/v1/dossiers/":
        return "congdan"
    if path.startswith(("/api/v1/stats/", "/api/v1/reports/")):
        return "lanhdao"
    if action or path.startswith(("/api/v1/counter/", "/api/v1/dossiers/")):
        return "tiepnhan"
    return "quantri"


class Run:
    def __init__(self, world):
        self.world = world
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        # The schema's examples as sent by the role that normally calls the operation.
        self.examples_answered: dict[str, list[int]] = defaultdict(list)
        self.calls = 0
        self.tokens: dict[str, tuple[AuthToken, str]] = {}

    def token(self, role: str) -> str:
        # A fuzzed POST /auth/logout/ (logout-all, DELETE /auth/tokens/{id}/) revokes the role's
        # token: log it in again.
        row, secret = self.tokens.get(role, (None, ""))
        if row is None or not AuthToken.objects.filter(pk=row.pk).exists():
            row, secret = self.tokens[role] = issue_token(self.world["users"][role])
        return secret

    def call(self, operation, case, role: str | None, mode) -> None:
        # Throttle counters live in the cache: the fuzzer is one client sending thousands of
        # requests, and should reach the views rather than the throttles.
        cache.clear()
        headers = {"Authorization": f"Token {self.token(role)}"} if role else {}
        self.calls += 1
        response = case.call(headers=headers)
        self.statuses[operation.label][response.status_code] += 1
        if mode == "example" and role == natural_role(operation.method.upper(), operation.path):
            self.examples_answered[operation.label].append(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as exc:
            self.failures[operation.label].append(f"as {role or 'anonymous'} ({mode}): {exc}")

    def examples(self, operation, role: str | None) -> None:
        """The schema's own examples (a valid submission, …), once each."""
        for strategy in operation.get_strategies_from_examples():

            @given(case=strategy)
            @hypothesis_settings(
                max_examples=1,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                self.call(operation, case, role, "example")

            run()

    def fuzz(self, operation, role: str | None, mode: GenerationMode, examples: int) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=FUZZ_SEED is None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            self.call(operation, case, role, mode)

        if FUZZ_SEED is not None:
            run = seed(int(FUZZ_SEED))(run)
        with contextlib.suppress(Unsatisfiable):  # negative: nothing here can be made invalid
            run()


@contextlib.contextmanager
def app_in_this_transaction():
    """As Django's test client does: a request must not close the connection that holds the
    test's transaction (the app is called in-process, in this thread). Entered after any use
    of the test client, which connects the handler again after each of its requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(capsys):
    started = time.monotonic()
    world = build_world()
    served = served_schema()
    schema = schemathesis.openapi.from_dict(fuzzed_schema(served, world["values"]))
    schema.app = application
    run = Run(world)
    with app_in_this_transaction():
        for result in schema.get_all_operations():
            operation = result.ok()
            for role in [None, *ROLES]:
                run.examples(operation, role)
                run.fuzz(operation, role, GenerationMode.POSITIVE, EXAMPLES)
            role = natural_role(operation.method.upper(), operation.path)
            run.fuzz(operation, role, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis: {run.calls} calls in {elapsed:.0f} s")
        if os.environ.get("ONECUA_FUZZ_VERBOSE"):
            for label, counts in sorted(run.statuses.items()):
                print(f"  {label}: " + ", ".join(f"{k}×{v}" for k, v in sorted(counts.items())))
    # The fuzzer reached the state machine, not only validation: dossiers were filed and moved.
    moved = {
        label
        for label, counts in run.statuses.items()
        if label.startswith("POST /api/v1/dossiers/") and any(200 <= c < 300 for c in counts)
    }
    assert "POST /api/v1/dossiers/" in moved, run.statuses["POST /api/v1/dossiers/"]
    # The schema's examples were sent (schemathesis skips one that does not match the narrowed
    # schema) and go through when the role they are meant for sends them.
    with_examples = {
        f"{method.upper()} {path}"
        for path, item in served["paths"].items()
        for method, operation in item.items()
        if any(
            "examples" in media
            for media in operation.get("requestBody", {}).get("content", {}).values()
        )
    }
    assert with_examples, "the schema has examples"
    assert set(run.examples_answered) == with_examples
    refused = {k: v for k, v in run.examples_answered.items() if not all(c < 300 for c in v)}
    assert not refused, refused
    assert len(moved) >= 5, sorted(moved)
    report = "\n\n".join(
        f"### {label} ({len(items)})\n" + "\n".join(items[:3])
        for label, items in sorted(run.failures.items())
    )
    assert not run.failures, report
