"""Every stable problem code raised in api/ has an English and a Chinese message."""

from __future__ import annotations

import re
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
    assert not missing, f"add messages (English, Chinese) for: {missing}"
    for code in codes:
        en, zh = MESSAGES[code]
        assert en and zh and en != zh


def test_accept_language_picks_chinese_only_when_preferred():
    assert preferred_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert preferred_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert preferred_language(None) == "en"
    assert preferred_language("fr-FR") == "en"
    assert message("version_mismatch", "zh").startswith("资源")
