"""Page language: Simplified Chinese or English, from a remembered choice or Accept-Language."""

from __future__ import annotations

from starlette.requests import HTTPConnection

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
    # -- buyer pages (discovery, product, live room) --
    "nav.discover": {"zh-CN": "发现", "en": "Discover"},
    "discover.title": {"zh-CN": "发现好物", "en": "Discover"},
    "discover.live_now": {"zh-CN": "正在直播", "en": "Live now"},
    "discover.upcoming": {"zh-CN": "即将开播", "en": "Upcoming"},
    "discover.products": {"zh-CN": "好物", "en": "Products"},
    "discover.no_rooms": {"zh-CN": "暂时没有直播", "en": "No live rooms right now"},
    "discover.no_products": {"zh-CN": "没有找到商品", "en": "No products found"},
    "discover.starts_at": {"zh-CN": "开播时间 {at}", "en": "Starts {at}"},
    "discover.enter": {"zh-CN": "进入直播间", "en": "Enter the room"},
    "field.q": {"zh-CN": "搜索商品", "en": "Search products"},
    "field.sku_id": {"zh-CN": "规格", "en": "Variant"},
    "field.quantity": {"zh-CN": "数量", "en": "Quantity"},
    "field.name": {"zh-CN": "收货人", "en": "Recipient"},
    "field.phone": {"zh-CN": "手机号", "en": "Mobile number"},
    "field.province": {"zh-CN": "省份", "en": "Province"},
    "field.city": {"zh-CN": "城市", "en": "City"},
    "field.address": {"zh-CN": "详细地址", "en": "Street address"},
    "field.text": {"zh-CN": "说点什么", "en": "Say something"},
    "action.search": {"zh-CN": "搜索", "en": "Search"},
    "action.buy": {"zh-CN": "立即购买", "en": "Buy now"},
    "action.follow": {"zh-CN": "关注", "en": "Follow"},
    "action.unfollow": {"zh-CN": "已关注", "en": "Following"},
    "action.send": {"zh-CN": "发送", "en": "Send"},
    "action.sign_in_to_buy": {"zh-CN": "登录后购买", "en": "Sign in to buy"},
    "action.sign_in_to_chat": {"zh-CN": "登录后聊天", "en": "Sign in to chat"},
    "msg.bought": {
        "zh-CN": "下单成功，已支付（订单 #{id}，{total}）",
        "en": "Ordered and paid (order #{id}, {total})",
    },
    "product.shop": {"zh-CN": "店铺", "en": "Shop"},
    "product.price": {"zh-CN": "价格", "en": "Price"},
    "product.from": {"zh-CN": "{price} 起", "en": "from {price}"},
    "product.variants": {"zh-CN": "规格", "en": "Variants"},
    "product.stock": {"zh-CN": "库存 {n}", "en": "{n} in stock"},
    "product.reviews": {"zh-CN": "评价", "en": "Reviews"},
    "product.reviews_summary": {
        "zh-CN": "{count} 条评价，商品评分 {avg}",
        "en": "{count} reviews, product rating {avg}",
    },
    "product.no_reviews": {"zh-CN": "暂无评价", "en": "No reviews yet"},
    "product.no_reason_return_7d": {"zh-CN": "七天无理由退货", "en": "7-day no-reason return"},
    "product.no_no_reason_return": {
        "zh-CN": "本类商品不支持七天无理由退货",
        "en": "No 7-day no-reason return for this category",
    },
    "product.trust_slot": {"zh-CN": "信任购徽章与评分即将上线", "en": "Trust badges coming soon"},
    "live.viewers": {"zh-CN": "{n} 人在看", "en": "{n} watching"},
    "live.pinned": {"zh-CN": "正在讲解", "en": "Now presenting"},
    "live.nothing_pinned": {"zh-CN": "主播还没有上架讲解商品", "en": "Nothing is being presented"},
    "live.showcase": {"zh-CN": "小黄车", "en": "Showcase"},
    "live.chat": {"zh-CN": "聊天", "en": "Chat"},
    "live.just_bought": {"zh-CN": "{buyer} 刚刚买了 {title}", "en": "{buyer} just bought {title}"},
    "live.stock": {"zh-CN": "库存 {n}", "en": "{n} in stock"},
    "live.no_reason_return_7d": {"zh-CN": "七天无理由退货", "en": "7-day no-reason return"},
    "live.status.scheduled": {"zh-CN": "未开播", "en": "Not started"},
    "live.status.live": {"zh-CN": "直播中", "en": "Live"},
    "live.status.ended": {"zh-CN": "已结束", "en": "Ended"},
    "live.status.cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
    "live.following": {"zh-CN": "已关注", "en": "Following"},
    "live.followers": {"zh-CN": "{n} 粉丝", "en": "{n} followers"},
    "live.watch_stream": {"zh-CN": "观看直播流", "en": "Open the stream"},
    "live.disconnected": {"zh-CN": "连接已断开，正在重连…", "en": "Disconnected; reconnecting…"},
    "live.buy_pinned": {"zh-CN": "购买讲解商品", "en": "Buy what is presented"},
    "error.choose_variant": {"zh-CN": "请选择规格", "en": "Choose a variant"},
    "error.bad_quantity": {"zh-CN": "数量须为 1 到 99", "en": "Must be a number from 1 to 99"},
    "error.bad_phone": {
        "zh-CN": "请输入 11 位手机号（以 1 开头）",
        "en": "Must be a mobile number: 11 digits starting with 1",
    },
    "error.bad_province": {
        "zh-CN": "请输入中国的省级行政区（如 浙江、北京）",
        "en": "Not a province of China (e.g. 浙江, 北京)",
    },
    "error.too_long": {"zh-CN": "内容过长", "en": "Too long"},
    "error.out_of_stock": {"zh-CN": "库存不足", "en": "Not enough stock"},
    "error.over_limit": {"zh-CN": "超过每单限购数量", "en": "Over the limit per order"},
    "error.own_shop": {
        "zh-CN": "不能购买自己店铺的商品",
        "en": "You cannot buy from your own shop",
    },
    "error.unknown_sku": {"zh-CN": "该规格不存在", "en": "No such variant"},
    "error.unpublished": {"zh-CN": "商品已下架", "en": "This product is not on sale"},
    "error.shop_closed": {"zh-CN": "店铺暂停营业", "en": "This shop is not taking orders"},
    "error.not_on_air": {
        "zh-CN": "直播未开始或已结束，或商品不在小黄车",
        "en": "The room is not on air or the product is not in its showcase",
    },
    "error.payment_failed": {"zh-CN": "支付失败", "en": "The payment failed"},
    "error.chat_too_long": {"zh-CN": "最多 200 个字", "en": "At most 200 characters"},
    "error.chat_bad_characters": {
        "zh-CN": "包含不允许的字符",
        "en": "Contains characters that are not allowed",
    },
    "error.chat_rate_limited": {
        "zh-CN": "发言太快了，请稍后再试",
        "en": "You are sending too fast; wait a moment",
    },
    "error.sign_in_first": {"zh-CN": "请先登录", "en": "Sign in first"},
    "error.bad_frame": {"zh-CN": "无法识别的消息", "en": "Unrecognised message"},
    "error.room_closed": {"zh-CN": "直播间已关闭", "en": "This room is closed"},
    "error.self_follow": {"zh-CN": "不能关注自己", "en": "You cannot follow yourself"},
    "error.forbidden": {"zh-CN": "没有权限", "en": "Not allowed"},
}


def pick_language(request: HTTPConnection) -> str:
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


# -- creator console (pages/creator.py, templates/creator/) --
MESSAGES.update(
    {
        "nav.creator": {"zh-CN": "主播中心", "en": "Creator console"},
        "creator.title": {"zh-CN": "主播中心", "en": "Creator console"},
        "creator.score": {"zh-CN": "带货口碑分", "en": "Word-of-mouth score"},
        "creator.not_enough_data": {"zh-CN": "数据不足，暂无评分", "en": "Not enough data yet"},
        "creator.score_range": {
            "zh-CN": "满分 5.0，最低 3.0，每日更新",
            "en": "From 3.0 to 5.0, recomputed daily",
        },
        "creator.as_of": {"zh-CN": "截至 {day}", "en": "As of {day}"},
        "creator.orders_counted": {"zh-CN": "计入订单 {n} 笔", "en": "{n} orders counted"},
        "creator.bad_orders": {"zh-CN": "体验不佳订单 {n} 笔", "en": "{n} orders went badly"},
        "creator.outcome": {"zh-CN": "订单体验 {pct}%", "en": "Order outcomes {pct}% good"},
        "creator.deduction": {"zh-CN": "行为扣分 {n}", "en": "Conduct deduction {n}"},
        "creator.trend": {"zh-CN": "近 30 天趋势", "en": "Last 30 days"},
        "creator.trend_range": {"zh-CN": "最低 {low}，最高 {high}", "en": "Low {low}, high {high}"},
        "creator.no_trend": {"zh-CN": "暂无趋势数据", "en": "No trend yet"},
        "creator.followers": {"zh-CN": "粉丝", "en": "Followers"},
        "creator.follower_count": {"zh-CN": "{n} 位粉丝", "en": "{n} followers"},
        "creator.recent_followers": {"zh-CN": "最近关注", "en": "Recent followers"},
        "creator.no_followers": {"zh-CN": "还没有粉丝", "en": "No followers yet"},
        "creator.sessions": {"zh-CN": "直播场次", "en": "Live sessions"},
        "creator.on_air": {"zh-CN": "直播中", "en": "On air"},
        "creator.upcoming": {"zh-CN": "即将开播", "en": "Scheduled"},
        "creator.past": {"zh-CN": "已结束", "en": "Past"},
        "creator.no_sessions": {"zh-CN": "暂无", "en": "None"},
        "creator.starts_at": {"zh-CN": "开播时间 {at}", "en": "Starts {at}"},
        "creator.started_at": {"zh-CN": "开播于 {at}", "en": "Started {at}"},
        "creator.ended_at": {"zh-CN": "结束于 {at}", "en": "Ended {at}"},
        "creator.schedule": {"zh-CN": "预约直播", "en": "Schedule a live session"},
        "creator.field.title": {"zh-CN": "直播标题", "en": "Title"},
        "creator.field.scheduled_at": {
            "zh-CN": "开播时间（北京时间）",
            "en": "Start time (Beijing time)",
        },
        "creator.field.stream_url": {
            "zh-CN": "直播流地址（选填）",
            "en": "Stream URL (optional)",
        },
        "creator.field.product_id": {"zh-CN": "选择商品", "en": "Product"},
        "creator.action.schedule": {"zh-CN": "预约", "en": "Schedule"},
        "creator.action.start": {"zh-CN": "开始直播", "en": "Go live"},
        "creator.action.end": {"zh-CN": "结束直播", "en": "End the session"},
        "creator.action.manage": {"zh-CN": "管理", "en": "Manage"},
        "creator.action.view_room": {"zh-CN": "查看直播间", "en": "Open the room"},
        "creator.action.add": {"zh-CN": "加入小黄车", "en": "Add to the showcase"},
        "creator.action.pin": {"zh-CN": "讲解", "en": "Pin"},
        "creator.action.unpin": {"zh-CN": "取消讲解", "en": "Unpin"},
        "creator.action.remove": {"zh-CN": "移除", "en": "Remove"},
        "creator.back": {"zh-CN": "返回主播中心", "en": "Back to the console"},
        "creator.pinned": {"zh-CN": "讲解中", "en": "Pinned"},
        "creator.showcase_empty": {"zh-CN": "小黄车还是空的", "en": "The showcase is empty"},
        "creator.showcase_locked": {
            "zh-CN": "直播已结束，小黄车不能再修改",
            "en": "This session is over; its showcase can no longer change",
        },
        "creator.no_options": {
            "zh-CN": "没有更多可加入的商品：加入店铺或选择开放的分销计划",
            "en": "No more products to add: join a shop or pick an open distribution plan",
        },
        "creator.own_shop": {"zh-CN": "自家店铺", "en": "own shop"},
        "creator.commission": {"zh-CN": "佣金 {pct}%", "en": "{pct}% commission"},
        "creator.choose": {"zh-CN": "请选择", "en": "Choose…"},
        "creator.orders": {"zh-CN": "本场订单", "en": "Orders in this session"},
        "creator.orders_summary": {
            "zh-CN": "已支付 {n} 单，成交额 {gmv}",
            "en": "{n} paid orders, {gmv} in sales",
        },
        "creator.no_orders": {"zh-CN": "还没有订单", "en": "No orders yet"},
        "creator.order_status.pending_payment": {"zh-CN": "待支付", "en": "Awaiting payment"},
        "creator.order_status.paid": {"zh-CN": "已支付", "en": "Paid"},
        "creator.order_status.shipped": {"zh-CN": "已发货", "en": "Shipped"},
        "creator.order_status.delivered": {"zh-CN": "已签收", "en": "Delivered"},
        "creator.order_status.completed": {"zh-CN": "已完成", "en": "Completed"},
        "creator.order_status.cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
        "creator.order_status.refunded": {"zh-CN": "已退款", "en": "Refunded"},
        "creator.error.bad_title": {
            "zh-CN": "标题须为 1 到 100 个字，且不含控制字符",
            "en": "Must be 1 to 100 characters, without control characters",
        },
        "creator.error.bad_time": {
            "zh-CN": "请输入有效的日期和时间",
            "en": "Enter a valid date and time",
        },
        "creator.error.time_window": {
            "zh-CN": "开播时间须晚于现在，且在 90 天之内",
            "en": "Must be in the future, within 90 days",
        },
        "creator.error.bad_url": {
            "zh-CN": "须为 http:// 或 https:// 开头的网址",
            "en": "Must be a web address starting with http:// or https://",
        },
        "creator.error.already_live": {
            "zh-CN": "你正在另一场直播中，请先结束它",
            "en": "You are live in another session; end it first",
        },
        "creator.error.invalid_state": {
            "zh-CN": "这场直播当前的状态不允许这样做",
            "en": "Not possible in this session's current state",
        },
        "creator.error.choose_product": {"zh-CN": "请选择商品", "en": "Choose a product"},
        "creator.error.not_sellable": {
            "zh-CN": "你不能带货这个商品：既不是该店铺成员，也没有开放的分销计划",
            "en": "You may not sell this product: not its shop's staff and no open "
            "distribution plan",
        },
        "creator.error.unknown_product": {"zh-CN": "商品不存在", "en": "No such product"},
        "creator.error.already_in_showcase": {
            "zh-CN": "这个商品已经在小黄车里了",
            "en": "This product is already in the showcase",
        },
        "creator.error.showcase_full": {
            "zh-CN": "小黄车最多放 100 个商品",
            "en": "A showcase holds at most 100 products",
        },
        "creator.error.not_found": {
            "zh-CN": "小黄车里没有这个商品",
            "en": "This item is not in the showcase",
        },
    }
)

# -- Trust Purchase (guarantees) --
MESSAGES.update(
    {
        "trust.badge": {"zh-CN": "信任购", "en": "Trust Purchase"},
        "certificate.title": {"zh-CN": "鉴定证书核验", "en": "Certificate check"},
        "certificate.number": {"zh-CN": "证书编号", "en": "Certificate number"},
        "certificate.appraiser": {"zh-CN": "鉴定机构", "en": "Appraiser"},
        "certificate.material": {"zh-CN": "材质", "en": "Material"},
        "certificate.weight": {"zh-CN": "重量", "en": "Weight"},
        "certificate.recorded": {"zh-CN": "登记时间", "en": "Recorded"},
        "certificate.shipped": {"zh-CN": "已随订单发出", "en": "Shipped with an order"},
        "certificate.in_stock": {"zh-CN": "在库", "en": "In stock"},
        "certificate.valid": {
            "zh-CN": "证书有效：与平台登记信息一致",
            "en": "Valid: this certificate is on the platform's register",
        },
        "certificate.check": {"zh-CN": "核验", "en": "Check"},
        "certificate.unknown": {
            "zh-CN": "未找到该编号的证书。若商品附带此编号，请申请假一赔十。",
            "en": "No certificate has this number. If your piece came with it, open a "
            "counterfeit claim.",
        },
    }
)

# -- charts --
MESSAGES.update(
    {"chart.not_enough": {"zh-CN": "数据不足，暂无趋势", "en": "Not enough data for a trend yet"}}
)
