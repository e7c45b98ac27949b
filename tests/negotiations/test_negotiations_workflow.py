"""One comprehensive contract from the written proposal to effective and published, with its
timeline (docs/rules.md §2; 令22 Art 32-48)."""

from __future__ import annotations

from datetime import date

from negotiations.factories import NEGOTIATIONS, advance, draft, propose


def test_comprehensive_contract_from_proposal_to_published(client, world, clock):
    """令22 Art 32 (proposal, 20-day reply), 19-24 (team), 33-35 (session), 36 (vote), 37 (signing),
    42 (filing in 10 days), 47 (effective on day 15 without objection — by date alone), 48 (published)."""
    neg = propose(client, world)
    assert neg.data["status"] == "proposed"
    assert neg.data["deadlines"]["reply_due_on"] == "2027-01-24"  # received 2027-01-04 + 20 days

    advance(client, world, clock, "under_review", neg)
    d = neg.data
    assert d["status"] == "under_review"
    assert d["deadlines"]["filing_due_on"] == "2027-02-13"  # signed 2027-02-03 + 10 days
    assert d["deadlines"]["effective_on"] == "2027-02-23"  # received 2027-02-08 + 15 days
    assert d["deadlines"]["expires_on"] == "2030-02-22"  # 36 months
    assert d["deadlines"]["renewal_opens_on"] == "2029-11-22"  # 3 months before expiry
    assert d["employee_signatory"] == "赵主席" and d["employer_signatory"] == "钱厂长"
    assert [c["key"] for c in d["clauses"]] == ["pay-1", "hours-1", "safety-1"]

    clock.set(date(2027, 2, 22))
    assert neg.get()["status"] == "under_review"
    clock.set(date(2027, 2, 23))  # nobody presses anything: day 15 makes it effective
    assert neg.get()["status"] == "effective"
    r = client.get(f"{NEGOTIATIONS}?status=effective", headers=neg.officer)
    assert [n["id"] for n in r.json()["items"]] == [neg.data["id"]]

    def publish_tasks() -> list[dict]:
        items = client.get("/api/v1/me/tasks", headers=neg.officer).json()["items"]
        return [t for t in items if t["kind"] == "negotiation.publish"]

    assert [t["resource_id"] for t in publish_tasks()] == [neg.data["id"]]
    clock.set(date(2027, 2, 24))
    r = neg.post("/publish", {"published_on": "2027-02-24", "channel": "厂务公开栏"})
    assert r.json()["published_on"] == "2027-02-24"
    assert publish_tasks() == []

    clock.set(date(2029, 11, 22))
    assert neg.get()["status"] == "renewal_window"
    clock.set(date(2030, 2, 23))
    assert neg.get()["status"] == "expired"

    timeline = client.get(f"{neg.path}/timeline", headers=neg.officer).json()["items"]
    kinds = [e["kind"] for e in timeline]
    assert kinds[:2] == ["proposed", "replied"]
    assert kinds[-6:] == ["draft_saved", "agreed", "adopted", "signed", "filed", "published"]
    assert kinds.count("negotiator_added") == 6 and "session_held" in kinds
    filed = next(e for e in timeline if e["kind"] == "filed")
    assert (filed["from_status"], filed["to_status"], filed["on"]) == ("signed", "filed", "2027-02-08")
    assert filed["details"]["late"] is False


def test_documents_are_generated_from_the_data(client, world, clock):
    """The agreed text and the filing form (集体合同审查登记表-style) as DOCX, from the records."""
    from io import BytesIO

    from docx import Document

    neg = advance(client, world, clock, "under_review")
    r = client.get(f"{neg.path}/contract.docx", headers=neg.officer)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(BytesIO(r.content)).paragraphs)
    assert "年度职工工资平均增长5%。" in text and "劳动报酬" in text and "36 个月" in text
    r = client.get(f"{neg.path}/filing-form.docx", headers=neg.officer)
    doc = Document(BytesIO(r.content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "集体合同审查登记表" in doc.paragraphs[0].text
    assert "2027-02-03" in cells and "钱厂长" in cells and "赵主席" in cells
    votes = cells[cells.index("应到 / 实到") + 1]
    assert votes.split(" / ")[0] == votes.split(" / ")[1]


def test_versions_are_kept_and_compared_clause_by_clause(client, world, clock):
    """Every draft version is kept; `versions/{a}/diff/{b}` matches clauses by key."""
    neg = advance(client, world, clock, "negotiating")
    second = [
        {**c, "text": "年度职工工资平均增长6%。", "wage_growth_bp": 600} if c["key"] == "pay-1" else c
        for c in draft.__globals__["CLAUSES"]
        if c["key"] != "hours-1"
    ] + [{"key": "train-1", "topic": "training", "title": "培训", "text": "每年培训不少于40学时。"}]
    draft(neg, second, note="第二稿")
    versions = client.get(f"{neg.path}/versions", headers=neg.officer).json()["items"]
    assert [(v["number"], v["clause_count"]) for v in versions] == [(1, 3), (2, 3)]
    assert (
        client.get(f"{neg.path}/versions/1", headers=neg.officer).json()["clauses"][0]["wage_growth_bp"]
        == 500
    )
    diff = client.get(f"{neg.path}/versions/1/diff/2", headers=neg.officer).json()
    changes = {c["key"]: (c["change"], c["fields"]) for c in diff["changes"]}
    assert changes == {
        "pay-1": ("changed", ["text", "wage_growth_bp"]),
        "safety-1": ("changed", ["position"]),
        "train-1": ("added", []),
        "hours-1": ("removed", []),
    }
    assert (diff["added"], diff["removed"], diff["changed"], diff["unchanged"]) == (1, 1, 2, 0)
    assert client.get(f"{neg.path}/versions/1/diff/9", headers=neg.officer).status_code == 404
