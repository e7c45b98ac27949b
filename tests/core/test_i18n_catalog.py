"""The message catalogs (docs/i18n.md): the template is current, every message has a Chinese translation
that says it in Chinese, and every problem code, state and step renders in Chinese.

"No English" is defined by :func:`i18n_rules.english_words` (tests/i18n_rules.py): after the
``{placeholders}`` are taken out, a Chinese text may contain only these ASCII words —

* identifiers a client or clerk types: words with an underscore (field names, parameters and codes such
  as ``override_reason`` or ``on_error=skip``), a command-line option after ``--`` and a file extension
  after ``.``;
* the names of standards, formats, units and headers, and the literal letters and values of
  :data:`i18n_rules.TECHNICAL` (``JSON``, ``GB``, ``If-Match``, ``true``, the ``X`` of a resident ID ...).

In a rendered problem the values of its parameters (numbers, unit codes, the allowed values of an enum),
its ``code`` and the names of the fields at fault are allowed too.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from i18n_rules import english_words

import api.main  # every area registers its messages
import api.schemas
from api import i18n
from api.imports.members import KIND_MESSAGES
from api.services.member_imports import DB_KIND_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
POT = i18n.LOCALE_DIR / "messages.pot"
ZH = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
HINT = (
    "run `bash scripts/i18n.sh extract`, then translate each entry listed here in "
    "api/locale/zh_CN/LC_MESSAGES/messages.po (msgstr; delete the `#, fuzzy` line once checked): docs/i18n.md"
)

PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}")
#: schema enums whose values are codes or formats, never named in prose
# machine codes, not states shown inside messages (dotted `area.what` identifiers, like ImportErrorKind's)
NOT_NAMED = {
    "ImportErrorKind",
    "ExportLang",
    "ExportFormat",
    "ImportFileFormat",
    "OutcomeClass",
    "AuditAction",
    "AuditEntityType",
    "TaskKind",
    # row-error codes of the household import, each sent with its own `message`, like ImportErrorKind
    "AidImportErrorKind",
}


def _entries(path: Path):
    with path.open("rb") as fh:
        return [m for m in read_po(fh) if m.id]


def _ids(entries) -> set[str]:
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in entries}


def _strings(entry) -> tuple[str, ...]:
    return entry.string if isinstance(entry.string, tuple) else (entry.string,)


def _extracted() -> set[str]:
    keywords = {"_": None, "_n": (1, 2)}
    method_map = [("api/**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_template_and_catalogs_hold_every_marked_message():
    """Messages marked with _() / _n() in api/ are in messages.pot and in every .po, and nothing else is."""
    extracted = _extracted()
    assert extracted, "nothing extracted: is babel.cfg's pattern right?"
    for path in [POT, *sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))]:
        ids = _ids(_entries(path))
        missing, stale = sorted(extracted - ids), sorted(ids - extracted)
        assert not missing and not stale, (
            f"{path.relative_to(ROOT)}: missing {missing}, stale {stale}: {HINT}"
        )


def test_every_message_has_a_checked_chinese_translation():
    untranslated, fuzzy, placeholders = [], [], []
    for entry in _entries(ZH):
        if not all(_strings(entry)):
            untranslated.append(entry.id)
        if entry.fuzzy:
            fuzzy.append(entry.id)
        source = set(PLACEHOLDER.findall(" ".join(entry.id if isinstance(entry.id, tuple) else (entry.id,))))
        if any(set(PLACEHOLDER.findall(s)) - source for s in _strings(entry)):
            placeholders.append(entry.id)
    assert not untranslated, f"no Chinese translation for {untranslated}: {HINT}"
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}: {HINT}"
    assert not placeholders, f"translations naming placeholders their English lacks: {placeholders}"


def test_the_chinese_catalog_says_everything_in_chinese():
    english = {}
    for entry in _entries(ZH):
        for text in _strings(entry):
            if words := english_words(text):
                english[text] = sorted(words)
    assert not english, f"English words in Chinese translations (see this test's docstring): {english}"


def test_every_message_in_use_is_in_the_catalog():
    """Messages built at run time (not marked) would silently stay English: every registered one is there."""
    ids = _ids(_entries(ZH))
    used: list[i18n.Message] = [
        *i18n.MESSAGES.values(),
        *i18n.FIELD_MESSAGES.values(),
        *i18n.TITLES.values(),
        *i18n.VALUES,
        *KIND_MESSAGES.values(),
        *DB_KIND_MESSAGES.values(),
    ]
    missing = sorted({m.singular if isinstance(m, i18n.Plural) else m for m in used} - ids)
    assert not missing, f"mark these with _() where they are defined: {missing}: {HINT}"


def _schema_enum_values() -> dict[str, str]:
    values: dict[str, str] = {}
    for info in pkgutil.walk_packages(api.schemas.__path__, "api.schemas."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, enum.StrEnum)
                and obj.__module__ == module.__name__
                and name not in NOT_NAMED
            ):
                for member in obj:
                    values.setdefault(member.value, f"{info.name}.{name}")
    return values


def _workflow_steps() -> set[str]:
    from api.services import member_core
    from api.services.aid import workflow as aid
    from api.services.funds import workflow as funds
    from api.services.motions import workflow as motions
    from api.services.negotiations import workflow as negotiations
    from api.services.rationalisation import workflow as rationalisation

    tables = [
        member_core.TRANSITIONS,
        aid.HOUSEHOLD_TRANSITIONS,
        aid.APPLICATION_TRANSITIONS,
        funds.BUDGET_TRANSITIONS,
        funds.FINAL_TRANSITIONS,
        motions.TRANSITIONS,
        negotiations.TRANSITIONS,
        rationalisation.TRANSITIONS,
    ]
    return {getattr(step, "value", step) for table in tables for step in table}


def test_every_state_kind_and_step_of_every_area_has_a_chinese_name():
    """States, kinds and steps show up in messages ("提案当前状态为 已关闭"): each enum value of the schemas
    and each workflow step is registered with register_values(_("...")) and translated."""
    zh = i18n.translations("zh")
    festivals = {
        f
        for path in (ROOT / "api/services/funds/data/provinces").glob("*.json")
        for f in json.loads(path.read_text(encoding="utf-8")).get("festivals", [])
    }
    wanted = {
        **_schema_enum_values(),
        **dict.fromkeys(_workflow_steps(), "a workflow step"),
        **dict.fromkeys(festivals, "a festival of the province data"),
    }
    unnamed = sorted(f"{v} ({where})" for v, where in wanted.items() if v not in i18n.VALUES)
    assert not unnamed, f"add register_values(_(...)) for these (api/messages.py, by area): {unnamed}"
    untranslated = sorted(v for v in i18n.VALUES if zh.gettext(v) == v)
    assert not untranslated, f"no Chinese name for the values {untranslated}: {HINT}"


def _sample(name: str) -> object:
    """A parameter value as services pass them: states and steps are raw values, the rest numbers/codes."""
    samples = {
        "current": "closed",
        "step": "withdraw_cosignature",
        "status": "active",
        "member_status": "retained",
        "kind": "branch",
        "parent_kind": "federation",
        "role": "treasurer",
        "subject": "household",
        "entity": "final_accounts",
        "action": "expel",
        "category": "deep",
        "form": "cash",
        "allowed": ["in_kind", "cake_voucher"],
        "eligible": ["deep", "relative"],
        "exclusions": ["private_car", "two_or_more_homes"],
        "detail": i18n.Text(i18n._("the file is empty"), {}),
        "reason": i18n.Text(i18n._("too few distinct characters"), {}),
    }
    return samples.get(name, 3)


@pytest.mark.parametrize("code", i18n.codes())
def test_every_problem_code_renders_in_chinese(code):
    """Each registered code, its placeholders filled as services fill them, has no English in Chinese."""
    text = i18n.MESSAGES[code]
    templates = (text.singular, text.plural) if isinstance(text, i18n.Plural) else (text,)
    params = {name: _sample(name) for t in templates for name in PLACEHOLDER.findall(t)}
    for count in (1, 3):
        if isinstance(text, i18n.Plural):
            params[text.n] = count
        rendered = i18n.message(code, "zh", params)
        assert "{" not in rendered and rendered != i18n.translate(text, "en", params), rendered
        assert not english_words(rendered), (code, rendered)


def test_a_third_language_is_a_file(tmp_path, monkeypatch):
    """A catalog dropped under locale/ is offered by Accept-Language and used, with no code change."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="ja")
    catalog.add("The resource does not exist or is outside your scope.", "リソースが存在しません。")
    catalog.add("closed", "終了")
    target = tmp_path / "ja" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.po").open("wb") as fh:
        write_po(fh, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.preferred_language("ja-JP,ja;q=0.9,en;q=0.5") == "ja"
        assert i18n.message("not_found", "ja") == "リソースが存在しません。"
        assert i18n.message("version_mismatch", "ja").startswith(
            "The resource changed"
        )  # untranslated: English
        assert i18n.locale_language(None) in {"en", "ja"} and i18n.locale_language("ja_JP.UTF-8") == "ja"
    finally:
        i18n.translations.cache_clear()
