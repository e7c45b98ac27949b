"""Convert old-style message pairs into gettext markers plus catalog entries (for merging older branches).

Before the catalogs, areas wrote ``register({"code": ("English", "中文")})`` and
``register_values({"closed": "已关闭"})``. This rewrites every such call under the given paths (default
``api/``) to ``register({"code": _("English")})`` and ``register_values(_("closed"))``, then extracts the
template, updates every ``.po`` and fills the Chinese of each new entry from the pair it came from.

    .venv/bin/python scripts/i18n_convert.py [paths...]

It prints what it could not convert (a pair built at run time, two Chinese texts for one English text);
fix those by hand, then run ``bash scripts/i18n.sh extract`` and the i18n tests (docs/i18n.md).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "api/locale/zh_CN/LC_MESSAGES/messages.po"
WIDTH = 90


def _literal(text: str) -> str:
    """``text`` as a Python string literal, split into implicitly concatenated pieces when long."""
    if len(text) <= WIDTH:
        return repr_double(text)
    pieces, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) > WIDTH and current:
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    pieces.append(current)
    return "\n" + "\n".join(repr_double(p) for p in pieces) + "\n"


def repr_double(text: str) -> str:
    body = repr(text)
    if body.startswith("'") and '"' not in text:
        body = '"' + body[1:-1].replace("\\'", "'") + '"'
    return body


def _str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def convert(path: Path, pairs: dict[str, str], problems: list[str]) -> bool:
    source = path.read_bytes()
    text = source.decode("utf-8")
    if "register" not in text or "api.i18n" not in text or path.name == "i18n.py":
        return False
    tree = ast.parse(text)
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))

    def span(node: ast.AST) -> tuple[int, int]:
        start = offsets[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        return start, end

    edits: list[tuple[int, int, str]] = []

    def add(en: str, zh: str, where: str) -> None:
        if pairs.get(en, zh) != zh:
            problems.append(f"{where}: {en!r} has two Chinese texts: {pairs[en]!r} / {zh!r}")
        pairs.setdefault(en, zh)

    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if (
            node.func.id in {"register", "register_field_messages"}
            and node.args
            and isinstance(node.args[0], ast.Dict)
        ):
            for value in node.args[0].values:
                if isinstance(value, ast.Tuple) and len(value.elts) == 2:
                    en, zh = (_str(e) for e in value.elts)
                    if en is None or zh is None:
                        problems.append(f"{where}: a pair not made of two literals: convert it by hand")
                        continue
                    add(en, zh, where)
                    start, end = span(value)
                    edits.append((start, end, f"_({_literal(en)})"))
                elif isinstance(value, ast.Tuple):
                    problems.append(f"{where}: an odd tuple: convert it by hand")
            if any(k is None for k in node.args[0].keys):
                problems.append(f"{where}: a ** in register(): check it by hand")
        elif node.func.id == "register_values" and node.args and isinstance(node.args[0], ast.Dict):
            names = []
            for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
                en, zh = (_str(key) if key else None), _str(value)
                if en is None or zh is None:
                    problems.append(f"{where}: register_values() entry not made of literals")
                    continue
                add(en, zh, where)
                names.append(f"_({repr_double(en)})")
            start, end = span(node)
            edits.append((start, end, "register_values(" + ", ".join(names) + ")"))
    if not edits:
        return False
    out = source
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new.encode("utf-8") + out[end:]
    text = out.decode("utf-8")
    for old in ("from api.i18n import ",):
        line_start = text.find(old)
        if line_start >= 0:
            line_end = text.index("\n", line_start)
            names = {n.strip() for n in text[line_start + len(old) : line_end].split(",")}
            names.discard("")
            names.add("_")
            text = text[:line_start] + old + ", ".join(sorted(names)) + text[line_end:]
    path.write_text(text, encoding="utf-8")
    return True


def fill(pairs: dict[str, str]) -> int:
    """Give every untranslated entry of the zh_CN catalog the Chinese of its pair."""
    from babel.messages.pofile import read_po, write_po

    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    filled = 0
    for entry in catalog:
        singular = entry.id[0] if isinstance(entry.id, (tuple, list)) else entry.id
        empty = not all(entry.string) if isinstance(entry.string, (tuple, list)) else not entry.string
        if singular and singular in pairs and (empty or entry.fuzzy):
            zh = pairs[singular]
            entry.string = (zh,) * catalog.num_plurals if entry.pluralizable else zh
            entry.flags.discard("fuzzy")
            filled += 1
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=110, ignore_obsolete=True, include_lineno=False)
    subprocess.run(["sed", "-i", "-e", '/^"POT-Creation-Date: /d', "-e", '/^"PO-Revision-Date: /d', str(PO)])
    return filled


def main(args: list[str]) -> int:
    roots = [Path(a).resolve() for a in args] or [ROOT / "api"]
    pairs: dict[str, str] = {}
    problems: list[str] = []
    changed = []
    for root in roots:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            if convert(path, pairs, problems):
                changed.append(path)
    if changed:
        subprocess.run([sys.executable, "-m", "ruff", "format", *map(str, changed)], check=False)
        subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--fix", "-q", *map(str, changed)], check=False
        )
    saved = ROOT / "var/i18n-pairs.json"  # kept in case the extraction below fails
    saved.parent.mkdir(exist_ok=True)
    saved.write_text(json.dumps(pairs, ensure_ascii=False, indent=1), encoding="utf-8")
    subprocess.run(["bash", str(ROOT / "scripts/i18n.sh"), "extract"], check=True)
    if not PO.exists():
        subprocess.run(["bash", str(ROOT / "scripts/i18n.sh"), "init", "zh_CN"], check=True)
    print(f"converted {len(changed)} file(s), {len(pairs)} message(s); filled {fill(pairs)} translation(s)")
    for problem in problems:
        print("by hand:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
