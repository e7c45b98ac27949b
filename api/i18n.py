"""Problem messages in English and Chinese, chosen by ``Accept-Language``.

Every stable error ``code`` has an entry here; a code without one falls back to a generic sentence,
and a test lists the codes raised in ``api/`` that lack a message.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "bad_request": ("The request is not valid.", "请求无效。"),
    "validation_failed": ("{count} field(s) are not valid.", "有 {count} 个字段无效。"),
    "not_authenticated": ("Authentication is required.", "需要登录认证。"),
    "invalid_token": ("The access token is invalid or expired.", "访问令牌无效或已过期。"),
    "invalid_credentials": ("Wrong username or password.", "用户名或密码错误。"),
    "invalid_client": ("Wrong client id or secret.", "客户端标识或密钥错误。"),
    "invalid_refresh_token": (
        "The refresh token is invalid, expired or revoked.",
        "刷新令牌无效、已过期或已吊销。",
    ),
    "refresh_token_reused": (
        "This refresh token was already used; all sessions of its family are revoked.",
        "该刷新令牌已被使用，其所属会话已全部吊销。",
    ),
    "unsupported_grant_type": ("Unsupported grant_type {grant_type}.", "不支持的授权类型 {grant_type}。"),
    "password_change_required": (
        "The password must be changed before using the API.",
        "首次登录须先修改密码。",
    ),
    "account_disabled": ("This account is disabled.", "该账号已停用。"),
    "too_many_requests": (
        "Too many attempts; retry after {retry_after} s.",
        "尝试次数过多，请 {retry_after} 秒后重试。",
    ),
    "login_locked": (
        "Too many failed logins; retry after {retry_after} s.",
        "登录失败次数过多，请 {retry_after} 秒后重试。",
    ),
    "permission_denied": ("You lack the permission {permission}.", "您没有权限 {permission}。"),
    "not_found": (
        "The resource does not exist or is outside your scope.",
        "资源不存在或不在您的管辖范围内。",
    ),
    "method_not_allowed": ("Method not allowed.", "不允许的请求方法。"),
    "not_acceptable": ("Not acceptable.", "无法提供所请求的格式。"),
    "payload_too_large": ("The request body is too large.", "请求体过大。"),
    "unsupported_media_type": ("Unsupported media type.", "不支持的媒体类型。"),
    "conflict": ("The request conflicts with the current state.", "请求与当前状态冲突。"),
    "rule_violation": ("A business rule refused the request.", "业务规则不允许该请求。"),
    "if_match_required": (
        "Send If-Match with the ETag from your last read.",
        "请在 If-Match 头中提供最近一次读取时的 ETag。",
    ),
    "version_mismatch": (
        "The resource changed since you read it; reload and retry.",
        "资源在您读取后已被修改，请刷新后重试。",
    ),
    "idempotency_key_reused": (
        "This Idempotency-Key was used with a different request.",
        "该幂等键已用于另一个不同的请求。",
    ),
    "idempotency_in_progress": (
        "A request with this Idempotency-Key is still being processed.",
        "使用该幂等键的请求仍在处理中。",
    ),
    "internal_error": (
        "Unexpected error; quote the request id when reporting it.",
        "服务器内部错误；报告问题时请提供请求编号。",
    ),
    "database_busy": ("The database is busy; retry shortly.", "数据库繁忙，请稍后重试。"),
    "database_unavailable": (
        "The connection to the database was lost; retry shortly.",
        "与数据库的连接已断开，请稍后重试。",
    ),
    "overloaded": (
        "The server is at capacity; retry after the time in Retry-After.",
        "服务器当前负载已满，请按 Retry-After 所示时间后重试。",
    ),
    "service_unavailable": ("The service is not ready.", "服务尚未就绪。"),
    "invalid_cursor": ("The cursor is not valid for this list.", "分页游标无效。"),
    # org units
    "org_unit_code_taken": ("Org unit code {value} is already in use.", "组织代码 {value} 已被使用。"),
    "org_unit_parent_kind": (
        "A {kind} cannot be placed under a {parent_kind}.",
        "{kind} 类组织不能隶属于 {parent_kind} 类组织。",
    ),
    "org_unit_move_into_own_subtree": (
        "An org unit cannot move under itself or its own descendants.",
        "组织不能移动到其自身或下级组织之下。",
    ),
    "org_unit_closed": ("Org unit {code} is closed.", "组织 {code} 已撤销。"),
    "org_unit_has_open_children": (
        "Close or move the {count} open sub-unit(s) first.",
        "请先撤销或移出 {count} 个下级组织。",
    ),
    "org_unit_root_required": (
        "Only a root-scope admin can create a top-level unit.",
        "只有根组织管理员可以创建顶级组织。",
    ),
    "org_unit_needs_unit_above": (
        "Closing org unit {code} needs a grant at the unit above it (章程 Art 16).",
        "撤销组织 {code} 须经上级组织批准（须在其上级组织拥有授权，章程第十六条）。",
    ),
    "uscc_short": (
        "The unified social credit code is too short (18 characters).",
        "统一社会信用代码位数不足（应为18位）。",
    ),
    "uscc_long": (
        "The unified social credit code is too long (18 characters).",
        "统一社会信用代码位数过多（应为18位）。",
    ),
    "uscc_format": (
        "The unified social credit code has characters outside GB 32100 (no I, O, Z, S, V).",
        "统一社会信用代码含有 GB 32100 不允许的字符（不含 I、O、Z、S、V）。",
    ),
    "uscc_checksum": (
        "The check character of the unified social credit code does not match (GB 32100).",
        "统一社会信用代码校验码不正确（GB 32100）。",
    ),
    # users and grants
    "username_taken": ("Username {value} is already in use.", "用户名 {value} 已被使用。"),
    "role_above_own": (
        "You cannot grant the role {role}: it is above your own.",
        "不能授予高于自身的角色 {role}。",
    ),
    "grant_self": ("You cannot change your own grants.", "不能修改自己的授权。"),
    "grant_exists": ("This grant already exists.", "该授权已存在。"),
    "password_too_weak": ("The password is too weak: {reason}.", "密码强度不足：{reason}。"),
    "wrong_current_password": ("The current password is wrong.", "当前密码错误。"),
}

FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("This field is required.", "此字段为必填项。"),
    "extra_forbidden": ("This field is not allowed.", "不允许此字段。"),
    "string_too_short": (
        "Too short: at least {min_length} character(s).",
        "长度过短：至少 {min_length} 个字符。",
    ),
    "string_too_long": (
        "Too long: at most {max_length} character(s).",
        "长度过长：最多 {max_length} 个字符。",
    ),
    "too_short": ("Too few items: at least {min_length}.", "项目过少：至少 {min_length} 项。"),
    "too_long": ("Too many items: at most {max_length}.", "项目过多：最多 {max_length} 项。"),
    "string_pattern_mismatch": ("Wrong format.", "格式不正确。"),
    "uuid_parsing": ("Not a valid id.", "不是有效的标识。"),
    "enum": ("Not one of the allowed values: {expected}.", "不是允许的取值：{expected}。"),
    "literal_error": ("Not one of the allowed values: {expected}.", "不是允许的取值：{expected}。"),
    "int_parsing": ("Not a whole number.", "不是整数。"),
    "bool_parsing": ("Not true or false.", "不是布尔值（true 或 false）。"),
    "greater_than": ("Too small: must be more than {gt}.", "数值过小：须大于 {gt}。"),
    "greater_than_equal": ("Too small: at least {ge}.", "数值过小：至少为 {ge}。"),
    "less_than": ("Too large: must be less than {lt}.", "数值过大：须小于 {lt}。"),
    "less_than_equal": ("Too large: at most {le}.", "数值过大：最多为 {le}。"),
    "date_from_datetime_parsing": (
        "Not a valid date (YYYY-MM-DD).",
        "不是有效日期（格式：年-月-日，如 2024-03-05）。",
    ),
    "date_parsing": ("Not a valid date (YYYY-MM-DD).", "不是有效日期（格式：年-月-日，如 2024-03-05）。"),
    "datetime_parsing": ("Not a valid date and time (ISO 8601).", "不是有效的日期时间（ISO 8601 格式）。"),
    "value_error": ("Not a valid value.", "取值无效。"),
    "json_invalid": ("The body is not valid JSON.", "请求体不是有效的 JSON。"),
}

#: the problem's ``title`` in Chinese (English titles are the HTTP reason phrases)
TITLES_ZH: dict[int, str] = {
    400: "请求错误",
    401: "未认证",
    403: "无权访问",
    404: "未找到",
    405: "不允许的请求方法",
    406: "无法提供所请求的格式",
    409: "与当前状态冲突",
    412: "版本已变化",
    413: "请求体过大",
    415: "不支持的媒体类型",
    422: "无法处理的请求",
    428: "缺少前置条件",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


#: Chinese names of the states, kinds, roles and steps that problem parameters carry (``current``,
#: ``kind`` ...): a Chinese message shows "提案当前状态为已关闭", never the raw value ``closed``. The raw
#: value stays in the problem's own members for programs. An area adds its values with ``register_values``.
VALUES_ZH: dict[str, str] = {
    # org unit kinds
    "federation": "总工会",
    "grassroots": "基层工会",
    "joint_grassroots": "联合基层工会",
    "branch": "分工会",
    "group": "工会小组",
    # roles
    "admin": "系统管理员",
    "chair": "工会主席",
    "officer": "工会干事",
    "treasurer": "经费审查/财务人员",
    "auditor": "审计人员",
    "handler": "承办人",
    "member": "会员",
    "integration": "系统集成账号",
    # member states and lifecycle steps
    "applied": "已申请",
    "active": "在册",
    "retained": "保留会籍",
    "withdrawn": "已退会",
    "expelled": "已除名",
    "deceased": "已故",
    "transfer_pending": "转出中",
    "approve": "批准入会",
    "retain": "保留会籍",
    "restore": "恢复会籍",
    "withdraw": "退会",
    "deem_withdrawn": "视为自动退会",
    "expel": "开除会籍",
    "rejoin": "重新入会",
    "death": "死亡",
    # transfers
    "pending": "待接收",
    "accepted": "已接收",
    "refused": "已拒收",
    "cancelled": "已撤回",
    # motions: states and steps
    "draft": "草稿",
    "submitted": "已提交",
    "registered": "已立案",
    "declined": "不予立案",
    "merged": "已合并",
    "converted": "已转为意见建议",
    "assigned": "已交办",
    "answered": "已答复",
    "reopened": "重新办理",
    "closed": "已关闭",
    "edit": "修改",
    "cosign": "附议",
    "submit": "提交",
    "review": "审查",
    "assign": "交办",
    "reply": "答复",
    "rate": "评价",
    "withdraw_cosignature": "撤回附议",
}


def register_values(values: dict[str, str]) -> None:
    """Add Chinese names of an area's states/kinds (``value -> 中文``) for Chinese problem messages."""
    clash = {k for k in values if k in VALUES_ZH and VALUES_ZH[k] != values[k]}
    if clash:
        raise ValueError(f"values named twice differently: {sorted(clash)}")
    VALUES_ZH.update(values)


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add an area's problem messages (``code -> (English, Chinese)``); codes are global and unique."""
    clash = set(messages) & set(MESSAGES)
    if clash:
        raise ValueError(f"problem codes registered twice: {sorted(clash)}")
    MESSAGES.update(messages)


def codes() -> list[str]:
    """Every registered problem code, sorted (the ``ProblemCode`` enum of the OpenAPI document)."""
    return sorted(MESSAGES)


def preferred_language(header: str | None) -> str:
    """Return ``"zh"`` when Chinese is preferred over English in ``Accept-Language``, else ``"en"``."""
    if not header:
        return "en"
    best, best_q = "en", -1.0
    for part in header.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        base = lang.strip().lower()[:2]
        if base in {"zh", "en"} and weight > best_q:
            best, best_q = base, weight
    return best


def message(code: str, lang: str, params: dict[str, Any] | None = None) -> str:
    en, zh = MESSAGES.get(code, MESSAGES["rule_violation"] if code else MESSAGES["bad_request"])
    template = zh if lang == "zh" else en
    params = dict(params or {})
    if lang == "zh":  # states and kinds by their Chinese names
        params = {k: VALUES_ZH.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def field_message(error: dict[str, Any], lang: str) -> str:
    kind = error.get("type", "")
    pair = FIELD_MESSAGES.get(kind)
    if pair is None and kind in MESSAGES:  # a rule checked in the schema (e.g. ``id_checksum``)
        return message(kind, lang, error.get("ctx"))
    if pair is None:
        return str(error.get("msg", "Invalid value."))
    template = pair[1] if lang == "zh" else pair[0]
    ctx = dict(error.get("ctx") or {})
    if lang == "zh" and isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'" -> "'a'、'b'、'c'"
        ctx["expected"] = ctx["expected"].replace(" or ", "、").replace(", ", "、")
    try:  # name the limit (``min_length`` ...) from the error's context
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("：")[0].split(":")[0].rstrip("。.") + ("。" if lang == "zh" else ".")
