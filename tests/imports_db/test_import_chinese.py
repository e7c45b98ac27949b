"""A clerk working in Chinese sees import problems in Chinese (issue 17): file-level problems, row errors
and the counts, with no English appended (the rule for "no English": tests/core/test_i18n_catalog.py)."""

from __future__ import annotations

from i18n_rules import english_words

from imports_db.helpers import csv_bytes, make_id, post_import, row


def _zh(world) -> dict[str, str]:
    return {**world.as_role("officer", "U01"), "Accept-Language": "zh-CN,zh;q=0.9"}


def _texts(body: dict) -> list[str]:
    return [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]


def _assert_chinese(body: dict, allowed: set[str] = frozenset()) -> None:
    fields = {part for e in body.get("errors", []) for part in e["field"].split(".")}
    for text in _texts(body):
        assert not english_words(text, allowed | fields | {body["code"]}), text


def test_file_level_problems_are_chinese(client, world):
    zh = _zh(world)
    unsupported = post_import(client, zh, b"x", filename="members.pdf").json()
    assert unsupported["code"] == "import_unsupported_format"
    assert (
        unsupported["detail"] == "不支持的文件格式：'members.pdf'：应为 .csv、.xlsx、.jsonl 或 .ndjson 文件。"
    )
    _assert_chinese(unsupported, {"members.pdf"})

    header = "工号,姓名,身份证号,爱好,hobby\r\nE1,张三,1,读书,x\r\n".encode("gb18030")
    unknown = post_import(client, zh, header).json()
    assert unknown["code"] == "import_unknown_column"
    assert unknown["detail"] == "表头无法使用：无法识别的列：爱好、hobby。"
    assert unknown["title"] == "无法处理的请求"
    _assert_chinese(unknown, {"hobby"})

    missing = post_import(client, zh, "姓名\r\n张三\r\n".encode()).json()
    assert missing["code"] == "import_missing_column" and "缺少必需的列" in missing["detail"]
    _assert_chinese(missing, {"employee_no", "national_id"})


def test_row_errors_and_counts_are_chinese_and_plural_in_english(client, world):
    rows = [row("E001", "张三", make_id(1)), row("E002", "李四", "123"), row("E003", "王五", "456")]
    refused = post_import(client, _zh(world), csv_bytes(rows)).json()
    assert refused["code"] == "import_rows_invalid"
    assert refused["detail"].startswith("有 2 行有误，未导入任何数据")
    assert {e["message"] for e in refused["errors"]} == {"身份证号位数不足"}
    _assert_chinese(refused)

    one = post_import(client, world.as_role("officer", "U01"), csv_bytes(rows[:2])).json()
    assert one["detail"].startswith("1 row failed; nothing was imported (fix it,")
    two = post_import(client, world.as_role("officer", "U01"), csv_bytes(rows)).json()
    assert two["detail"].startswith("2 rows failed; nothing was imported (fix them,")


def test_the_cli_speaks_the_catalog_language(tmp_path, monkeypatch):
    from api import cli
    from api.i18n import locale_language

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert locale_language(None) == "zh" and locale_language("en") == "en"
    assert cli._say("zh", "rows", n=3) == "共 3 行"
    assert cli._say("en", "rows", n=1) == "1 row" and cli._say("en", "rows", n=3) == "3 rows"
    assert cli._say("zh", "failed") == "失败"


def test_a_file_problem_found_while_importing_is_chinese_in_the_problem_and_the_job(client, world):
    """The header and first record pass the upfront check; line 3 fails while the job runs."""
    import json

    records = [
        {"employee_no": "E001", "name": "张三", "national_id": make_id(1)},
        {"employee_no": "E002", "name": "李四", "national_id": make_id(2)},
        {"employee_no": "E003", "name": {"family": "王"}, "national_id": make_id(3)},
    ]
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    failed = post_import(client, _zh(world), content, filename="members.jsonl")
    body = failed.json()
    assert failed.status_code == 422 and body["code"] == "import_unreadable_file", body
    assert body["detail"] == "文件无法读取：第 3 行：不支持嵌套的值。"
    _assert_chinese(body)
    job = client.get(failed.headers["Location"], headers=_zh(world)).json()
    assert job["report"]["detail"] == "第 3 行：不支持嵌套的值" and "detail_text" not in job["report"]
    english = client.get(failed.headers["Location"], headers=world.as_role("officer", "U01")).json()
    assert english["report"]["detail"] == "line 3: nested values are not supported"
