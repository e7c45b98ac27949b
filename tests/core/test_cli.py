"""The ``gonghui`` command line (issue: Set-up and CI) and the container image definition.

Each CLI test points ``GONGHUI_DATABASE_URL`` at a fresh, empty database (a SQLite file on the SQLite
run, a new PostgreSQL database on the PostgreSQL run) and drives the commands through Typer's runner.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from i18n_rules import WORD, english_words
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.config import get_settings
from api.db import migrate
from api.db.models import Grant, Member, MemberEvent, MemberTag, OrgUnit, User
from api.db.session import Database, make_engine
from api.demo import ACCOUNTS, DEMO_PASSWORD, DEMO_ROOT_CODE, MEMBER_ACCOUNT, SERVICE_ACCOUNT
from api.main import create_app
from api.rules.resident_id import parse_resident_id
from api.rules.uscc import validate_uscc
from api.security.permissions import Role
from api.security.pii import TOKEN_PREFIX, PiiVault, new_pii_key

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def cli_db(fresh_database_url, monkeypatch, request):
    """A fresh empty database, named by ``GONGHUI_DATABASE_URL`` for the command under test."""
    label = "cli_" + re.sub(r"\W", "_", request.node.name)[:30].lower()
    url = fresh_database_url(label)
    for name in ("GONGHUI_ENV", "GONGHUI_SECRET_KEY", "GONGHUI_PII_KEYS", "GONGHUI_PII_HMAC_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGHUI_DATABASE_URL", url)
    for name in ("LC_ALL", "LC_MESSAGES"):  # English unless a test says otherwise (gonghui --lang)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str, input: str | None = None):
    result = runner.invoke(cli, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def app_client(url: str):
    settings = get_settings()
    engine = make_engine(url)
    return TestClient(create_app(settings, database=Database(engine)), raise_server_exceptions=False), engine


def login(url: str, username: str, password: str, **form: str) -> int:
    client, engine = app_client(url)
    try:
        with client:
            data = form or {"username": username, "password": password}
            return client.post("/api/v1/auth/token", data=data).status_code
    finally:
        engine.dispose()


def test_migrate_brings_an_empty_database_to_head(cli_db):
    result = invoke("migrate")
    assert result.exit_code == 0, result.output
    engine = make_engine(cli_db)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
    assert invoke("migrate").exit_code == 0  # running it again changes nothing


def test_create_admin_then_log_in(cli_db):
    assert invoke("migrate").exit_code == 0
    result = invoke("create-admin", "--username", "Root.Admin", "--password", "Strong-passphrase-1")
    assert result.exit_code == 0, result.output
    assert "root.admin" in result.output.lower()
    assert login(cli_db, "root.admin", "Strong-passphrase-1") == 200
    assert login(cli_db, "root.admin", "wrong-passphrase-1") == 401

    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            user = s.exec(select(User).where(User.username == "root.admin")).one()
            unit = s.get(OrgUnit, user.org_unit_id)
            grants = s.exec(select(Grant).where(Grant.user_id == user.id)).all()
            assert (
                unit.parent_id is None and unit.kind == "federation"
            )  # the root unit, made on an empty tree
            assert [(g.role, g.org_unit_id) for g in grants] == [(Role.admin.value, unit.id)]
            assert user.password_hash.startswith("$argon2id$") and user.must_change_password is False
    finally:
        engine.dispose()

    # the same name again is refused; an unknown --org is a usage error
    again = invoke("create-admin", "--username", "root.admin", "--password", "Strong-passphrase-1")
    assert again.exit_code == 1 and "exists" in again.output
    assert (
        invoke(
            "create-admin", "--username", "x.admin", "--password", "Strong-passphrase-1", "--org", "NOPE"
        ).exit_code
        == 2
    )


def test_create_admin_prompts_for_the_password(cli_db):
    assert invoke("migrate").exit_code == 0
    result = invoke(
        "create-admin", "--username", "prompted", input="Typed-passphrase-9\nTyped-passphrase-9\n"
    )
    assert result.exit_code == 0, result.output
    assert "Typed-passphrase-9" not in result.output  # hidden input
    assert login(cli_db, "prompted", "Typed-passphrase-9") == 200
    weak = invoke("create-admin", "--username", "weak.one", "--password", "aaaaaaaaaaaa")
    assert weak.exit_code == 1 and "too weak" in weak.output


def test_bootstrap_prints_a_one_time_password_once(cli_db):
    first = invoke("bootstrap")
    assert first.exit_code == 0, first.output
    match = re.search(r"as admin / (\S+)", first.output)
    assert match, first.output
    password = match.group(1)
    assert "must be changed" in first.output
    assert login(cli_db, "admin", password) == 200

    second = invoke("bootstrap")
    assert second.exit_code == 0 and "exist already" in second.output
    assert password not in second.output
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            assert s.exec(select(sa.func.count()).select_from(User)).one() == 1
            assert s.exec(select(User.must_change_password)).one() is True
    finally:
        engine.dispose()


def test_bootstrap_takes_the_first_admins_password_from_a_secret_file(cli_db, tmp_path, monkeypatch):
    """The container's first-admin path: GONGHUI_ADMIN_PASSWORD_FILE (a secret), nothing printed."""
    secret = tmp_path / "admin_password"
    secret.write_text("Container-secret-passphrase-7\n", encoding="utf-8")
    monkeypatch.setenv("GONGHUI_ADMIN_PASSWORD_FILE", str(secret))
    result = invoke("bootstrap")
    assert result.exit_code == 0, result.output
    assert "Container-secret-passphrase-7" not in result.output and "created" in result.output
    assert login(cli_db, "admin", "Container-secret-passphrase-7") == 200
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            assert s.exec(select(User.must_change_password)).one() is False
    finally:
        engine.dispose()


def test_bootstrap_in_production_without_a_secret_prints_no_password(cli_db, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGHUI_ENV", "production")
    monkeypatch.setenv("GONGHUI_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("GONGHUI_PII_KEYS", f'["{new_pii_key()}"]')
    monkeypatch.setenv("GONGHUI_PII_HMAC_KEY", "h" * 48)
    get_settings.cache_clear()
    result = invoke("bootstrap")
    assert result.exit_code == 0 and "GONGHUI_ADMIN_PASSWORD_FILE" in result.output
    assert "as admin /" not in result.output
    weak = tmp_path / "weak"
    weak.write_text("aaaaaaaaaaaa", encoding="utf-8")
    refused = invoke("bootstrap", "--password-file", str(weak))
    assert refused.exit_code == 1 and "too weak" in refused.output


# --- seed-demo ------------------------------------------------------------------------------------


def test_seed_demo_builds_a_realistic_union(cli_db):
    result = invoke("seed-demo", "--members", "60")
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output and f"client_id={SERVICE_ACCOUNT}" in result.output

    settings = get_settings()
    vault = PiiVault.from_settings(settings)
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            units = {u.code: u for u in s.exec(select(OrgUnit))}
            assert units[DEMO_ROOT_CODE].kind == "federation" and units[DEMO_ROOT_CODE].name == "示范市总工会"
            grassroots = [u for u in units.values() if u.kind == "grassroots"]
            assert len(grassroots) == 2 and all(validate_uscc(u.uscc) == u.uscc for u in grassroots)
            kinds = Counter(u.kind for u in units.values())
            assert kinds["branch"] >= 4 and kinds["group"] >= 4

            roles = {g.role for g in s.exec(select(Grant))}
            assert roles == {r.value for r in Role}, "an account for every role"
            member_user = s.exec(select(User).where(User.username == MEMBER_ACCOUNT)).one()
            assert member_user.member_id is not None
            service = s.exec(select(User).where(User.username == SERVICE_ACCOUNT)).one()
            assert service.kind == "service" and service.password_hash.startswith("$argon2id$")

            members = s.exec(select(Member)).all()
            assert len(members) == 60
            assert {m.grassroots_unit_id for m in members} == {u.id for u in grassroots}
            for m in members:
                raw = vault.decrypt(m.national_id_cipher)
                assert raw not in m.national_id_cipher and raw != m.national_id_masked
                rid = parse_resident_id(raw)  # valid GB 11643 number, check digit included
                assert (rid.gender, rid.birth_date, rid.masked) == (
                    m.gender,
                    m.birth_date,
                    m.national_id_masked,
                )
                assert vault.lookup_hash(raw) == m.national_id_hmac
                assert m.monthly_wage_fen and m.monthly_wage_fen % 100 == 0 and m.monthly_wage_fen >= 300_000
                assert m.status in {"active", "applied"} and (m.join_date is None) == (m.status == "applied")
                assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", m.name)
            assert len({m.member_no for m in members}) == 60
            assert any(m.is_representative for m in members)
            tags = Counter(t.tag for t in s.exec(select(MemberTag)))
            assert tags["女职工"] == sum(m.gender == "female" for m in members) > 0
            assert tags["农民工"] > 0
            assert s.exec(select(sa.func.count()).select_from(MemberEvent)).one() == 60
            # the members' raw ID numbers appear nowhere in the member table
            raw_ids = {vault.decrypt(m.national_id_cipher) for m in members}
            dump = " ".join(str(v) for row in s.exec(sa.select(Member.__table__)).all() for v in row)
            assert not any(r in dump for r in raw_ids)
    finally:
        engine.dispose()

    for account in ACCOUNTS[:3]:
        assert login(cli_db, account.username, DEMO_PASSWORD) == 200
    assert login(cli_db, MEMBER_ACCOUNT, DEMO_PASSWORD) == 200

    again = invoke("seed-demo", "--members", "60")
    assert again.exit_code == 0 and "exists already" in again.output
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            assert s.exec(select(sa.func.count()).select_from(Member)).one() == 60
    finally:
        engine.dispose()


def test_seed_demo_goes_under_an_existing_root(cli_db):
    """After ``bootstrap`` the first admin administers the demo too: it is set up under the root unit."""
    assert invoke("bootstrap").exit_code == 0
    assert invoke("seed-demo", "--members", "4").exit_code == 0
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            demo = s.exec(select(OrgUnit).where(OrgUnit.code == DEMO_ROOT_CODE)).one()
            root = s.get(OrgUnit, demo.parent_id)
            assert root is not None and root.parent_id is None and demo.depth == 1
    finally:
        engine.dispose()


def test_seed_demo_refuses_a_database_in_use(cli_db):
    """The demo's accounts share a published password: never add them next to real data."""
    assert invoke("bootstrap").exit_code == 0
    assert invoke("create-admin", "--username", "second", "--password", "Another-passphrase-9").exit_code == 0
    result = invoke("seed-demo", "--members", "4")
    assert result.exit_code == 1 and "in use" in result.output, result.output
    assert DEMO_PASSWORD not in result.output
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            assert s.exec(select(OrgUnit).where(OrgUnit.code == DEMO_ROOT_CODE)).first() is None
    finally:
        engine.dispose()


def test_seed_demo_refuses_outside_development(cli_db, monkeypatch):
    monkeypatch.setenv("GONGHUI_ENV", "production")
    monkeypatch.setenv("GONGHUI_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("GONGHUI_PII_KEYS", f'["{new_pii_key()}"]')
    monkeypatch.setenv("GONGHUI_PII_HMAC_KEY", "h" * 48)
    get_settings.cache_clear()
    result = invoke("seed-demo")
    assert result.exit_code == 1
    assert "development" in result.output
    assert DEMO_PASSWORD not in result.output


def use_pii_keys(monkeypatch, *keys: str) -> None:
    """Point the commands at this key ring (the first key encrypts)."""
    monkeypatch.setenv("GONGHUI_PII_KEYS", json.dumps(list(keys)))
    get_settings.cache_clear()


def test_rotate_pii_keys_reencrypts_under_the_new_first_key(cli_db, monkeypatch):
    """Key rotation (api/security/pii.py): a new key first in GONGHUI_PII_KEYS, ``rotate-pii-keys``, then the
    old key can go. Legacy Fernet tokens become g1 tokens; nothing else about the member changes; each
    rewritten batch is audited; a second run finds everything current."""
    from cryptography.fernet import Fernet

    from api.db.models import AuditEvent

    old = new_pii_key()
    use_pii_keys(monkeypatch, old)
    assert invoke("seed-demo", "--members", "12").exit_code == 0
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:  # half of them as an older gonghui stored them: Fernet tokens
            members = s.exec(select(Member).order_by(Member.id)).all()
            plain = {m.id: PiiVault([old], b"h").decrypt(m.national_id_cipher) for m in members}
            for m in members[::2]:
                m.national_id_cipher = Fernet(old.encode()).encrypt(plain[m.id].encode()).decode()
            s.commit()
            before = {m.id: (m.version, m.updated_at, m.national_id_hmac) for m in s.exec(select(Member))}

        new = new_pii_key()
        use_pii_keys(monkeypatch, new, old)
        result = invoke("rotate-pii-keys", "--batch-size", "5")
        assert result.exit_code == 0, result.output
        assert "re-encrypted 12 resident IDs; 0 were already current" in result.output
        assert "re-encrypted 0 resident IDs; 12 were already current" in invoke("rotate-pii-keys").output

        only_new = PiiVault([new], b"h")
        with Session(engine) as s:
            for m in s.exec(select(Member)):
                assert m.national_id_cipher.startswith(TOKEN_PREFIX)
                assert only_new.decrypt(m.national_id_cipher) == plain[m.id]
                assert (m.version, m.updated_at, m.national_id_hmac) == before[m.id]
            events = s.exec(
                select(AuditEvent).where(AuditEvent.action == "member.national_ids_reencrypted")
            ).all()
            assert sorted(e.changes["after"]["members"] for e in events) == [2, 5, 5]
            assert {e.actor_label for e in events} == {"cli"}
    finally:
        engine.dispose()


def test_rotate_pii_keys_stops_clearly_when_a_key_was_dropped_too_early(cli_db, monkeypatch):
    """A value no configured key opens is an operator error to fix, not a traceback: the command names
    the member, says what to do, exits 1, and changes nothing it could not read."""
    old = new_pii_key()
    use_pii_keys(monkeypatch, old)
    assert invoke("seed-demo", "--members", "3").exit_code == 0
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            before = {m.id: m.national_id_cipher for m in s.exec(select(Member))}

        use_pii_keys(monkeypatch, new_pii_key())  # the old key left out
        result = invoke("rotate-pii-keys")
        assert result.exit_code == 1
        assert "does not decrypt under any configured PII key" in result.output
        assert "GONGHUI_PII_KEYS" in result.output and "Traceback" not in result.output
        with Session(engine) as s:
            assert {m.id: m.national_id_cipher for m in s.exec(select(Member))} == before
    finally:
        engine.dispose()


# --- the container image --------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    out = []
    for item in logical:
        word, _, rest = item.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multi_stage_non_root_and_checks_readiness():
    steps = dockerfile_instructions()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) >= 2, "multi-stage: a builder and a slim runtime"
    assert all("python:3.11" in s for s in stages)
    assert stages[-1].split()[0].startswith("python:3.11-slim")
    runtime = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    assert any(w == "COPY" and "--from=" in a for w, a in runtime), "the runtime copies the builder's venv"
    assert any(w == "RUN" and "pip install" in a and "-c constraints.txt" in a for w, a in steps)

    users = [a for w, a in runtime if w == "USER"]
    assert users, "the runtime stage must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}

    healthchecks = [a for w, a in runtime if w == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "/readyz" in healthchecks[0] and "curl" not in healthchecks[0]

    env = " ".join(a for w, a in runtime if w == "ENV")
    assert "GONGHUI_DATABASE_URL" in env and "/data/gonghui.db" in env
    assert any(w == "VOLUME" and "/data" in a for w, a in runtime)

    cmd = [a for w, a in runtime if w == "CMD"][-1]
    command = " ".join(json.loads(cmd)) if cmd.startswith("[") else cmd
    # gonghui serve runs uvicorn in GONGHUI_WORKERS processes, trusting no forwarded header and sending no
    # Server header (the app believes forwarded headers from GONGHUI_TRUSTED_PROXIES only)
    assert re.search(r"gonghui bootstrap\s*&&\s*exec gonghui serve", command), command
    assert "fernet" not in (ROOT / "Dockerfile").read_text(encoding="utf-8").lower()
    assert "--host 0.0.0.0" in command and "--port 8000" in command


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", ".git", "var", "__pycache__"):
        assert any(needed in entry for entry in ignored), needed


# --- languages: gonghui --lang zh|en, else the locale (issue 17) --------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def zh(*args: str, input: str | None = None):
    return invoke("--lang", "zh", *args, input=input)


def assert_chinese(result, *values: object) -> None:
    """The output says something in Chinese and holds no English word beyond what the catalog rule allows
    (tests/core/test_i18n_catalog.py) and the words of ``values`` (names, codes, paths, passwords)."""
    allowed = {w for v in (*values, "head") for w in WORD.findall(str(v))}  # the revision migrate names
    assert CHINESE.search(result.output), result.output
    assert not english_words(result.output, allowed), (english_words(result.output, allowed), result.output)


def test_the_cli_follows_the_locale_and_gonghui_lang_overrides_it(cli_db, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert_chinese(invoke("migrate"), "head", cli_db)
    english = invoke("--lang", "en", "migrate")
    assert english.exit_code == 0 and f"database at head: {cli_db}" in english.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "database at head" in invoke("migrate").output


def test_admin_commands_speak_chinese(cli_db, tmp_path):
    migrated = zh("migrate")
    assert migrated.exit_code == 0 and "数据库已升级到 head" in migrated.output
    assert_chinese(migrated, "head", cli_db)
    empty, missing = tmp_path / "empty", tmp_path / "missing"
    empty.write_text("\n", encoding="utf-8")
    refused = zh("bootstrap", "--password-file", str(empty))
    assert refused.exit_code == 1 and "为空" in refused.output
    assert_chinese(refused, cli_db, empty)
    unreadable = zh("bootstrap", "--password-file", str(missing))
    assert unreadable.exit_code == 1 and "无法读取" in unreadable.output
    assert_chinese(unreadable, cli_db, missing, "No such file or directory")  # the system's reason

    first = zh("bootstrap")
    assert first.exit_code == 0, first.output
    match = re.search(r"以 admin / (\S+) 登录", first.output)
    assert match and "须先修改这个一次性密码" in first.output, first.output
    assert_chinese(
        first, cli_db, "admin", match.group(1), "http://127.0.0.1:8000/docs", "POST /api/v1/auth/password"
    )
    assert "POST /api/v1/auth/password" in first.output
    again = zh("bootstrap")
    assert again.exit_code == 0 and "已有用户" in again.output and match.group(1) not in again.output
    assert_chinese(again, cli_db, "gonghui create-admin")

    created = zh("create-admin", "--username", "root.admin", "--password", "Strong-passphrase-1")
    assert created.exit_code == 0 and "管理员 root.admin 已创建" in created.output
    assert_chinese(created, "root.admin")
    exists = zh("create-admin", "--username", "root.admin", "--password", "Strong-passphrase-1")
    assert exists.exit_code == 1 and "已存在" in exists.output
    assert_chinese(exists, "root.admin")
    weak = zh("create-admin", "--username", "weak.one", "--password", "aaaaaaaaaaaa")
    assert weak.exit_code == 1
    assert_chinese(weak)
    prompted = zh("create-admin", "--username", "prompted", input="Typed-passphrase-9\nTyped-passphrase-9\n")
    assert (
        prompted.exit_code == 0 and "密码" in prompted.output and "Typed-passphrase-9" not in prompted.output
    )
    assert_chinese(prompted, "prompted")
    # typer's usage error keeps click's frame; the message we raise is Chinese
    bad_org = zh(
        "create-admin", "--username", "x.admin", "--password", "Strong-passphrase-1", "--org", "NOPE"
    )
    assert bad_org.exit_code == 2 and "没有代码为 NOPE 的工会组织" in bad_org.output, bad_org.output
    hr_file = tmp_path / "members.csv"
    hr_file.write_text("name\n", encoding="utf-8")
    bad_choice = zh("import-members", str(hr_file), "--org", "ROOT", "--on-error", "later")
    assert bad_choice.exit_code == 2 and "abort 或 skip" in bad_choice.output, bad_choice.output
    # a command's own --lang still wins
    english = zh("import-members", str(hr_file), "--org", "ROOT", "--on-error", "later", "--lang", "en")
    assert english.exit_code == 2 and "abort or skip" in english.output


def test_seed_demo_rotation_and_audit_speak_chinese(cli_db):
    seeded = zh("seed-demo", "--members", "4")
    assert seeded.exit_code == 0, seeded.output
    assert "演示数据已创建" in seeded.output and DEMO_PASSWORD in seeded.output
    engine = make_engine(cli_db)
    try:
        with Session(engine) as s:
            units = [f"{u.code} {u.kind}" for u in s.exec(select(OrgUnit)).all()]
    finally:
        engine.dispose()
    names = [f"{a.username} {a.role.value} {a.unit}" for a in ACCOUNTS]
    accounts = [MEMBER_ACCOUNT, SERVICE_ACCOUNT, "member integration", "demo.admin", DEMO_PASSWORD]
    assert_chinese(seeded, cli_db, "head", "http://127.0.0.1:8000/docs", *units, *names, *accounts)
    again = zh("seed-demo", "--members", "4")
    assert again.exit_code == 0 and "演示数据已存在" in again.output
    assert_chinese(again, cli_db, "head", DEMO_ROOT_CODE)

    rotated = zh("rotate-pii-keys")
    assert rotated.exit_code == 0 and "已重新加密 0 个居民身份证号；4 个已是最新" in rotated.output
    assert_chinese(rotated)
    verified = zh("audit", "verify")
    assert verified.exit_code == 0 and "审计哈希链完整" in verified.output
    assert_chinese(verified)
    english = invoke("--lang", "en", "audit", "verify")
    assert english.exit_code == 0 and "audit chain intact" in english.output


def test_seed_demo_refusals_speak_chinese(cli_db, monkeypatch):
    assert invoke("bootstrap").exit_code == 0
    assert invoke("create-admin", "--username", "second", "--password", "Another-passphrase-9").exit_code == 0
    in_use = zh("seed-demo", "--members", "4")
    assert in_use.exit_code == 1 and "2 个用户" in in_use.output and DEMO_PASSWORD not in in_use.output
    assert_chinese(in_use, cli_db, "head")
    english = invoke("--lang", "en", "seed-demo", "--members", "4")
    assert "in use (0 members, 1 org unit, 2 users)" in english.output, english.output

    monkeypatch.setenv("GONGHUI_ENV", "production")
    monkeypatch.setenv("GONGHUI_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("GONGHUI_PII_KEYS", f'["{new_pii_key()}"]')
    monkeypatch.setenv("GONGHUI_PII_HMAC_KEY", "h" * 48)
    get_settings.cache_clear()
    refused = zh("seed-demo")
    assert refused.exit_code == 1
    assert_chinese(refused)


def test_bootstrap_in_production_says_what_to_do_in_chinese(cli_db, monkeypatch):
    monkeypatch.setenv("GONGHUI_ENV", "production")
    monkeypatch.setenv("GONGHUI_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("GONGHUI_PII_KEYS", f'["{new_pii_key()}"]')
    monkeypatch.setenv("GONGHUI_PII_HMAC_KEY", "h" * 48)
    get_settings.cache_clear()
    result = zh("bootstrap")
    assert result.exit_code == 0 and "GONGHUI_ADMIN_PASSWORD_FILE" in result.output
    assert_chinese(result, cli_db, "head", "gonghui create-admin --username admin")


def test_openapi_and_worker_speak_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGHUI_DATABASE_URL", "sqlite:///var/not-used.db")  # SQLite: no job queue
    get_settings.cache_clear()
    try:
        worker = zh("worker")
        assert worker.exit_code == 1 and "无需启动任务进程" in worker.output
        assert_chinese(worker)
        output = tmp_path / "openapi.json"
        wrote = zh("openapi", "--output", str(output))
        assert wrote.exit_code == 0 and output.exists()
        assert_chinese(wrote, output)
        output.write_text("{}", encoding="utf-8")
        stale = zh("openapi", "--output", str(output), "--check")
        assert stale.exit_code == 1 and "gonghui openapi" in stale.output
        assert_chinese(stale, output, "gonghui openapi")
        english = invoke("--lang", "en", "openapi", "--output", str(output), "--check")
        assert english.exit_code == 1 and "is out of date: run `gonghui openapi`" in english.output
    finally:
        get_settings.cache_clear()
