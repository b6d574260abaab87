"""Page language: Simplified Chinese or English, from a remembered choice or Accept-Language."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh-CN", "en")
LANG_COOKIE = "shijing_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"zh-CN": "市井", "en": "Shijing"},
    "app.tagline": {"zh-CN": "信任优先的直播电商", "en": "Trust-first live commerce"},
    "nav.home": {"zh-CN": "首页", "en": "Home"},
    "nav.login": {"zh-CN": "登录", "en": "Sign in"},
    "nav.register": {"zh-CN": "注册", "en": "Register"},
    "nav.logout": {"zh-CN": "退出", "en": "Sign out"},
    "nav.password": {"zh-CN": "修改密码", "en": "Change password"},
    "field.email": {"zh-CN": "邮箱", "en": "Email"},
    "field.password": {"zh-CN": "密码", "en": "Password"},
    "field.display_name": {"zh-CN": "昵称", "en": "Display name"},
    "field.current_password": {"zh-CN": "当前密码", "en": "Current password"},
    "field.new_password": {"zh-CN": "新密码", "en": "New password"},
    "action.login": {"zh-CN": "登录", "en": "Sign in"},
    "action.register": {"zh-CN": "注册", "en": "Create account"},
    "action.save": {"zh-CN": "保存", "en": "Save"},
    "msg.password_changed": {"zh-CN": "密码已修改", "en": "Password changed"},
    "msg.welcome": {"zh-CN": "欢迎，{name}", "en": "Welcome, {name}"},
    "error.title": {"zh-CN": "出错了", "en": "Something is wrong"},
    "error.not_found": {"zh-CN": "页面不存在", "en": "Page not found"},
    "error.back_home": {"zh-CN": "返回首页", "en": "Back to the home page"},
    "error.bad_credentials": {"zh-CN": "邮箱或密码不正确", "en": "Email or password is incorrect"},
    "error.rate_limited": {
        "zh-CN": "登录失败次数过多，请稍后再试",
        "en": "Too many failed sign-in attempts; try again later",
    },
    "error.email_taken": {"zh-CN": "该邮箱已注册", "en": "An account with this email exists"},
    "error.too_short": {"zh-CN": "至少需要 10 个字符", "en": "Must be at least 10 characters"},
    "error.bad_email": {"zh-CN": "邮箱格式不正确", "en": "Not a valid email address"},
    "error.required": {"zh-CN": "必填", "en": "Required"},
    "error.wrong_current": {"zh-CN": "当前密码不正确", "en": "The current password is incorrect"},
    "error.csrf": {
        "zh-CN": "表单已过期，请刷新页面后重试",
        "en": "The form has expired; reload the page and try again",
    },
}


def pick_language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            ranked.append((weight, tag.lower()))
    for _, tag in sorted(ranked, key=lambda item: -item[0]):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "zh-CN"


def translate(lang: str, key: str, **values: object) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
