"""The mixed load of issue 16 §6 for locust: citizens filing and following, counter intake,
officers working their queues, leaders on the dashboard, the public tracking page.

Run by `bench/bench_load.py` (which prepares the fixtures and the server); by hand:

    LOAD_FIXTURES=fixtures.json locust -f bench/locustfile.py --headless -u 40 -r 10 -t 5m \
        --host http://127.0.0.1:8000

`LOAD_FIXTURES` is the JSON bench_load.py writes: API tokens per role (issued directly: the
login endpoints are throttled per address), the procedures the counter receives, and dossier
codes with the last four digits of their applicant's ID for the tracking page. Each simulated
user sends from an address of its own in 127.0.0.0/8 (as a crowd would from many addresses), so
the per-address limits of the public pages and the logins apply per user, as in production.

Every request is named by its kind ("citizen: file", …): locust's statistics are per kind.
When the server answers with `Server-Timing: cpu;dur=<ms>, db;dur=<ms>, app;dur=<ms>`
(bench/_wsgi_cpu.py), the CPU time the web worker and its PostgreSQL backend spent on the
request, and the time inside the server, are summed per kind and written to `LOAD_CPU_OUT` at
the end.

The mix: `LOAD_MIX` (JSON, written by bench_load.py from its `--mix`) gives, per user class,
how many users run (`users`: locust's `fixed_count`) and how many tasks each starts per second
(`rate`: `constant_throughput`, so the rates do not depend on the response times while the
server keeps up); a simulated user stands for many people, so only the rates matter. Without
`LOAD_MIX` (by hand), the weights and pauses below apply: a citizen 10-20 requests a minute
(mostly following, a filing now and then), a counter officer a receipt every 10-20 s, a
processing officer a queue page or a dossier every 3-8 s, a leader a dashboard view every
10-30 s, a member of the public a tracking look-up every 3-10 s.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from collections import defaultdict

from locust import HttpUser, between, constant_throughput, events, task
from requests.adapters import HTTPAdapter

FIXTURES = json.loads(open(os.environ["LOAD_FIXTURES"], encoding="utf-8").read())  # noqa: SIM115
MIX: dict[str, dict] = json.loads(os.environ.get("LOAD_MIX") or "{}")
ADDRESSES = itertools.count(2)
PERSONAL_IDS = itertools.count(1)
LOCK = threading.Lock()
# Codes filed during the run (citizens and counters), for tracking and following.
TRACKABLE: list[tuple[str, str]] = list(FIXTURES["tracking"])
CLAIMED: set[str] = set()
CPU_MS: dict[str, float] = defaultdict(float)
APP_MS: dict[str, float] = defaultdict(float)
DB_MS: dict[str, float] = defaultdict(float)
TIMED: dict[str, int] = defaultdict(int)
TIMING_RE = re.compile(r"(\w+);dur=([0-9.]+)")


class SourceAddress(HTTPAdapter):
    """Connections from a given local address (127.0.0.N), so each user is its own client."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def next_address() -> str:
    with LOCK:
        n = next(ADDRESSES)
    return f"127.0.{n // 250}.{n % 250 + 2}"


@events.request.add_listener
def record_server_timing(name, response=None, exception=None, **kwargs):
    if response is None or exception is not None:
        return
    timing = dict(TIMING_RE.findall(response.headers.get("Server-Timing", "")))
    if "cpu" in timing:
        with LOCK:
            CPU_MS[name] += float(timing["cpu"])
            APP_MS[name] += float(timing.get("app", 0))
            DB_MS[name] += float(timing.get("db", 0))
            TIMED[name] += 1


@events.quitting.add_listener
def write_cpu(environment, **kwargs):
    out = os.environ.get("LOAD_CPU_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as sink:
            json.dump(
                {"cpu_ms": CPU_MS, "db_ms": DB_MS, "app_ms": APP_MS, "timed": TIMED}, sink, indent=1
            )


class Base(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        self.client.mount("http://", SourceAddress(next_address()))
        with LOCK:
            tokens = FIXTURES["tokens"][self.role]
            self.index = FIXTURES.setdefault("_next", {}).setdefault(self.role, 0)
            FIXTURES["_next"][self.role] += 1
        self.token = tokens[self.index % len(tokens)]
        self.client.headers["Authorization"] = f"Token {self.token}"
        self.rng = random.Random(self.index * 7919 + len(self.role))


class Citizen(Base):
    """Files online now and then, mostly follows their own dossiers."""

    weight = 12
    role = "citizen"
    wait_time = between(3, 6)

    def on_start(self):
        super().on_start()
        self.mine: list[str] = []

    @task(1)
    def file(self):
        personal_id = FIXTURES["citizen_ids"][self.index % len(FIXTURES["citizen_ids"])]
        procedure = self.rng.choice(FIXTURES["online_procedures"])
        response = self.client.post(
            "/api/v1/dossiers/",
            json={
                "procedure": procedure,
                "summary": "Đề nghị giải quyết thủ tục (thử tải)",
                "applicant": {"kind": 1, "full_name": "Nguyễn Văn An", "personal_id": personal_id},
            },
            name="citizen: file",
        )
        if response.status_code == 201:
            code = response.json()["code"]
            self.mine.append(code)
            with LOCK:
                TRACKABLE.append((code, personal_id[-4:]))

    @task(2)
    def my_dossiers(self):
        self.client.get("/api/v1/dossiers/", name="citizen: my dossiers")

    @task(2)
    def follow(self):
        if self.mine:
            code = self.rng.choice(self.mine)
            self.client.get(f"/api/v1/dossiers/{code}/", name="citizen: follow")
        else:
            self.my_dossiers()


class CounterOfficer(Base):
    """A receiving officer at a counter: a complete paper dossier received every 10-20 s, and
    the online dossiers of their centre received from their queue."""

    weight = 4
    role = "counter"
    wait_time = between(5, 10)

    @task(3)
    def intake(self):
        with LOCK:
            n = next(PERSONAL_IDS)
        procedure = self.rng.choice(FIXTURES["counter_procedures"])
        personal_id = f"0262{self.index:04d}{n:04d}"[-12:]
        response = self.client.post(
            "/api/v1/counter/intake/",
            json={
                "procedure": procedure["code"],
                "applicant": {
                    "kind": 1,
                    "full_name": "Trần Thị Bình",
                    "personal_id": personal_id,
                    "phone": f"09{n:08d}"[-10:],
                    "address": "Số 1 đường Hùng Vương",
                    "unit": self.rng.choice(FIXTURES["units"]),
                },
                "summary": f"Hồ sơ {procedure['name'][:80]}",
                "components": [
                    {"order": order, "originals": 1, "copies": 0, "content": "Đã kiểm tra"}
                    for order in procedure["components"]
                ],
                "channel": 1,
                "return_method": "counter",
            },
            name="counter: intake",
        )
        if response.status_code == 201:
            with LOCK:
                TRACKABLE.append((response.json()["dossier"]["code"], personal_id[-4:]))

    @task(1)
    def receive_online(self):
        # A dossier no other officer has taken yet (all users live in this process), so two
        # officers never race for the same dossier (a lost race is a 409, counted as an error).
        queue = self.client.get(
            "/api/v1/dossiers/", params={"status": "new"}, name="counter: queue of new"
        )
        if queue.status_code != 200:
            return
        with LOCK:
            mine = [
                d["code"]
                for d in queue.json()["results"]
                if "receive" in d.get("available_actions", []) and d["code"] not in CLAIMED
            ][:1]
            CLAIMED.update(mine)
        if mine:
            self.client.post(
                f"/api/v1/dossiers/{mine[0]}/receive/", json={}, name="counter: receive online"
            )


class ProcessingOfficer(Base):
    """Works the agency's queue: the open dossiers by due date, one opened now and then."""

    weight = 4
    role = "officer"
    wait_time = between(3, 8)

    @task(2)
    def queue(self):
        response = self.client.get(
            "/api/v1/dossiers/", params={"open": "true"}, name="officer: queue"
        )
        if response.status_code == 200:
            self.codes = [d["code"] for d in response.json()["results"]]

    @task(1)
    def open_dossier(self):
        codes = getattr(self, "codes", None)
        if codes:
            self.client.get(f"/api/v1/dossiers/{self.rng.choice(codes)}/", name="officer: dossier")
        else:
            self.queue()


class Leader(Base):
    """The dashboard (session login, once) and the indicators' API."""

    weight = 1
    role = "leader"
    wait_time = between(10, 30)

    def on_start(self):
        super().on_start()
        self.client.headers.pop("Authorization", None)
        page = self.client.get("/dashboard/login/", name="leader: login page")
        credentials = FIXTURES["leader_login"]
        self.client.post(
            "/dashboard/login/",
            data={
                **credentials,
                "csrfmiddlewaretoken": page.cookies.get("csrftoken")
                or self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": f"{self.host}/dashboard/login/"},
            name="leader: login",
        )

    @task(2)
    def dashboard(self):
        self.client.get("/dashboard/", name="leader: dashboard")

    @task(1)
    def indicators(self):
        self.client.get(
            "/api/v1/stats/indicators",
            headers={"Authorization": f"Token {self.token}"},
            name="leader: indicators API",
        )


class Public(HttpUser):
    """Someone with a receipt's code looking their dossier up on the tracking page."""

    weight = 6
    wait_time = between(3, 10)

    def on_start(self):
        self.client.mount("http://", SourceAddress(next_address()))
        self.rng = random.Random()

    @task
    def track(self):
        with LOCK:
            code, id4 = self.rng.choice(TRACKABLE)
        self.client.get("/tra-cuu/", params={"ma": code, "so": id4}, name="public: tracking")


def apply_mix(mix: dict[str, dict]) -> None:
    """`{"Citizen": {"users": 20, "rate": 0.5}, ...}`: that many users of each class, each
    starting `rate` tasks a second; a class left out runs no user."""
    classes = {
        cls.__name__: cls for cls in (Citizen, CounterOfficer, ProcessingOfficer, Leader, Public)
    }
    unknown = set(mix) - set(classes)
    if unknown:
        raise ValueError(f"LOAD_MIX: unknown user classes {sorted(unknown)}")
    for name, cls in classes.items():
        entry = mix.get(name, {"users": 0, "rate": 1.0})
        cls.fixed_count = int(entry["users"])
        cls.wait_time = constant_throughput(float(entry["rate"]))


if MIX:
    apply_mix(MIX)
