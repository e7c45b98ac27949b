"""Permission-matrix recipes for member imports, HR upsert, export and the change feed."""

from __future__ import annotations

from matrix import RECIPES, Call, recipe

from imports_db.helpers import csv_bytes, make_id, row


def _import_call(client, world) -> Call:
    content = csv_bytes([row("M001", "张三", make_id(1))])
    return Call(
        "officer",
        "U01",
        "POST",
        "/api/v1/member-imports",
        data={"org_unit": "U01"},
        files={"file": ("members.csv", content, "text/csv")},
        expect=201,
    )


RECIPES["member_imports_create"] = _import_call


@recipe("member_imports_list")
def _(client, world):
    return Call("integration", "U01", "GET", "/api/v1/member-imports")


@recipe("member_imports_get")
def _(client, world):
    call = _import_call(client, world)
    created = client.post(
        call.path, data=call.data, files=call.files, headers=world.as_role("officer", "U01")
    )
    assert created.status_code == 201, created.text
    return Call("officer", "U01", "GET", f"/api/v1/member-imports/{created.json()['id']}")


@recipe("members_upsert_by_employee_no")
def _(client, world):
    return Call(
        "integration",
        "U01",
        "PUT",
        "/api/v1/members/by-employee-no/HR-1?org_unit=U01",
        expect=201,
        json={"name": "李四", "national_id": make_id(2), "phone": "13900001111"},
        headers={"If-Match": "*"},
    )


@recipe("members_export")
def _(client, world):
    return Call("auditor", "U01", "GET", "/api/v1/members/export?format=csv&lang=en")


@recipe("changes_list")
def _(client, world):
    return Call("integration", "U01", "GET", "/api/v1/changes?entity=member")
