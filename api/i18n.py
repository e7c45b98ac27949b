"""Messages in every language that has a gettext catalog, chosen by ``Accept-Language`` (or the CLI locale).

The source text is English, written in the code and marked for extraction:

* ``_("The motion is {current}; it cannot {step}.")`` marks one message (it returns the text unchanged:
  the language is only known when the message is shown). Placeholders are named, ``{like_this}``.
* ``_n("{count} row failed.", "{count} rows failed.")`` marks a message with plural forms, chosen by the
  ``count`` parameter (or the one named by ``n=``).
* ``register({"code": _("...")})`` gives a stable problem ``code`` its message; ``register_values(_("closed"),
  ...)`` names states, kinds, roles and steps that problem parameters carry, so a Chinese message says
  "提案当前状态为 已关闭", never the raw ``closed`` (which stays in the problem's own members for programs).

Translations live in ``api/locale/<lang>/LC_MESSAGES/messages.po`` (``zh_CN`` today); the template
``api/locale/messages.pot`` is extracted from the code by ``bash scripts/i18n.sh extract``. A ``.po`` file
is read and compiled in memory the first time its language is needed, so a fresh clone needs no build step
and a compiled file can never be stale. A third language is one more ``.po`` file (docs/i18n.md).
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: the catalogs: ``<dir>/<locale>/LC_MESSAGES/messages.po`` and the template ``<dir>/messages.pot``
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
#: the language of the source text
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Plural:
    """A message with plural forms; ``n`` names the parameter holding the count."""

    singular: str
    plural: str
    n: str = "count"


Message = str | Plural


@dataclass(frozen=True, slots=True)
class Text:
    """A message with its parameters, rendered later in the reader's language (e.g. an import file's
    problem, shown in the problem ``detail`` of a Chinese request)."""

    message: Message
    params: dict[str, Any]

    def render(self, lang: str) -> str:
        return translate(self.message, lang, self.params)

    def as_json(self) -> dict[str, Any]:
        """A JSON form to store with a job; :meth:`from_json` restores it."""
        text = self.message
        return {
            "message": [text.singular, text.plural, text.n] if isinstance(text, Plural) else text,
            "params": self.params,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Text:
        text = data.get("message", "")
        return cls(Plural(*text) if isinstance(text, list) else str(text), dict(data.get("params") or {}))


def _(text: str) -> str:
    """Mark ``text`` (English, named ``{placeholders}``) for extraction; translated when shown."""
    return text


def _n(singular: str, plural: str, n: str = "count") -> Plural:
    """Mark a message with plural forms, chosen by the parameter named ``n`` (default ``count``)."""
    return Plural(singular, plural, n)


#: problem ``code`` -> message; every stable code has one (a test lists the codes raised without one)
MESSAGES: dict[str, Message] = {}
#: field-error ``type`` (Pydantic's, e.g. ``string_too_short``) -> message naming the limit from its context
FIELD_MESSAGES: dict[str, Message] = {}
#: raw values (states, kinds, roles, steps) shown by their translated names in messages
VALUES: set[str] = set()

#: the problem's ``title``: the HTTP reason phrase, translated
TITLES: dict[int, str] = {
    400: _("Bad Request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not Found"),
    405: _("Method Not Allowed"),
    406: _("Not Acceptable"),
    409: _("Conflict"),
    412: _("Precondition Failed"),
    413: _("Request Entity Too Large"),
    415: _("Unsupported Media Type"),
    422: _("Unprocessable Entity"),
    428: _("Precondition Required"),
    429: _("Too Many Requests"),
    500: _("Internal Server Error"),
    503: _("Service Unavailable"),
}


def register(messages: dict[str, Message]) -> None:
    """Add an area's problem messages (``code -> _("English {param}.")``); codes are global and unique."""
    clash = set(messages) & set(MESSAGES)
    if clash:
        raise ValueError(f"problem codes registered twice: {sorted(clash)}")
    for code, text in messages.items():
        if not isinstance(text, (str, Plural)):
            raise TypeError(f"{code}: give one English message marked with _() or _n(), not {text!r}")
    MESSAGES.update(messages)


def register_field_messages(messages: dict[str, Message]) -> None:
    """Add messages for field-error types (Pydantic's ``type`` or a schema rule's code)."""
    FIELD_MESSAGES.update(messages)


def register_values(*values: str) -> None:
    """Name raw values (``_("closed")``, ...) that problem parameters carry, so they are shown translated."""
    VALUES.update(values)


def codes() -> list[str]:
    """Every registered problem code, sorted (the ``ProblemCode`` enum of the OpenAPI document)."""
    return sorted(MESSAGES)


# --- catalogs -------------------------------------------------------------------------------------------


def catalog_paths() -> dict[str, Path]:
    """Language (``zh``) -> its ``.po`` file, for every catalog under :data:`LOCALE_DIR`."""
    return _catalog_paths(LOCALE_DIR)


@cache
def _catalog_paths(directory: Path) -> dict[str, Path]:  # read once per process (and per directory)
    found: dict[str, Path] = {}
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        found.setdefault(_base(po.parent.parent.name), po)
    return found


def languages() -> list[str]:
    """Every language a message can be shown in: the source language and each catalog's."""
    return [SOURCE_LANGUAGE, *(lang for lang in catalog_paths() if lang != SOURCE_LANGUAGE)]


def _base(tag: str) -> str:
    return re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (compiled in memory from its ``.po``; fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = catalog_paths().get(lang)
    if path is None or lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


#: Language ranges of ``Accept-Language`` looked at (browsers send a handful); the rest is ignored, so a
#: client cannot make every error response parse thousands of them.
MAX_LANGUAGE_RANGES = 32


def preferred_language(header: str | None) -> str:
    """The language with a catalog that ``Accept-Language`` prefers most (``zh`` for ``zh-CN``), else
    ``en``. Only the first :data:`MAX_LANGUAGE_RANGES` ranges count."""
    if not header:
        return SOURCE_LANGUAGE
    available = set(languages())
    best, best_q = SOURCE_LANGUAGE, -1.0
    for part in header.split(",", MAX_LANGUAGE_RANGES)[:MAX_LANGUAGE_RANGES]:
        lang, _sep, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        base = _base(lang)
        if base in available and weight > best_q:
            best, best_q = base, weight
    return best


def locale_language(option: str | None = None) -> str:
    """``option`` (e.g. ``--lang zh``) if given, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``),
    as a language with a catalog; otherwise English."""
    import os

    value = option or next(
        (os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)), SOURCE_LANGUAGE
    )
    base = _base(value)
    return base if base in languages() else SOURCE_LANGUAGE


# --- rendering ------------------------------------------------------------------------------------------


def value_name(value: Any, lang: str) -> Any:
    """A parameter as shown in ``lang``: a registered raw value by its name, a :class:`Text` rendered, a
    list joined by the language's separator; anything else unchanged."""
    if isinstance(value, str) and value in VALUES:
        return translations(lang).gettext(value)
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        return join([str(value_name(v, lang)) for v in value], lang)
    return value


def translate(text: Message, lang: str, params: dict[str, Any] | None = None, *, names: bool = True) -> str:
    """``text`` in ``lang`` with its ``{placeholders}`` filled (registered values by their names, unless
    ``names`` is false: the command line shows user names, roles and codes as typed)."""
    raw = params or {}
    params = {k: value_name(v, lang) for k, v in raw.items()} if names else dict(raw)
    t = translations(lang)
    if isinstance(text, Plural):
        count = raw.get(text.n)
        if isinstance(count, (list, tuple)):  # a list counts its items
            count = len(count)
        template = t.ngettext(text.singular, text.plural, count if isinstance(count, int) else 2)
    else:
        template = t.gettext(text)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def message(code: str, lang: str, params: dict[str, Any] | None = None) -> str:
    """The problem message of ``code`` in ``lang`` (an unknown code gets the generic one)."""
    text = MESSAGES.get(code) or MESSAGES["rule_violation" if code else "bad_request"]
    return translate(text, lang, params)


def field_message(error: dict[str, Any], lang: str) -> str:
    """One Pydantic error in ``lang``, by its ``type``, naming the limit from its context."""
    kind = error.get("type", "")
    text = FIELD_MESSAGES.get(kind)
    if text is None and kind in MESSAGES:  # a rule checked in the schema (e.g. ``id_checksum``)
        return message(kind, lang, error.get("ctx"))
    if text is None:  # a type we have no sentence for: Pydantic's English, or our generic one
        return str(error.get("msg") or "") if lang == SOURCE_LANGUAGE else translate(FIELD_FALLBACK, lang)
    ctx = dict(error.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'" -> "'a', 'b', 'c'" (the values are codes)
        ctx["expected"] = translate(LIST_SEPARATOR, lang).join(
            v.strip() for v in re.split(r",\s*|\s+or\s+", ctx["expected"]) if v.strip()
        )
    rendered = translate(text, lang, ctx)
    if "{" in rendered:  # the context lacks the limit: the sentence without it
        return translate(FIELD_FALLBACK, lang)
    return rendered


#: how a list of values is joined in a message (", " in English, "、" in Chinese)
LIST_SEPARATOR = _(", ")
#: a field error Pydantic reports with a type that has no sentence of its own
FIELD_FALLBACK = _("Not a valid value.")


def join(values: list[str] | tuple[str, ...], lang: str) -> str:
    """``values`` joined by the list separator of ``lang``."""
    return translate(LIST_SEPARATOR, lang).join(values)


# the generic messages, registered once whoever imports this module first
from api import messages as _messages  # noqa: E402

del _messages
