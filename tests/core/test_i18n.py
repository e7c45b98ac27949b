"""Every stable problem code raised in api/ has a message (translated: tests/core/test_i18n_catalog.py)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import api.main
from api.i18n import MESSAGES, message, preferred_language

RAISE = re.compile(
    r"\b(?:AppError|BadRequest|Unauthorized|Forbidden|NotFound|Conflict|PreconditionFailed|RuleViolation|"
    r"PreconditionRequired|TooManyRequests|ServiceUnavailable)\(\s*\"([a-z0-9_]+)\""
)


def test_every_raised_code_has_both_messages():
    codes = set()
    for path in Path(api.main.__file__).resolve().parent.rglob("*.py"):
        codes |= set(RAISE.findall(path.read_text(encoding="utf-8")))
    missing = sorted(c for c in codes if c not in MESSAGES)
    assert not missing, (
        f'register a message for each code: register({{"code": _("English {{param}}.")}}): {missing}'
    )
    for code in codes:
        assert message(code, "en") != message(code, "zh"), code


def test_accept_language_picks_chinese_only_when_preferred():
    assert preferred_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert preferred_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert preferred_language(None) == "en"
    assert preferred_language("fr-FR") == "en"
    assert message("version_mismatch", "zh").startswith("资源")


def test_accept_language_looks_at_a_bounded_number_of_ranges():
    from api.i18n import MAX_LANGUAGE_RANGES

    filler = ",".join(["fr;q=0.1"] * (MAX_LANGUAGE_RANGES - 1))
    assert preferred_language(f"{filler},zh") == "zh"  # the last range still looked at
    assert preferred_language(f"{filler},fr,zh") == "en"  # one past the bound: ignored
    assert preferred_language(",".join(["x"] * 200_000) + ",zh") == "en"


# --- Chinese problems say everything in Chinese (issue 17) -------------------------------------------------

ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_.-]*")
UNITS = "/api/v1/org-units"


def assert_all_chinese(body: dict, allowed: set[str]) -> None:
    """``title``, ``detail`` and every field message: no ASCII word but codes and field names."""
    texts = [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]
    allowed = allowed | {body["code"]} | {e["field"] for e in body.get("errors", [])}
    allowed |= {e["code"] for e in body.get("errors", [])}
    words = {w.strip(".-") for text in texts for w in ASCII_WORD.findall(text)}
    assert words <= allowed, (words - allowed, texts)


def test_chinese_problems_have_chinese_titles_and_name_the_limits(client, world):
    zh = {**world.as_role("admin", "ROOT"), "Accept-Language": "zh-CN,zh;q=0.9"}
    parent = str(world.units["U01"].id)
    r = client.post(
        UNITS, json={"code": "U01-B09", "name": "", "kind": "nation", "parent_id": parent}, headers=zh
    )
    body = r.json()
    assert r.status_code == 422 and body["title"] == "无法处理的请求"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert "至少 1 个字符" in messages["name"]
    assert "'federation'" in messages["kind"]  # the allowed values are named (codes)
    assert_all_chinese(body, {"federation", "grassroots", "joint_grassroots", "branch", "group"})
    long = client.post(
        UNITS, json={"code": "U01-B09", "name": "长" * 201, "kind": "branch", "parent_id": parent}, headers=zh
    )
    assert "最多 200 个字符" in long.json()["errors"][0]["message"]

    path = f"{UNITS}/{world.units['U01'].id}"
    for response in (
        client.get(f"{UNITS}/{uuid.uuid4()}", headers=zh),  # 404
        client.patch(path, json={"name": "改名"}, headers=zh),  # 428
        client.patch(path, json={"name": "改名"}, headers={**zh, "If-Match": '"99"'}),  # 412
        client.get(UNITS, params={"limit": 0}, headers=zh),  # 422 naming the limit
        client.get(UNITS, params={"cursor": "nonsense"}, headers=zh),  # 400
        client.get(UNITS, params={"curser": "x"}, headers=zh),  # 422 unknown parameter
    ):
        body = response.json()
        assert body["title"] and not ASCII_WORD.search(body["title"]), body
        assert_all_chinese(body, {"ETag", "If-Match"})


def test_states_and_kinds_appear_by_their_chinese_names(client, world):
    """ "federation 类组织不能隶属于 branch 类组织" was the issue: values are named in Chinese, and kept raw
    in the problem's own members for programs."""
    zh = {**world.as_role("admin", "ROOT"), "Accept-Language": "zh-CN"}
    body = {
        "code": "U01-B01-X",
        "name": "联合会",
        "kind": "federation",
        "parent_id": str(world.units["U01-B01"].id),
        "approval_ref": "示总工发〔2026〕3号",
    }
    problem = client.post(UNITS, json=body, headers=zh).json()
    assert problem["code"] == "org_unit_parent_kind" and problem["kind"] == "federation"
    assert "总工会" in problem["detail"] and "分工会" in problem["detail"]
    assert_all_chinese(problem, set())
    from api.i18n import message

    text = message("motion_illegal_transition", "zh", {"current": "closed", "step": "withdraw_cosignature"})
    assert text == "提案当前状态为 已关闭，不能执行 撤回附议。"


def test_validation_messages_of_every_kind_are_chinese(client, world):
    """Pydantic's messages are replaced by ours per error type, naming the limit; a type we have no
    sentence for gets a generic Chinese one, never Pydantic's English."""
    from i18n_rules import english_words

    zh = {**world.as_role("admin", "ROOT"), "Accept-Language": "zh-CN"}
    body = {"code": 5, "name": ["x"], "kind": "nation", "parent_id": "nope", "colour": "red"}
    problem = client.post(UNITS, json=body, headers=zh).json()
    kinds = {e["field"]: e["code"] for e in problem["errors"]}
    assert problem["code"] == "validation_failed" and problem["detail"] == "有 6 个字段无效。"
    assert kinds == {
        "code": "string_type",
        "name": "string_type",
        "kind": "enum",
        "parent_id": "uuid_parsing",
        "approval_ref": "missing",
        "colour": "extra_forbidden",
    }
    allowed = {"federation", "grassroots", "joint_grassroots", "branch", "group"}
    for error in problem["errors"]:
        assert not english_words(error["message"], allowed), error
    one = client.post(UNITS, json={**body, "code": "U01-B09"}, headers={**zh, "Accept-Language": "en"}).json()
    assert one["detail"] == "5 fields are not valid."
    from api.i18n import field_message

    assert field_message({"type": "some_new_type", "msg": "Input should be X"}, "zh") == "取值无效。"
    assert field_message({"type": "some_new_type", "msg": "Input should be X"}, "en") == "Input should be X"
    assert (
        field_message({"type": "string_too_short", "ctx": {"min_length": 2}}, "zh")
        == "长度过短：至少 2 个字符。"
    )
    assert field_message({"type": "string_too_short", "ctx": {"min_length": 1}}, "en") == (
        "Too short: at least 1 character."
    )
