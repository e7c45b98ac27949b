"""Factories for the negotiation tests and the permission-matrix recipes (plain functions).

Everything goes through the API as the officer of U01, except members (inserted as the motion tests
do). The union chair's account ``chair.u01`` is linked to a member record, so it can be the employee
side's chief (令22 Art 20).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from motions.factories import make_member

from api.db.models import User

NEGOTIATIONS = "/api/v1/negotiations"
CONGRESSES = "/api/v1/congresses"


def etag_of(client: Any, path: str, headers: dict[str, str]) -> str:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


@dataclass
class Neg:
    client: Any
    world: Any
    data: dict[str, Any]
    unit: str = "U01"
    people: dict[str, str] = field(default_factory=dict)  # label -> negotiator id
    base: date = date(2027, 1, 4)  # the proposal's date; the happy path's dates are offsets from it

    def on(self, offset: int) -> str:
        return (self.base + timedelta(days=offset)).isoformat()

    @property
    def path(self) -> str:
        return f"{NEGOTIATIONS}/{self.data['id']}"

    @property
    def officer(self) -> dict[str, str]:
        return self.world.as_role("officer", self.unit)

    def get(self) -> dict[str, Any]:
        r = self.client.get(self.path, headers=self.officer)
        assert r.status_code == 200, r.text
        self.data = r.json()
        return self.data

    def post(
        self, suffix: str, json: Any = None, expect: int = 200, headers: dict[str, str] | None = None
    ) -> Any:
        """POST a step with the negotiation's current ETag; assert the status."""
        who = headers or self.officer
        tag = etag_of(self.client, self.path, who)
        r = self.client.post(self.path + suffix, json=json, headers={**who, "If-Match": tag})
        assert r.status_code == expect, r.text
        return r


def chair_member(world: Any, unit: str = "U01") -> Any:
    """The chair of ``unit`` (``chair.<unit>``) with a member record."""
    username = f"chair.{unit.lower()}"
    member = make_member(world, unit, name="赵主席")
    if username in world.users:
        with world.db.write_session() as s:
            user = s.get(User, world.users[username].id)
            user.member_id = member.id
            s.commit()
    else:
        world.user(username, ("chair", unit), member_id=member.id)
    return member


def propose(client: Any, world: Any, unit: str = "U01", base: date = date(2027, 1, 4), **fields: Any) -> Neg:
    body = {
        "org_unit_id": str(world.units[unit].id),
        "kind": "comprehensive",
        "title": "2027-2029年度集体合同",
        "employer_name": "第一机械厂有限公司",
        "initiated_by": "union",
        "topics": ["pay", "hours", "safety_health"],
        "proposal_text": "工会提出就签订新一期集体合同进行集体协商。",
        "proposed_on": base.isoformat(),
        **fields,
    }
    r = client.post(NEGOTIATIONS, json=body, headers=world.as_role("officer", unit))
    assert r.status_code == 201, r.text
    return Neg(client, world, r.json(), unit, base=base)


def add_negotiator(neg: Neg, label: str, expect: int = 201, **fields: Any) -> Any:
    body = {"appointed_on": neg.on(0), **fields}
    r = neg.post("/negotiators", body, expect=expect)
    if expect == 201:
        created = [n for n in neg.get()["negotiators"] if n["name"] == fields["name"]]
        neg.people[label] = created[-1]["id"]
    return r


def team(neg: Neg, *, experts: int = 0) -> None:
    """Three a side, chiefs first: the union chair for the employees, the director for the employer."""
    chair = chair_member(neg.world, neg.unit)
    add_negotiator(
        neg, "e1", side="employee", name="赵主席", post="工会主席", member_id=str(chair.id), is_chief=True
    )
    for i in (2, 3):
        m = make_member(neg.world, f"{neg.unit}-B01" if neg.unit == "U01" else neg.unit, name=f"职工代表{i}")
        add_negotiator(
            neg,
            f"e{i}",
            side="employee",
            name=m.name,
            member_id=str(m.id),
            is_expert=i <= 1 + experts,
            protection_ends_on="2027-12-31",
        )
    add_negotiator(neg, "r1", side="employer", name="钱厂长", post="法定代表人", is_chief=True)
    for i in (2, 3):
        add_negotiator(neg, f"r{i}", side="employer", name=f"管理方{i}", post="人力资源部")


def session_body(neg: Neg, chair: str = "e1", **fields: Any) -> dict[str, Any]:
    return {
        "held_on": neg.on(6),
        "place": "厂部二楼会议室",
        "chair_id": neg.people[chair],
        "recorder_name": "孙记录",
        "attendee_ids": [neg.people[k] for k in ("e1", "e2", "e3", "r1", "r2", "r3") if k in neg.people],
        "minutes": "双方就工资增长幅度交换意见。",
        "attachments": [{"name": "工资测算表", "ref": "档案 2027-001"}],
        "outcome": "continue",
        **fields,
    }


CLAUSES = [
    {
        "key": "pay-1",
        "topic": "pay",
        "title": "工资增长",
        "text": "年度职工工资平均增长5%。",
        "wage_growth_bp": 500,
        "minimum_wage_fen": 260000,
    },
    {"key": "hours-1", "topic": "hours", "title": "工作时间", "text": "实行标准工时制度。"},
    {"key": "safety-1", "topic": "safety_health", "title": "劳动保护", "text": "每年组织一次职业健康检查。"},
]


def draft(neg: Neg, clauses: list[dict[str, Any]] | None = None, note: str = "初稿") -> dict[str, Any]:
    r = neg.post("/versions", {"note": note, "clauses": clauses or CLAUSES}, expect=201)
    return r.json()


def congress_with(client: Any, world: Any, representatives: int, unit: str = "U01") -> dict[str, Any]:
    """A congress of ``unit`` with exactly ``representatives`` representatives (flagged members)."""
    r = client.post(
        CONGRESSES,
        json={
            "org_unit_id": str(world.units[unit].id),
            "name": "第五届第三次职工代表大会",
            "opening_on": "2027-02-01",
        },
        headers=world.as_role("officer", unit),
    )
    assert r.status_code == 201, r.text
    for _ in range(representatives):
        make_member(world, f"{unit}-B02" if unit == "U01" else unit, representative=True)
    return r.json()


def vote_body(
    congress: dict[str, Any], present: int, yes: int, held_on: str = "2027-02-01"
) -> dict[str, Any]:
    return {
        "electorate": "congress",
        "congress_id": congress["id"],
        "held_on": held_on,
        "present": present,
        "yes": yes,
        "no": present - yes,
        "abstain": 0,
    }


class NoClock:
    """For the permission-matrix recipes, which run on the real date: pass ``base`` in the past."""

    def set(self, day: date) -> None:
        pass


def advance(
    client: Any, world: Any, clock: Any, to: str, neg: Neg | None = None, base: date = date(2027, 1, 4)
) -> Neg:
    """A comprehensive negotiation of U01 taken along the happy path up to ``to``; the clock moves
    with it (by default: proposal 2027-01-04, reply +4 d, session +6, vote +28, signing +30, filed +35,
    effective +50 = 2027-02-23, published +51)."""
    clock.set(base)
    neg = neg or propose(client, world, base=base)
    b = neg.base

    def at(offset: int) -> None:
        clock.set(b + timedelta(days=offset))

    order = [
        "proposed",
        "negotiating",
        "agreed",
        "adopted",
        "signed",
        "under_review",
        "effective",
        "published",
    ]

    def negotiating() -> None:
        at(6)
        neg.post("/reply", {"decision": "accept", "replied_on": neg.on(4)})
        team(neg)
        neg.post("/sessions", session_body(neg), expect=201)
        draft(neg)

    def agreed() -> None:
        neg.post("/agree", {"draft_number": 1})

    def adopted() -> None:
        at(28)
        # the representatives: every flagged member of U01 (the team's members are flagged too)
        congress = congress_with(client, world, 0)
        total = client.get(
            f"{CONGRESSES}/{congress['id']}/representatives?limit=200",
            headers=world.as_role("officer", "U01"),
        ).json()["items"]
        n = len(total)
        neg.post("/vote", vote_body(congress, present=n, yes=n, held_on=neg.on(28)))

    def signed() -> None:
        at(30)
        neg.post("/sign", {"signed_on": neg.on(30), "term_months": 36})

    def under_review() -> None:
        at(35)
        neg.post("/file", {"received_on": neg.on(35), "authority": "示范市人力资源和社会保障局"})

    def effective() -> None:
        at(50)

    def published() -> None:
        at(51)
        neg.post("/publish", {"published_on": neg.on(51), "channel": "厂务公开栏"})

    steps = {
        "negotiating": negotiating,
        "agreed": agreed,
        "adopted": adopted,
        "signed": signed,
        "under_review": under_review,
        "effective": effective,
        "published": published,
    }
    for status in order[1 : order.index(to) + 1]:
        steps[status]()
    neg.get()
    return neg


def days(day: date, n: int) -> str:
    return (day + timedelta(days=n)).isoformat()
