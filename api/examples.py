"""Examples of request bodies for the OpenAPI document (shown by Swagger UI and in generated clients).

One place, keyed by schema name; tests/core/test_openapi_contract.py validates each against its model,
so an example can never drift from the schema it illustrates. A new area adds its bodies here.
"""

from __future__ import annotations

from typing import Any

UNIT = "0193b7e2-5d1c-7a51-9c4e-2f1d6a3b8c01"
MEMBER = "0193b7e2-7f20-7c3a-8e11-4b5c6d7e8f90"
USER = "0193b7e2-8a31-7d4b-9f22-5c6d7e8f9a01"
CONGRESS = "0193b7e2-9b42-7e5c-8a33-6d7e8f9a0b12"
DEPARTMENT = "0193b7e2-ac53-7f6d-9b44-7e8f9a0b1c23"

BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "OrgUnitCreate": {
        "code": "U01-B03",
        "name": "第三分工会",
        "kind": "branch",
        "parent_id": UNIT,
        "approval_ref": "示总工发〔2026〕12号",
    },
    "OrgUnitUpdate": {"name": "第三分工会（织造车间）"},
    "OrgUnitMove": {"parent_id": UNIT},
    "UserCreate": {"username": "li.officer", "display_name": "李干事", "org_unit_id": UNIT},
    "UserUpdate": {"display_name": "李干事", "is_active": True},
    "GrantCreate": {"role": "officer", "org_unit_id": UNIT},
    "PasswordChange": {"current_password": "one-time-pass-1234", "new_password": "a-long-new-passphrase-9"},
    "RefreshIn": {"refresh_token": "8kTq3v...the refresh token from /auth/token"},
    "MemberCreate": {
        "employee_no": "E10023",
        "name": "张三",
        "national_id": "11010519491231002X",
        "phone": "13812345678",
        "org_unit_id": UNIT,
        "join_date": "2024-03-05",
        "tags": ["女职工"],
        "monthly_wage_fen": 650000,
    },
    "MemberUpdate": {"phone": "13912345678", "tags": ["劳模"]},
    "LifecycleIn": {"action": "retain", "effective_on": "2026-11-01", "reason": "退休"},
    "MemberContactUpdate": {"phone": "13912345678", "email": "zhang.san@example.com"},
    "MemberUpsert": {
        "name": "陈静",
        "national_id": "11010519491231002X",
        "phone": "13700001234",
        "join_date": "2019-05-01",
        "org_unit_code": "U01-B01",
        "tags": ["女职工"],
    },
    "TransferCreate": {"member_id": MEMBER, "to_unit_id": UNIT, "reason": "调入第二纺织厂工作"},
    "DuesPaymentCreate": {
        "member_id": MEMBER,
        "period": "2026-10",
        "amount_fen": 3250,
        "paid_on": "2026-10-25",
        "method": "payroll",
        "reference": "2026年10月工资代扣",
    },
    "CongressCreate": {"org_unit_id": UNIT, "name": "第五届第三次职工代表大会", "opening_on": "2027-03-20"},
    "RepresentativeAdd": {"member_id": MEMBER},
    "DepartmentCreate": {"org_unit_id": UNIT, "name": "后勤保障部"},
    "HandlerAdd": {"user_id": USER},
    "MotionCreate": {
        "congress_id": CONGRESS,
        "title": "关于改善一车间夏季防暑降温条件的提案",
        "reasons": "一车间夏季室温超过35℃，现有风扇不足。",
        "proposals": "加装两台冷风机，高温天调整作息。",
        "category": "safety",
    },
    "SubmitIn": {"as_suggestion": False},
    "MotionsReviewIn": {"decision": "register"},  # ReviewIn of api.schemas.motions (funds has one too)
    "AssignIn": {"lead_department_id": DEPARTMENT, "due_on": "2027-06-20"},
    "ReplyIn": {"text": "已于六月加装两台冷风机，高温天作息已调整。", "outcome_class": "A"},
    "RatingIn": {"rating": "satisfied", "comment": "问题已解决"},
}
