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
        "creator.reasons": {"zh-CN": "差单原因", "en": "Why orders went badly"},
        "creator.col.reason": {"zh-CN": "原因", "en": "Reason"},
        "creator.col.orders": {"zh-CN": "订单", "en": "Orders"},
        "creator.col.share": {"zh-CN": "占比", "en": "Share"},
        "creator.col.median": {"zh-CN": "达人中位数", "en": "Median creator"},
        "creator.col.costs": {"zh-CN": "影响分值", "en": "Costs the score"},
        "creator.col.change": {"zh-CN": "近 7 天变化", "en": "7-day change"},
        "creator.better_than": {
            "zh-CN": "优于 {pct}% 的达人",
            "en": "better than {pct}% of creators",
        },
        "creator.reason.negative_review": {"zh-CN": "差评（1–2 星）", "en": "1–2 star reviews"},
        "creator.reason.quality_return": {"zh-CN": "品质退货", "en": "Quality returns"},
        "creator.reason.complaint": {"zh-CN": "成立的投诉", "en": "Upheld complaints"},
        "creator.reason.shop_cancel": {"zh-CN": "商家取消", "en": "Cancelled by the shop"},
        "creator.suggestions": {"zh-CN": "改进建议", "en": "Suggestions"},
        "creator.suggestion.negative_review": {
            "zh-CN": "你带货的订单中 {you} 收到 1–2 星差评；达人中位数为 {med}。",
            "en": "{you} of the orders you sold got a 1–2 star review; the median creator's "
            "is {med}.",
        },
        "creator.suggestion.quality_return": {
            "zh-CN": "你带货的订单中 {you} 因品质问题退货；达人中位数为 {med}。",
            "en": "{you} of the orders you sold came back as quality returns; the median "
            "creator's is {med}.",
        },
        "creator.suggestion.complaint": {
            "zh-CN": "你带货的订单中 {you} 有成立的投诉；达人中位数为 {med}。",
            "en": "{you} of the orders you sold ended in an upheld complaint; the median "
            "creator's is {med}.",
        },
        "creator.suggestion.shop_cancel": {
            "zh-CN": "你带货的订单中 {you} 被商家取消；达人中位数为 {med}。",
            "en": "The shop cancelled {you} of the orders you sold; the median creator's is {med}.",
        },
        "creator.worst_shop": {
            "zh-CN": "{n} 笔差单中有 {bad} 笔来自「{shop}」：请检查你为这家店带的货。",
            "en": "{bad} of your {n} bad orders came from {shop}: check what you sell for it.",
        },
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

# -- operator console (pages/ops.py, templates/ops/) --
MESSAGES.update(
    {
        "nav.ops": {"zh-CN": "运营后台", "en": "Operator console"},
        "ops.title": {"zh-CN": "运营后台", "en": "Operator console"},
        "ops.section.dashboard": {"zh-CN": "大盘", "en": "Dashboard"},
        "ops.section.arbitration": {"zh-CN": "售后仲裁", "en": "Arbitration"},
        "ops.section.claims": {"zh-CN": "理赔审核", "en": "Claims review"},
        "ops.section.complaints": {"zh-CN": "投诉处理", "en": "Complaints"},
        "ops.section.shops": {"zh-CN": "店铺", "en": "Shops"},
        "ops.section.creators": {"zh-CN": "达人", "en": "Creators"},
        "ops.section.scores": {"zh-CN": "评分版本", "en": "Scores"},
        "ops.section.funds": {"zh-CN": "资金", "en": "Fund balances"},
        "ops.window": {
            "zh-CN": "近 {days} 天：{first} 至 {last}（北京时间）",
            "en": "Last {days} days: {first} to {last} (Beijing time)",
        },
        "ops.metric.orders": {"zh-CN": "支付订单", "en": "Paid orders"},
        "ops.metric.gmv": {"zh-CN": "成交额（GMV）", "en": "GMV"},
        "ops.metric.repurchase": {"zh-CN": "复购率", "en": "Repurchase rate"},
        "ops.metric.repurchase_of": {
            "zh-CN": "{buyers} 位买家中 {repeat} 位复购",
            "en": "{repeat} of {buyers} buyers bought again",
        },
        "ops.metric.returns": {"zh-CN": "退货率", "en": "Return rate"},
        "ops.metric.returns_of": {
            "zh-CN": "{delivered} 笔签收订单，{returns} 笔退货",
            "en": "{returns} returns, {delivered} orders delivered",
        },
        "ops.metric.claims_paid": {"zh-CN": "已赔付", "en": "Claims paid"},
        "ops.metric.claims_count": {"zh-CN": "{n} 笔理赔", "en": "{n} claims"},
        "ops.chart.orders": {"zh-CN": "每日支付订单", "en": "Paid orders per day"},
        "ops.chart.gmv": {"zh-CN": "每日成交额（元）", "en": "GMV per day (yuan)"},
        "ops.definitions": {"zh-CN": "口径说明", "en": "How these are counted"},
        "ops.define.orders": {
            "zh-CN": "订单与成交额：按支付时间计入当天（北京时间）；"
            "成交额为买家实付金额，不扣除退款。",
            "en": "Orders and GMV: counted on the day they were paid (Beijing time); GMV is what "
            "buyers paid, refunds not taken off.",
        },
        "ops.define.repurchase": {
            "zh-CN": "复购率：窗口内有 2 笔及以上支付订单的买家数 ÷ "
            "有 1 笔及以上支付订单的买家数。",
            "en": "Repurchase rate: buyers with 2 or more paid orders in the window ÷ buyers "
            "with at least 1.",
        },
        "ops.define.returns": {
            "zh-CN": "退货率：窗口内发起的退货退款售后数 ÷ 窗口内签收的订单数"
            "（与信任购店铺退货率口径一致）。",
            "en": "Return rate: return-and-refund after-sales opened in the window ÷ orders "
            "delivered in the window (as the Trust Purchase badge counts a shop's).",
        },
        "ops.define.claims": {
            "zh-CN": "已赔付：窗口内支付给买家的信任购理赔笔数与金额。",
            "en": "Claims paid: Trust Purchase claims paid out to buyers in the window, count "
            "and amount.",
        },
        "ops.waiting": {"zh-CN": "待处理", "en": "waiting"},
        "ops.queue_total": {
            "zh-CN": "共 {n} 件待处理，按等待时间从早到晚显示前 {shown} 件",
            "en": "{n} waiting; the {shown} waiting longest are shown first",
        },
        "ops.list_total": {"zh-CN": "共 {n} 个", "en": "{n} in all"},
        "ops.arbitration.empty": {"zh-CN": "没有待仲裁的售后", "en": "Nothing to arbitrate"},
        "ops.claims.empty": {"zh-CN": "没有待审核的理赔", "en": "No claims to review"},
        "ops.complaints.empty": {"zh-CN": "没有待处理的投诉", "en": "No complaints to handle"},
        "ops.shops.empty": {"zh-CN": "没有符合条件的店铺", "en": "No shops match"},
        "ops.creators.empty": {"zh-CN": "没有符合条件的达人", "en": "No creators match"},
        "ops.done.ruled": {"zh-CN": "已对售后 #{id} 作出裁决", "en": "After-sale #{id} ruled on"},
        "ops.done.claim": {"zh-CN": "理赔 #{id} 已处理", "en": "Claim #{id} decided"},
        "ops.done.complaint": {"zh-CN": "投诉 #{id} 已处理", "en": "Complaint #{id} updated"},
        "ops.done.shop": {"zh-CN": "店铺 #{id} 状态已更新", "en": "Shop #{id} status changed"},
        "ops.aftersale": {"zh-CN": "售后 #{id}", "en": "After-sale #{id}"},
        "ops.claim": {"zh-CN": "理赔 #{id}", "en": "Claim #{id}"},
        "ops.complaint": {"zh-CN": "投诉 #{id}", "en": "Complaint #{id}"},
        "ops.order": {"zh-CN": "订单", "en": "Order"},
        "ops.buyer": {"zh-CN": "买家", "en": "Buyer"},
        "ops.shop": {"zh-CN": "店铺", "en": "Shop"},
        "ops.creator": {"zh-CN": "达人", "en": "Creator"},
        "ops.reason": {"zh-CN": "原因", "en": "Reason"},
        "ops.opened": {"zh-CN": "发起时间", "en": "Opened"},
        "ops.escalated": {"zh-CN": "申请仲裁", "en": "Escalated"},
        "ops.filed": {"zh-CN": "投诉时间", "en": "Filed"},
        "ops.buyer_request": {"zh-CN": "买家申请说明", "en": "Buyer's request"},
        "ops.buyer_says": {"zh-CN": "买家陈述", "en": "Buyer's statement"},
        "ops.shop_says": {"zh-CN": "商家拒绝理由", "en": "Shop's statement"},
        "ops.evidence": {"zh-CN": "凭证", "en": "Evidence"},
        "ops.no_evidence": {"zh-CN": "无", "en": "None"},
        "ops.about": {"zh-CN": "被投诉方", "en": "About"},
        "ops.complainant": {"zh-CN": "投诉人", "en": "Complainant"},
        "ops.remedy": {"zh-CN": "诉求", "en": "Remedy"},
        "ops.claimed": {"zh-CN": "申请金额", "en": "Claimed"},
        "ops.cap": {"zh-CN": "上限 {cap}", "en": "at most {cap}"},
        "ops.credit": {"zh-CN": "信用分 {n}", "en": "credit {n}"},
        "ops.score": {"zh-CN": "店铺体验分", "en": "Experience score"},
        "ops.wom_score": {"zh-CN": "带货口碑分", "en": "Word-of-mouth score"},
        "ops.no_score": {"zh-CN": "数据不足，暂无评分", "en": "Not enough data yet"},
        "ops.as_of": {"zh-CN": "截至 {day}", "en": "as of {day}"},
        "ops.orders_counted": {"zh-CN": "计入订单 {n} 笔", "en": "{n} orders counted"},
        "ops.badge": {"zh-CN": "信任购", "en": "Trust Purchase"},
        "ops.badge.active": {"zh-CN": "已获得徽章", "en": "Carries the badge"},
        "ops.badge.warned": {"zh-CN": "已预警（宽限期内）", "en": "Warned (in grace)"},
        "ops.badge.revoked": {"zh-CN": "已撤销", "en": "Revoked"},
        "ops.badge.withdrawn": {"zh-CN": "已退出", "en": "Left the programme"},
        "ops.badge.none": {"zh-CN": "未加入", "en": "Not enrolled"},
        "ops.band.excellent": {"zh-CN": "优秀", "en": "excellent"},
        "ops.band.good": {"zh-CN": "良好", "en": "good"},
        "ops.band.fair": {"zh-CN": "一般", "en": "fair"},
        "ops.band.poor": {"zh-CN": "较差", "en": "poor"},
        "ops.band.not_enough_data": {"zh-CN": "数据不足", "en": "not enough data"},
        "ops.category": {"zh-CN": "主营类目", "en": "Main category"},
        "ops.status_reason": {"zh-CN": "状态原因", "en": "Status reason"},
        "ops.followers": {"zh-CN": "粉丝", "en": "Followers"},
        "ops.joined": {"zh-CN": "入驻时间", "en": "Joined"},
        "ops.all_statuses": {"zh-CN": "全部状态", "en": "All statuses"},
        "ops.pages": {"zh-CN": "翻页", "en": "Pages"},
        "ops.previous": {"zh-CN": "上一页", "en": "Previous"},
        "ops.next": {"zh-CN": "下一页", "en": "Next"},
        "ops.choose": {"zh-CN": "请选择", "en": "Choose…"},
        "ops.field.ruling": {"zh-CN": "裁决", "en": "Ruling"},
        "ops.field.fault": {"zh-CN": "责任方", "en": "At fault"},
        "ops.field.note": {"zh-CN": "理由（必填）", "en": "Reasons (required)"},
        "ops.field.amount": {
            "zh-CN": "赔付金额（元，选填，不超过上限）",
            "en": "Amount in yuan (optional, up to the cap)",
        },
        "ops.field.reason": {"zh-CN": "原因（必填）", "en": "Reason (required)"},
        "ops.field.search": {"zh-CN": "搜索名称", "en": "Search by name"},
        "ops.field.status": {"zh-CN": "状态", "en": "Status"},
        "ops.action.rule": {"zh-CN": "提交裁决", "en": "Rule"},
        "ops.action.approve": {"zh-CN": "同意赔付", "en": "Approve"},
        "ops.action.reject": {"zh-CN": "驳回", "en": "Reject"},
        "ops.action.take": {"zh-CN": "受理", "en": "Take"},
        "ops.action.uphold": {"zh-CN": "投诉成立", "en": "Uphold"},
        "ops.action.dismiss": {"zh-CN": "驳回投诉", "en": "Dismiss"},
        "ops.action.suspend": {"zh-CN": "暂停店铺", "en": "Suspend"},
        "ops.action.reinstate": {"zh-CN": "恢复店铺", "en": "Reinstate"},
        "ops.action.filter": {"zh-CN": "筛选", "en": "Filter"},
        "ops.ruling.refund": {"zh-CN": "支持买家（退款）", "en": "For the buyer (refund)"},
        "ops.ruling.close": {"zh-CN": "支持商家（关闭）", "en": "For the shop (close)"},
        "ops.fault.shop": {"zh-CN": "商家", "en": "Shop"},
        "ops.fault.buyer": {"zh-CN": "买家", "en": "Buyer"},
        "ops.fault.carrier": {"zh-CN": "物流", "en": "Carrier"},
        "ops.fault.none": {"zh-CN": "无责", "en": "No one"},
        "ops.kind.refund_only": {"zh-CN": "仅退款", "en": "Refund only"},
        "ops.kind.return_refund": {"zh-CN": "退货退款", "en": "Return and refund"},
        "ops.kind.exchange": {"zh-CN": "换货", "en": "Exchange"},
        "ops.reason.no_reason_7d": {"zh-CN": "七天无理由", "en": "7-day no reason"},
        "ops.reason.quality": {"zh-CN": "质量问题", "en": "Quality problem"},
        "ops.reason.not_as_described": {"zh-CN": "与描述不符", "en": "Not as described"},
        "ops.reason.damaged_in_transit": {"zh-CN": "运输损坏", "en": "Damaged in transit"},
        "ops.reason.wrong_item": {"zh-CN": "发错货", "en": "Wrong item"},
        "ops.reason.counterfeit": {"zh-CN": "假货", "en": "Counterfeit"},
        "ops.reason.allergy": {"zh-CN": "过敏", "en": "Allergy"},
        "ops.reason.dead_on_arrival": {"zh-CN": "到货即坏", "en": "Dead on arrival"},
        "ops.reason.other": {"zh-CN": "其他", "en": "Other"},
        "ops.code.return_postage": {"zh-CN": "退货补运费", "en": "Return postage paid back"},
        "ops.code.no_reason_7d": {"zh-CN": "七天无理由退货", "en": "7-day no-reason returns"},
        "ops.code.fast_refund": {"zh-CN": "极速退款", "en": "Fast refund"},
        "ops.code.counterfeit_10x": {"zh-CN": "假一赔十", "en": "Counterfeit pays tenfold"},
        "ops.code.damage_doa": {"zh-CN": "坏了包赔", "en": "Damaged or dead on arrival"},
        "ops.code.allergy_return": {"zh-CN": "过敏包退", "en": "Allergy returns"},
        "ops.code.certified_jewellery": {"zh-CN": "真宝仓", "en": "Certified jewellery"},
        "ops.code.used_phone_warranty": {
            "zh-CN": "二手手机180天质保",
            "en": "180-day used-phone warranty",
        },
        "ops.remedy.compensate": {"zh-CN": "赔付", "en": "Compensation"},
        "ops.remedy.refund": {"zh-CN": "退款", "en": "Refund"},
        "ops.remedy.reship": {"zh-CN": "补发", "en": "Reship"},
        "ops.remedy.repair": {"zh-CN": "维修", "en": "Repair"},
        "ops.remedy.replace": {"zh-CN": "换新", "en": "Replace"},
        "ops.category.counterfeit": {"zh-CN": "假冒商品", "en": "Counterfeit goods"},
        "ops.category.false_advertising": {"zh-CN": "虚假宣传", "en": "False advertising"},
        "ops.category.rude_service": {"zh-CN": "服务态度差", "en": "Rude service"},
        "ops.category.delivery_problem": {"zh-CN": "物流问题", "en": "Delivery problem"},
        "ops.category.off_platform_payment": {
            "zh-CN": "引导站外交易",
            "en": "Off-platform payment",
        },
        "ops.category.other": {"zh-CN": "其他", "en": "Other"},
        "ops.complaint_status.open": {"zh-CN": "待受理", "en": "Open"},
        "ops.complaint_status.under_review": {"zh-CN": "处理中", "en": "Under review"},
        "ops.shop_status.active": {"zh-CN": "营业中", "en": "Active"},
        "ops.shop_status.suspended": {"zh-CN": "已暂停", "en": "Suspended"},
        "ops.shop_status.closed": {"zh-CN": "已关闭", "en": "Closed"},
        "ops.fund.guarantee_fund": {"zh-CN": "平台保障基金", "en": "Guarantee fund"},
        "ops.fund.guarantee_fund.about": {
            "zh-CN": "平台注资，垫付商家保证金不足的赔付",
            "en": "Platform capital; pays what a shop's deposit cannot",
        },
        "ops.fund.premium_pool": {"zh-CN": "运费险资金池", "en": "Premium pool"},
        "ops.fund.premium_pool.about": {
            "zh-CN": "信任购订单的保费，支付退货运费补偿",
            "en": "Premiums from covered orders; pays return postage",
        },
        "ops.fund.fast_refund_float": {"zh-CN": "极速退款垫付", "en": "Fast-refund float"},
        "ops.fund.fast_refund_float.about": {
            "zh-CN": "退货寄回前平台先行垫付的退款",
            "en": "Refunds fronted before the goods are back",
        },
        "ops.fund.shop_receivables": {"zh-CN": "商家欠款", "en": "Shop receivables"},
        "ops.fund.shop_receivables.about": {
            "zh-CN": "商家超出保证金部分、欠平台的金额",
            "en": "What shops owe the platform beyond their deposits",
        },
        "ops.fund.shop_deposits": {"zh-CN": "商家保证金合计", "en": "Total shop deposits"},
        "ops.fund.shop_deposits.about": {
            "zh-CN": "所有店铺保证金余额之和",
            "en": "All shops' deposit balances together",
        },
        "ops.fund.claims_paid": {"zh-CN": "累计赔付", "en": "Claims paid (all time)"},
        "ops.fund.claims_paid.about": {
            "zh-CN": "已支付给买家的理赔金额",
            "en": "Paid to buyers under Trust Purchase",
        },
        "ops.fund.claims_open": {"zh-CN": "未结理赔", "en": "Open claims"},
        "ops.error.choose": {"zh-CN": "请从列表中选择", "en": "Choose one from the list"},
        "ops.error.too_long": {"zh-CN": "最多 {n} 个字", "en": "At most {n} characters"},
        "ops.error.bad_characters": {
            "zh-CN": "包含不允许的字符",
            "en": "Contains characters that are not allowed",
        },
        "ops.error.bad_amount": {
            "zh-CN": "请输入金额（元），如 12.50",
            "en": "Enter an amount in yuan, e.g. 12.50",
        },
        "ops.error.amount_above_cap": {"zh-CN": "不能超过上限 {cap}", "en": "At most {cap}"},
        "ops.error.invalid_state": {
            "zh-CN": "该事项的当前状态不允许此操作（可能已被他人处理），请刷新",
            "en": "Its current state does not allow this (someone may have handled it); reload",
        },
    }
)

# -- operator console: score definition versions (pages/ops_scores.py, templates/ops/_scores.html)
MESSAGES.update(
    {
        "ops.scores.about": {
            "zh-CN": "生效版本的评分对外展示；试运行版本每天与生效版本一起评分，仅用于对比。",
            "en": "The active version's scores are the ones shown; a version on trial is scored "
            "daily beside it, for comparison only.",
        },
        "ops.scores.status.active": {"zh-CN": "生效中", "en": "Active"},
        "ops.scores.status.trial": {"zh-CN": "试运行中", "en": "On trial"},
        "ops.scores.status.inactive": {"zh-CN": "未启用", "en": "Inactive"},
        "ops.scores.note": {"zh-CN": "说明", "en": "Note"},
        "ops.scores.last_run": {"zh-CN": "最近评分日", "en": "Last scored"},
        "ops.scores.never_run": {"zh-CN": "尚未评分", "en": "Not scored yet"},
        "ops.scores.created": {"zh-CN": "创建于", "en": "Created"},
        "ops.scores.activated": {"zh-CN": "启用于", "en": "Activated"},
        "ops.scores.compare_link": {
            "zh-CN": "与生效版本（{active}）对比",
            "en": "Compare with the active version ({active})",
        },
        "ops.action.start_trial": {"zh-CN": "开始试运行", "en": "Start trial"},
        "ops.action.stop_trial": {"zh-CN": "停止试运行", "en": "Stop trial"},
        "ops.action.activate": {"zh-CN": "设为生效版本", "en": "Activate"},
        "ops.action.compare": {"zh-CN": "对比", "en": "Compare"},
        "ops.done.score_version": {
            "zh-CN": "版本 {version} 已更新",
            "en": "Version {version} updated",
        },
        "ops.error.not_scored": {
            "zh-CN": "该版本尚未评分到生效版本的最近评分日，不能启用：请先试运行（每日评分）"
            "或手动评分，评分后再启用",
            "en": "Not scored up to the active version's last scored day yet, so it cannot be "
            "switched on: put it on trial (scored daily) or score it by hand, then activate it",
        },
        "ops.error.already_active": {
            "zh-CN": "这是生效版本",
            "en": "This is the active version",
        },
        "ops.error.already_on_trial": {
            "zh-CN": "该版本已在试运行中",
            "en": "This version is on trial already",
        },
        "ops.error.not_on_trial": {
            "zh-CN": "该版本不在试运行中",
            "en": "This version is not on trial",
        },
        "ops.scores.comparison": {
            "zh-CN": "{version} 与生效版本 {active} 对比",
            "en": "{version} compared with the active version {active}",
        },
        "ops.scores.as_of_field": {"zh-CN": "评分日（可选）", "en": "Scored on (optional)"},
        "ops.scores.compared_on": {
            "zh-CN": "{day} 的评分：{baseline}（生效）→ {candidate}",
            "en": "Scores of {day}: {baseline} (active) → {candidate}",
        },
        "ops.scores.summary": {"zh-CN": "分数变化", "en": "How scores move"},
        "ops.scores.subjects": {"zh-CN": "评分对象", "en": "Scored"},
        "ops.scores.compared": {"zh-CN": "两版都有分", "en": "Under both"},
        "ops.scores.mean_change": {"zh-CN": "平均变化", "en": "Mean change"},
        "ops.scores.mean_abs_change": {"zh-CN": "平均|变化|", "en": "Mean |change|"},
        "ops.scores.max_abs_change": {"zh-CN": "最大|变化|", "en": "Max |change|"},
        "ops.scores.spearman": {"zh-CN": "排序相关", "en": "Spearman"},
        "ops.scores.spearman_about": {
            "zh-CN": "排序相关（Spearman）：1 表示排名顺序不变，越低表示排名变化越大；"
            "少于 3 个对象时不计算。",
            "en": "Spearman rank correlation: 1 means the order is kept, lower means more "
            "reordering; not computed for fewer than 3.",
        },
        "ops.scores.of.shops": {"zh-CN": "店铺", "en": "Shops"},
        "ops.scores.of.creators": {"zh-CN": "达人", "en": "Creators"},
        "ops.scores.of.buyers": {"zh-CN": "买家", "en": "Buyers"},
        "ops.scores.move.moved_up": {"zh-CN": "店铺升档", "en": "Shops into a better band"},
        "ops.scores.move.moved_down": {"zh-CN": "店铺降档", "en": "Shops into a worse band"},
        "ops.scores.move.gained_score": {"zh-CN": "店铺新获评分", "en": "Shops newly scored"},
        "ops.scores.move.lost_score": {"zh-CN": "店铺失去评分", "en": "Shops no longer scored"},
        "ops.scores.move.became_shown": {"zh-CN": "达人分数新展示", "en": "Creators now shown"},
        "ops.scores.move.became_hidden": {
            "zh-CN": "达人分数不再展示",
            "en": "Creators now hidden",
        },
        "ops.scores.move.buyers_up": {"zh-CN": "买家信用升级", "en": "Buyers up a level"},
        "ops.scores.move.buyers_down": {"zh-CN": "买家信用降级", "en": "Buyers down a level"},
        "ops.scores.bands": {
            "zh-CN": "店铺档位：{baseline}（行）→ {candidate}（列）",
            "en": "Shop bands: {baseline} (rows) → {candidate} (columns)",
        },
        "ops.scores.levels": {
            "zh-CN": "买家信用等级：{baseline}（行）→ {candidate}（列）",
            "en": "Buyer credit levels: {baseline} (rows) → {candidate} (columns)",
        },
        "ops.scores.before_after": {
            "zh-CN": "{baseline} ↓ {candidate} →",
            "en": "{baseline} ↓ {candidate} →",
        },
        "ops.scores.shop_movers": {"zh-CN": "变化最大的店铺", "en": "Shops that move most"},
        "ops.scores.creator_movers": {"zh-CN": "变化最大的达人", "en": "Creators that move most"},
        "ops.scores.no_movers": {"zh-CN": "没有分数变化", "en": "No score changes"},
        "ops.scores.score_change": {
            "zh-CN": "{baseline} → {candidate}",
            "en": "{baseline} → {candidate}",
        },
        "ops.scores.band_change": {"zh-CN": "档位", "en": "Band"},
        "ops.scores.error.unknown_version": {
            "zh-CN": "没有评分版本 {version}",
            "en": "There is no score definition version {version}",
        },
        "ops.scores.error.is_active": {
            "zh-CN": "{version} 就是生效版本，请选择另一个版本对比",
            "en": "{version} is the active version: choose another version to compare",
        },
        "ops.scores.error.not_scored_on": {
            "zh-CN": "{day} 这一天 {version} 与 {active} 没有都评过分",
            "en": "{version} and {active} were not both scored on {day}",
        },
        "ops.scores.error.never_both": {
            "zh-CN": "{version} 与生效版本 {active} 还没有在同一天评过分：请先试运行或手动评分",
            "en": "{version} and the active version {active} have not been scored on the same "
            "day yet: put it on trial or score it by hand first",
        },
        "ops.scores.error.bad_day": {
            "zh-CN": "请输入日期，如 2026-11-20",
            "en": "Enter a day, e.g. 2026-11-20",
        },
    }
)

# -- operator console: integrity (pages/ops_integrity.py, templates/ops/_integrity.html) --
MESSAGES.update(
    {
        "ops.section.integrity": {"zh-CN": "诚信", "en": "Integrity"},
        "ops.integrity.about": {
            "zh-CN": "检测发现的可疑群组（刷单团伙、雷同评价、异常退货），待审核的在前，"
            "可疑度高的在前。确认后标记保留；判定误报会撤销该群组的全部标记，"
            "下次评分时恢复计入。",
            "en": "Groups the detectors found (brushing rings, copied reviews, return abuse), "
            "open ones first, the most suspicious first. Confirming keeps their flags; "
            "dismissing lifts every flag of the group, so it counts in scores again from the "
            "next run.",
        },
        "ops.integrity.total": {
            "zh-CN": "符合条件的群组共 {n} 个，显示 {shown} 个；全部待审核 {open} 个",
            "en": "Blocks: {n}, {shown} shown; open in all: {open}",
        },
        "ops.integrity.empty": {"zh-CN": "没有可疑群组", "en": "No blocks to review"},
        "ops.integrity.block": {"zh-CN": "可疑群组 #{id}", "en": "Block #{id}"},
        "ops.integrity.status.open": {"zh-CN": "待审核", "en": "Open"},
        "ops.integrity.status.confirmed": {"zh-CN": "已确认", "en": "Confirmed"},
        "ops.integrity.status.dismissed": {"zh-CN": "已判定误报", "en": "Dismissed"},
        "ops.integrity.now": {"zh-CN": "当前状态：{status}", "en": "now {status}"},
        "ops.integrity.detector": {"zh-CN": "检测规则", "en": "Detector"},
        "ops.integrity.detector.brushing.dense": {
            "zh-CN": "刷单团伙（每日检测）",
            "en": "Brushing ring (daily run)",
        },
        "ops.integrity.detector.brushing.incremental": {
            "zh-CN": "刷单团伙（实时检测）",
            "en": "Brushing ring (live)",
        },
        "ops.integrity.detector.brushing.fingerprint": {
            "zh-CN": "刷单团伙（共用设备与支付账户）",
            "en": "Brushing ring (shared devices and cards)",
        },
        "ops.integrity.detector.reviews.duplicate": {
            "zh-CN": "雷同评价",
            "en": "Near-duplicate reviews",
        },
        "ops.integrity.detector.reviews.burst": {
            "zh-CN": "新账号五星好评集中涌入",
            "en": "Five-star burst from new accounts",
        },
        "ops.integrity.detector.reviews.ring_account": {
            "zh-CN": "刷单订单的评价",
            "en": "Reviews of brushing orders",
        },
        "ops.integrity.detector.returns.serial": {"zh-CN": "频繁退货", "en": "Serial returns"},
        "ops.integrity.detector.returns.remote_address": {
            "zh-CN": "异地退货（骗取运费险）",
            "en": "Returns from far-away addresses",
        },
        "ops.integrity.detector.returns.empty_box": {
            "zh-CN": "多店空包理赔",
            "en": "Empty-box claims at several shops",
        },
        "ops.integrity.detector.rules.shopee": {
            "zh-CN": "规则：单买家高频下单的店铺",
            "en": "Rule: shops with many orders per buyer",
        },
        "ops.integrity.detector.rules.fingerprint_clusters": {
            "zh-CN": "规则：多人共用的设备与地址",
            "en": "Rule: devices and addresses shared by several buyers",
        },
        "ops.integrity.detector.rules.new_accounts": {
            "zh-CN": "规则：新账号集中下单的店铺",
            "en": "Rule: shops ordered from by many new accounts",
        },
        "ops.integrity.detector.written": {"zh-CN": "写入", "en": "Written"},
        "ops.integrity.reason": {"zh-CN": "检测说明（英文原文）", "en": "Detector's reason"},
        "ops.integrity.score": {"zh-CN": "可疑度", "en": "Suspicion score"},
        "ops.integrity.density": {"zh-CN": "密度", "en": "density"},
        "ops.integrity.members": {"zh-CN": "成员账号（{n}）", "en": "Members ({n})"},
        "ops.integrity.shops": {"zh-CN": "涉及店铺（{n}）", "en": "Shops ({n})"},
        "ops.integrity.more": {"zh-CN": "另有 {n} 个", "en": "and {n} more"},
        "ops.integrity.shared": {"zh-CN": "共用指纹", "en": "Shared fingerprints"},
        "ops.integrity.fp.device_fp": {"zh-CN": "设备", "en": "Devices"},
        "ops.integrity.fp.address_fp": {"zh-CN": "收货地址", "en": "Addresses"},
        "ops.integrity.fp.instrument_fp": {"zh-CN": "支付账户", "en": "Payment instruments"},
        "ops.integrity.timeline": {"zh-CN": "每日订单", "en": "Orders per day"},
        "ops.integrity.flags_of": {"zh-CN": "标记", "en": "Flags"},
        "ops.integrity.flags_count": {
            "zh-CN": "生效 {active} 个，共 {total} 个",
            "en": "{active} in force of {total}",
        },
        "ops.integrity.found": {"zh-CN": "发现于", "en": "Found"},
        "ops.integrity.run": {"zh-CN": "检测 #{id}", "en": "run #{id}"},
        "ops.integrity.decided": {"zh-CN": "审核", "en": "Decided"},
        "ops.integrity.dismiss_lifts": {
            "zh-CN": "判定误报将撤销该群组生效中的 {n} 个标记",
            "en": "Dismissing lifts the block's {n} flags in force",
        },
        "ops.integrity.sep": {"zh-CN": "，", "en": ", "},
        "ops.integrity.list_sep": {"zh-CN": "、", "en": ", "},
        "ops.integrity.n.accounts": {"zh-CN": "{n} 个账号", "en": "{n} accounts"},
        "ops.integrity.n.accounts.one": {"zh-CN": "{n} 个账号", "en": "{n} account"},
        "ops.integrity.n.shops": {"zh-CN": "{n} 家店铺", "en": "{n} shops"},
        "ops.integrity.n.shops.one": {"zh-CN": "{n} 家店铺", "en": "{n} shop"},
        "ops.integrity.n.orders": {"zh-CN": "{n} 笔", "en": "{n} orders"},
        "ops.integrity.n.orders.one": {"zh-CN": "{n} 笔", "en": "{n} order"},
        "ops.integrity.n.reviews": {"zh-CN": "{n} 条评价", "en": "{n} reviews"},
        "ops.integrity.n.reviews.one": {"zh-CN": "{n} 条评价", "en": "{n} review"},
        "ops.integrity.n.device_fp": {"zh-CN": "{n} 台设备", "en": "{n} devices"},
        "ops.integrity.n.device_fp.one": {"zh-CN": "{n} 台设备", "en": "{n} device"},
        "ops.integrity.n.address_fp": {"zh-CN": "{n} 个收货地址", "en": "{n} addresses"},
        "ops.integrity.n.address_fp.one": {"zh-CN": "{n} 个收货地址", "en": "{n} address"},
        "ops.integrity.n.instrument_fp": {
            "zh-CN": "{n} 个支付账户",
            "en": "{n} payment instruments",
        },
        "ops.integrity.n.instrument_fp.one": {
            "zh-CN": "{n} 个支付账户",
            "en": "{n} payment instrument",
        },
        "ops.integrity.summary.brushing": {
            "zh-CN": "{buyers}在 {shops}下单 {orders}",
            "en": "{buyers} placed {orders} at {shops}",
        },
        "ops.integrity.summary.density": {"zh-CN": "密度 {pct}", "en": "density {pct}"},
        "ops.integrity.summary.shared": {"zh-CN": "共用 {what}", "en": "sharing {what}"},
        "ops.integrity.summary.duplicate": {
            "zh-CN": "{buyers}在 {shops}写下 {reviews}，内容几乎相同",
            "en": "{buyers} wrote {reviews} at {shops}, near-copies of one text",
        },
        "ops.integrity.summary.burst": {
            "zh-CN": "{shops}在 {hours} 小时内收到 {n} 条五星好评，来自 {buyers}，均为新注册账号",
            "en": "{shops} got {n} five-star reviews within {hours} hours from {buyers}, all "
            "newly registered",
        },
        "ops.integrity.summary.remote": {
            "zh-CN": "{n} 笔寄往常住省份（{home}）以外（{away}）的订单被退货",
            "en": "{n} orders shipped away from the usual province ({home}) to {away} were "
            "returned",
        },
        "ops.integrity.summary.empty_box": {
            "zh-CN": "在 {shops}申请空包理赔 {n} 次",
            "en": "{n} empty-parcel claims at {shops}",
        },
        "ops.integrity.summary.other": {
            "zh-CN": "涉及 {buyers}、{shops}",
            "en": "{buyers} and {shops} involved",
        },
        "ops.integrity.days": {"zh-CN": "{n} 天", "en": "{n} days"},
        "ops.integrity.ev.orders": {"zh-CN": "订单数", "en": "Orders"},
        "ops.integrity.ev.reviews": {"zh-CN": "评价数", "en": "Reviews"},
        "ops.integrity.ev.buyers": {"zh-CN": "买家数", "en": "Buyers"},
        "ops.integrity.ev.returns": {"zh-CN": "退货数", "en": "Returns"},
        "ops.integrity.ev.claims": {"zh-CN": "理赔次数", "en": "Claims"},
        "ops.integrity.ev.shops": {"zh-CN": "店铺数", "en": "Shops"},
        "ops.integrity.ev.median_account_age_days": {
            "zh-CN": "账号注册时长（中位数）",
            "en": "Median account age",
        },
        "ops.integrity.ev.time_span_days": {"zh-CN": "时间跨度", "en": "Time span"},
        "ops.integrity.ev.burst_share": {
            "zh-CN": "集中爆发的订单占比",
            "en": "Orders in bursts",
        },
        "ops.integrity.ev.new_relation_share": {
            "zh-CN": "首次光顾该店的订单占比",
            "en": "Orders from first-time buyer–shop pairs",
        },
        "ops.integrity.ev.amount_regularity": {
            "zh-CN": "金额规律性（1 为金额完全一致）",
            "en": "Amount regularity (1 = all the same)",
        },
        "ops.integrity.ev.window_hours": {"zh-CN": "时间窗口（小时）", "en": "Window (hours)"},
        "ops.integrity.ev.home": {"zh-CN": "常住省份", "en": "Usual province"},
        "ops.integrity.ev.away": {"zh-CN": "退货地址省份", "en": "Returned from"},
        "ops.integrity.ev.sample": {"zh-CN": "评价原文示例", "en": "Sample text"},
        "ops.integrity.runs": {"zh-CN": "最近的检测", "en": "Latest detection runs"},
        "ops.integrity.no_runs": {"zh-CN": "还没有检测记录", "en": "No detection run yet"},
        "ops.integrity.as_of": {"zh-CN": "检测日", "en": "As of"},
        "ops.integrity.version": {"zh-CN": "规则版本", "en": "Version"},
        "ops.integrity.counts": {"zh-CN": "各规则结果", "en": "What each detector found"},
        "ops.integrity.run_status.succeeded": {"zh-CN": "成功", "en": "Succeeded"},
        "ops.integrity.run_status.failed": {
            "zh-CN": "失败（原有标记不变）",
            "en": "Failed (flags unchanged)",
        },
        "ops.integrity.trigger.daily": {"zh-CN": "每日", "en": "daily"},
        "ops.integrity.trigger.manual": {"zh-CN": "手动", "en": "manual"},
        "ops.integrity.count.orders": {"zh-CN": "订单", "en": "orders"},
        "ops.integrity.count.blocks": {"zh-CN": "群组", "en": "blocks"},
        "ops.integrity.count.orders_flagged": {"zh-CN": "标记订单", "en": "orders flagged"},
        "ops.integrity.count.buyers_flagged": {"zh-CN": "标记买家", "en": "buyers flagged"},
        "ops.integrity.count.shops_in_blocks": {"zh-CN": "涉及店铺", "en": "shops in blocks"},
        "ops.integrity.count.reviews": {"zh-CN": "评价", "en": "reviews"},
        "ops.integrity.count.reviews_flagged": {"zh-CN": "标记评价", "en": "reviews flagged"},
        "ops.integrity.count.groups": {"zh-CN": "雷同组", "en": "groups"},
        "ops.integrity.count.bursts": {"zh-CN": "集中涌入", "en": "bursts"},
        "ops.integrity.count.buyers": {"zh-CN": "买家", "en": "buyers"},
        "ops.integrity.count.shops": {"zh-CN": "店铺", "en": "shops"},
        "ops.integrity.count.flags": {"zh-CN": "标记", "en": "flags"},
        "ops.integrity.count.device_fp": {"zh-CN": "设备", "en": "devices"},
        "ops.integrity.count.address_fp": {"zh-CN": "地址", "en": "addresses"},
        "ops.integrity.flags": {"zh-CN": "最近的标记", "en": "Latest flags"},
        "ops.integrity.flags_total": {
            "zh-CN": "共 {n} 个标记（{active} 个生效中），显示最近 {shown} 个",
            "en": "{n} flags ({active} in force); the latest {shown} shown",
        },
        "ops.integrity.no_flags": {"zh-CN": "还没有标记", "en": "No flags yet"},
        "ops.integrity.subject": {"zh-CN": "对象", "en": "Subject"},
        "ops.integrity.when": {"zh-CN": "标记时间", "en": "Flagged"},
        "ops.integrity.kind.order": {"zh-CN": "订单", "en": "Order"},
        "ops.integrity.kind.review": {"zh-CN": "评价", "en": "Review"},
        "ops.integrity.kind.buyer": {"zh-CN": "买家", "en": "Buyer"},
        "ops.integrity.source.operator": {"zh-CN": "运营手动标记", "en": "By an operator"},
        "ops.integrity.source.integrity": {"zh-CN": "自动检测", "en": "Detection"},
        "ops.integrity.active": {"zh-CN": "生效中", "en": "In force"},
        "ops.integrity.lifted": {"zh-CN": "已撤销", "en": "Lifted"},
        "ops.action.confirm_block": {"zh-CN": "确认违规", "en": "Confirm"},
        "ops.action.dismiss_block": {"zh-CN": "判定误报", "en": "Dismiss"},
        "ops.action.lift": {"zh-CN": "撤销标记", "en": "Lift"},
        "ops.done.integrity_block": {
            "zh-CN": "可疑群组 #{id} 已审核",
            "en": "Block #{id} decided",
        },
        "ops.done.integrity_flag": {"zh-CN": "标记 #{id} 已撤销", "en": "Flag #{id} lifted"},
        "ops.error.flag_lifted": {
            "zh-CN": "该标记已被撤销（可能已被他人处理），请刷新",
            "en": "This flag is lifted already (someone may have handled it); reload",
        },
    }
)

# -- merchant console (pages/merchant.py, pages/merchant_views.py, templates/merchant/) --
MESSAGES.update(
    {
        "nav.merchant": {"zh-CN": "商家后台", "en": "Merchant console"},
        "merchant.title": {"zh-CN": "商家后台", "en": "Merchant console"},
        "merchant.no_shops": {
            "zh-CN": "你还不是任何店铺的成员",
            "en": "You do not work for any shop yet",
        },
        "merchant.role.owner": {"zh-CN": "店主", "en": "Owner"},
        "merchant.role.staff": {"zh-CN": "店员", "en": "Staff"},
        "merchant.shop.active": {"zh-CN": "营业中", "en": "Open"},
        "merchant.shop.suspended": {"zh-CN": "已暂停营业", "en": "Suspended"},
        "merchant.shop.closed": {"zh-CN": "已关店", "en": "Closed"},
        "merchant.back": {"zh-CN": "返回我的店铺", "en": "Back to my shops"},
        "merchant.fix_below": {
            "zh-CN": "有内容需要修改，请查看下方标出的字段",
            "en": "Something needs fixing: see the marked field below",
        },
        "merchant.sections": {"zh-CN": "后台栏目", "en": "Console sections"},
        "merchant.sec.score": {"zh-CN": "店铺体验分", "en": "Experience score"},
        "merchant.sec.orders": {"zh-CN": "待发货", "en": "Orders to ship"},
        "merchant.sec.aftersales": {"zh-CN": "售后", "en": "After-sales"},
        "merchant.sec.trust": {"zh-CN": "信任购", "en": "Trust Purchase"},
        "merchant.sec.deposit": {"zh-CN": "保证金", "en": "Deposit"},
        "merchant.sec.products": {"zh-CN": "商品与库存", "en": "Products and stock"},
        "merchant.sec.plans": {"zh-CN": "分销计划", "en": "Distribution plans"},
        "merchant.done.shipped": {"zh-CN": "已发货", "en": "Shipped"},
        "merchant.done.approved": {"zh-CN": "已同意售后申请", "en": "After-sale approved"},
        "merchant.done.rejected": {"zh-CN": "已拒绝售后申请", "en": "After-sale rejected"},
        "merchant.done.received": {
            "zh-CN": "已确认收到退货",
            "en": "Return received; the refund is on its way",
        },
        "merchant.done.reshipped": {"zh-CN": "换货已寄出", "en": "Replacement shipped"},
        "merchant.done.enrolled": {
            "zh-CN": "已加入信任购，店铺获得徽章",
            "en": "Enrolled: the shop carries the Trust Purchase badge",
        },
        "merchant.done.withdrawn_badge": {
            "zh-CN": "已退出信任购",
            "en": "The shop left Trust Purchase",
        },
        "merchant.done.topped_up": {"zh-CN": "保证金已充值", "en": "Deposit topped up"},
        "merchant.done.withdrawn": {"zh-CN": "保证金已提取", "en": "Deposit withdrawn"},
        "merchant.done.stock_adjusted": {"zh-CN": "库存已调整", "en": "Stock adjusted"},
        "merchant.done.plan_published": {"zh-CN": "分销计划已发布", "en": "Plan published"},
        "merchant.done.plan_closed": {"zh-CN": "分销计划已关闭", "en": "Plan closed"},
        # the score
        "merchant.score_range": {
            "zh-CN": "满分 100，每日更新",
            "en": "Out of 100, recomputed daily",
        },
        "merchant.band.excellent": {"zh-CN": "优秀", "en": "Excellent"},
        "merchant.band.good": {"zh-CN": "良好", "en": "Good"},
        "merchant.band.fair": {"zh-CN": "一般", "en": "Fair"},
        "merchant.band.poor": {"zh-CN": "较差", "en": "Poor"},
        "merchant.as_of": {
            "zh-CN": "截至 {day}，计入订单 {n} 笔",
            "en": "As of {day}, {n} orders counted",
        },
        "merchant.dim.product": {"zh-CN": "商品体验", "en": "Product"},
        "merchant.dim.logistics": {"zh-CN": "物流体验", "en": "Delivery"},
        "merchant.dim.service": {"zh-CN": "服务体验", "en": "Service"},
        "merchant.dim.product.about": {
            "zh-CN": "买家收到的商品好不好：差评率、因质量问题退货的比例",
            "en": "Whether buyers are happy with what arrives: bad reviews and returns for quality",
        },
        "merchant.dim.logistics.about": {
            "zh-CN": "发货和送达快不快：按时揽收率、揽收到签收的时长",
            "en": "How fast orders leave and arrive: pickup on time, hours from pickup to delivery",
        },
        "merchant.dim.service.about": {
            "zh-CN": "出了问题怎么处理：投诉、判定店铺责任的纠纷、售后响应时长、商家取消订单",
            "en": "How problems are handled: complaints, disputes ruled your fault, after-sale "
            "response time, orders you cancelled",
        },
        "merchant.not_enough_data": {"zh-CN": "数据不足，暂无评分", "en": "Not enough data yet"},
        "merchant.not_enough_about": {
            "zh-CN": "已计入 {n} 笔订单；订单足够多后才会给出评分",
            "en": "{n} orders counted so far; the score appears once there are enough",
        },
        "merchant.trend": {"zh-CN": "近 90 天趋势", "en": "Last 90 days"},
        "merchant.trend_range": {
            "zh-CN": "最低 {low}，最高 {high}",
            "en": "Low {low}, high {high}",
        },
        "merchant.peers": {"zh-CN": "与同类店铺比较", "en": "Compared with similar shops"},
        "merchant.peers_about": {
            "zh-CN": "“校正后”是把订单少的店铺向同类平均值拉近后的数值；"
            "得分按在同类店铺中的位置计算",
            "en": "“Adjusted” pulls a small shop's value toward the category average; points "
            "follow your place among similar shops",
        },
        "merchant.col.indicator": {"zh-CN": "指标", "en": "Indicator"},
        "merchant.col.yours": {"zh-CN": "你的数值", "en": "Yours"},
        "merchant.col.adjusted": {"zh-CN": "校正后", "en": "Adjusted"},
        "merchant.col.median": {"zh-CN": "同类中位数", "en": "Peer median"},
        "merchant.col.percentile": {"zh-CN": "同类排名", "en": "Among peers"},
        "merchant.col.points": {"zh-CN": "得分", "en": "Points"},
        "merchant.col.change": {"zh-CN": "变化", "en": "Change"},
        "merchant.col.when": {"zh-CN": "时间", "en": "When"},
        "merchant.col.reason": {"zh-CN": "原因", "en": "Reason"},
        "merchant.col.guarantee": {"zh-CN": "保障", "en": "Guarantee"},
        "merchant.col.order": {"zh-CN": "订单", "en": "Order"},
        "merchant.col.status": {"zh-CN": "状态", "en": "Status"},
        "merchant.col.amount": {"zh-CN": "金额", "en": "Amount"},
        "merchant.col.payer": {"zh-CN": "出资方", "en": "Paid by"},
        "merchant.col.what": {"zh-CN": "事项", "en": "What"},
        "merchant.col.balance": {"zh-CN": "余额", "en": "Balance"},
        "merchant.better_than": {"zh-CN": "优于 {pct}% 的同类店铺", "en": "better than {pct}%"},
        "merchant.suggestions": {"zh-CN": "改进建议", "en": "Suggestions"},
        "merchant.no_suggestions": {
            "zh-CN": "各项指标都很好，暂无建议",
            "en": "Every indicator is in good shape: nothing to suggest",
        },
        "merchant.suggestion": {
            "zh-CN": "{name}：你是 {you}，同类店铺中位数是 {med}",
            "en": "{name}: yours is {you}; the median similar shop has {med}",
        },
        "merchant.indicator.negative_review_rate": {"zh-CN": "差评率", "en": "Bad reviews"},
        "merchant.indicator.quality_return_rate": {
            "zh-CN": "质量退货率",
            "en": "Returns for quality",
        },
        "merchant.indicator.on_time_pickup_rate": {
            "zh-CN": "按时揽收率",
            "en": "Picked up on time",
        },
        "merchant.indicator.delivery_hours": {
            "zh-CN": "揽收到签收时长",
            "en": "Pickup to delivery",
        },
        "merchant.indicator.complaint_rate": {"zh-CN": "投诉率", "en": "Upheld complaints"},
        "merchant.indicator.dispute_shop_fault_rate": {
            "zh-CN": "纠纷商责率",
            "en": "Disputes ruled your fault",
        },
        "merchant.indicator.aftersale_response_hours": {
            "zh-CN": "售后响应时长",
            "en": "After-sale response time",
        },
        "merchant.indicator.shop_cancel_rate": {
            "zh-CN": "商家取消率",
            "en": "Orders you cancelled",
        },
        # deadlines
        "merchant.span_days": {"zh-CN": "{d} 天 {h} 小时", "en": "{d} d {h} h"},
        "merchant.span_hours": {"zh-CN": "{h} 小时 {m} 分钟", "en": "{h} h {m} min"},
        "merchant.span_minutes": {"zh-CN": "{m} 分钟", "en": "{m} min"},
        "merchant.due_in": {"zh-CN": "还剩 {span}", "en": "in {span}"},
        "merchant.overdue_by": {"zh-CN": "已超时 {span}", "en": "{span} overdue"},
        # orders
        "merchant.ship_by": {"zh-CN": "最晚发货 {at}", "en": "Ship by {at}"},
        "merchant.field.carrier_code": {"zh-CN": "快递公司", "en": "Carrier"},
        "merchant.field.tracking_no": {"zh-CN": "运单号", "en": "Tracking number"},
        "merchant.choose": {"zh-CN": "请选择", "en": "Choose…"},
        "merchant.action.ship": {"zh-CN": "发货", "en": "Ship"},
        "merchant.no_carriers": {
            "zh-CN": "平台还没有接入快递公司",
            "en": "No carrier is connected to the platform yet",
        },
        "merchant.nothing_to_ship": {"zh-CN": "没有待发货的订单", "en": "Nothing to ship"},
        # after-sales
        "merchant.order_no": {"zh-CN": "订单 #{id}", "en": "order #{id}"},
        "merchant.kind.refund_only": {"zh-CN": "仅退款", "en": "Refund only"},
        "merchant.kind.return_refund": {"zh-CN": "退货退款", "en": "Return and refund"},
        "merchant.kind.exchange": {"zh-CN": "换货", "en": "Exchange"},
        "merchant.reason.no_reason_7d": {"zh-CN": "七天无理由", "en": "7-day no reason"},
        "merchant.reason.quality": {"zh-CN": "质量问题", "en": "Quality"},
        "merchant.reason.not_as_described": {"zh-CN": "与描述不符", "en": "Not as described"},
        "merchant.reason.damaged_in_transit": {
            "zh-CN": "运输损坏",
            "en": "Damaged in transit",
        },
        "merchant.reason.wrong_item": {"zh-CN": "发错货", "en": "Wrong item"},
        "merchant.reason.counterfeit": {"zh-CN": "疑似假货", "en": "Counterfeit"},
        "merchant.reason.allergy": {"zh-CN": "过敏", "en": "Allergy"},
        "merchant.reason.dead_on_arrival": {"zh-CN": "到货即损坏", "en": "Dead on arrival"},
        "merchant.reason.other": {"zh-CN": "其他", "en": "Other"},
        "merchant.as.requested": {"zh-CN": "待处理", "en": "Awaiting your answer"},
        "merchant.as.awaiting_return": {"zh-CN": "待买家寄回", "en": "Awaiting the return"},
        "merchant.as.return_shipped": {"zh-CN": "买家已寄回", "en": "Return on its way"},
        "merchant.as.return_received": {"zh-CN": "已收到退货", "en": "Return received"},
        "merchant.as.refunded": {"zh-CN": "已退款", "en": "Refunded"},
        "merchant.as.exchanged": {"zh-CN": "已换货", "en": "Exchanged"},
        "merchant.as.rejected": {"zh-CN": "已拒绝", "en": "Rejected"},
        "merchant.as.in_arbitration": {"zh-CN": "平台仲裁中", "en": "In arbitration"},
        "merchant.as.closed": {"zh-CN": "已关闭", "en": "Closed"},
        "merchant.as.withdrawn": {"zh-CN": "买家已撤销", "en": "Withdrawn"},
        "merchant.next_step.requested": {
            "zh-CN": "请在期限内处理，否则自动同意",
            "en": "Answer before it is approved automatically",
        },
        "merchant.next_step.awaiting_return": {
            "zh-CN": "买家寄回期限",
            "en": "The buyer must send it back",
        },
        "merchant.next_step.return_shipped": {
            "zh-CN": "请确认收货，否则自动确认",
            "en": "Confirm receipt before it is confirmed automatically",
        },
        "merchant.next_step.return_received": {"zh-CN": "处理期限", "en": "Next step due"},
        "merchant.next_step.rejected": {
            "zh-CN": "买家可申请仲裁的期限",
            "en": "The buyer may escalate",
        },
        "merchant.next_step.in_arbitration": {"zh-CN": "仲裁期限", "en": "Ruling due"},
        "merchant.action.approve_refund_only": {"zh-CN": "同意并退款", "en": "Approve and refund"},
        "merchant.action.approve_return_refund": {
            "zh-CN": "同意退货",
            "en": "Approve the return",
        },
        "merchant.action.approve_exchange": {"zh-CN": "同意换货", "en": "Approve the exchange"},
        "merchant.field.reject_reason": {"zh-CN": "拒绝理由", "en": "Reason for rejecting"},
        "merchant.action.reject": {"zh-CN": "拒绝", "en": "Reject"},
        "merchant.action.receive": {"zh-CN": "确认收到退货", "en": "Confirm the return arrived"},
        "merchant.action.reship": {"zh-CN": "寄出换货", "en": "Ship the replacement"},
        "merchant.waiting.awaiting_return": {
            "zh-CN": "等待买家寄回",
            "en": "Waiting for the buyer to send it back",
        },
        "merchant.waiting.return_received": {"zh-CN": "等待处理", "en": "Waiting"},
        "merchant.waiting.rejected": {
            "zh-CN": "买家可能申请平台仲裁",
            "en": "The buyer may take it to arbitration",
        },
        "merchant.waiting.in_arbitration": {
            "zh-CN": "等待平台裁决",
            "en": "Waiting for the platform's ruling",
        },
        "merchant.no_aftersales": {"zh-CN": "没有进行中的售后", "en": "No open after-sales"},
        # Trust Purchase
        "merchant.badge.none": {"zh-CN": "未加入信任购", "en": "Not enrolled"},
        "merchant.badge.active": {"zh-CN": "已获得信任购徽章", "en": "Carries the badge"},
        "merchant.badge.warned": {
            "zh-CN": "徽章预警：宽限期内仍保留",
            "en": "Warned: the badge stays through a grace period",
        },
        "merchant.badge.revoked": {"zh-CN": "徽章已被取消", "en": "Badge removed"},
        "merchant.badge.withdrawn": {"zh-CN": "已退出信任购", "en": "Left the programme"},
        "merchant.badge_since": {"zh-CN": "自 {at} 起", "en": "since {at}"},
        "merchant.grace_until": {"zh-CN": "宽限期至 {at}", "en": "grace period until {at}"},
        "merchant.premium": {
            "zh-CN": "每笔保障订单服务费 {fee}（按退货率 {pct}% 定价）",
            "en": "Premium {fee} per covered order (priced on a {pct}% return rate)",
        },
        "merchant.conditions": {"zh-CN": "加入条件", "en": "Conditions"},
        "merchant.cond.score": {"zh-CN": "店铺体验分", "en": "Experience score"},
        "merchant.cond.deposit": {"zh-CN": "保证金", "en": "Deposit"},
        "merchant.cond.counterfeit": {"zh-CN": "无售假判定", "en": "No counterfeit rulings"},
        "merchant.cond.shop": {"zh-CN": "店铺正常营业", "en": "Shop open"},
        "merchant.cond.score_is": {
            "zh-CN": "当前 {score}，需不低于 {min}",
            "en": "{score} now; at least {min} needed",
        },
        "merchant.cond.score_none": {
            "zh-CN": "数据不足，暂无评分；需不低于 {min}",
            "en": "Not enough data for a score yet; at least {min} needed",
        },
        "merchant.cond.deposit_is": {
            "zh-CN": "当前 {held}，最低 {min}",
            "en": "{held} held; at least {min} needed",
        },
        "merchant.cond.owes": {
            "zh-CN": "店铺欠平台款项，请先充值还清",
            "en": "the shop owes the platform: top up to repay it first",
        },
        "merchant.cond.counterfeit_is": {
            "zh-CN": "近期售假判定 {n} 次",
            "en": "{n} counterfeit ruling(s) in the look-back window",
        },
        "merchant.cond.shop_is": {"zh-CN": "店铺状态：{status}", "en": "Shop status: {status}"},
        "merchant.terms": {
            "zh-CN": "加入后，店铺商品的订单将附带信任购保障（退货补运费、假一赔十等），"
            "赔付从保障基金和你的保证金中支出；每笔保障订单收取服务费。",
            "en": "Once enrolled, your orders carry the Trust Purchase guarantees (return "
            "postage, counterfeit pays tenfold and more), paid from the guarantee fund and your "
            "deposit; each covered order pays a premium.",
        },
        "merchant.field.accept_terms": {
            "zh-CN": "我已阅读并同意信任购服务条款",
            "en": "I accept the Trust Purchase terms",
        },
        "merchant.action.apply": {"zh-CN": "申请加入", "en": "Apply"},
        "merchant.leave_about": {
            "zh-CN": "退出后徽章立即取消；已下单的保障照常履行。",
            "en": "Leaving removes the badge at once; promises already made are kept.",
        },
        "merchant.action.leave": {"zh-CN": "退出信任购", "en": "Leave Trust Purchase"},
        "merchant.badge_history": {"zh-CN": "徽章变更记录", "en": "Badge history"},
        "merchant.badge_event.granted": {"zh-CN": "获得徽章", "en": "Granted"},
        "merchant.badge_event.warned": {"zh-CN": "预警", "en": "Warned"},
        "merchant.badge_event.restored": {"zh-CN": "恢复", "en": "Restored"},
        "merchant.badge_event.revoked": {"zh-CN": "取消", "en": "Removed"},
        "merchant.badge_event.withdrawn": {"zh-CN": "主动退出", "en": "Left"},
        "merchant.no_badge_history": {"zh-CN": "暂无记录", "en": "No changes yet"},
        "merchant.claims": {"zh-CN": "针对本店的赔付申请", "en": "Claims against the shop"},
        "merchant.claim.opened": {"zh-CN": "已提交", "en": "Opened"},
        "merchant.claim.under_review": {"zh-CN": "审核中", "en": "Under review"},
        "merchant.claim.approved": {"zh-CN": "已通过", "en": "Approved"},
        "merchant.claim.rejected": {"zh-CN": "已驳回", "en": "Rejected"},
        "merchant.claim.paid": {"zh-CN": "已赔付", "en": "Paid"},
        "merchant.claim.recovered": {"zh-CN": "已追回", "en": "Recovered"},
        "merchant.payer.premium_pool": {"zh-CN": "保障基金", "en": "Guarantee fund"},
        "merchant.payer.shop": {"zh-CN": "本店", "en": "Your shop"},
        "merchant.payer.platform": {"zh-CN": "平台", "en": "The platform"},
        "merchant.no_claims": {"zh-CN": "没有赔付申请", "en": "No claims"},
        # deposit
        "merchant.deposit.balance": {"zh-CN": "保证金余额", "en": "Balance"},
        "merchant.deposit.owed": {"zh-CN": "欠平台款项", "en": "Owed to the platform"},
        "merchant.deposit.minimum": {"zh-CN": "信任购最低保证金", "en": "Trust Purchase minimum"},
        "merchant.deposit.open_claims": {
            "zh-CN": "未结赔付申请 {n} 笔",
            "en": "{n} open claim(s)",
        },
        "merchant.deposit.statement": {"zh-CN": "保证金明细", "en": "Statement"},
        "merchant.deposit.no_lines": {"zh-CN": "暂无明细", "en": "No entries yet"},
        "merchant.field.amount": {"zh-CN": "金额（元）", "en": "Amount (¥)"},
        "merchant.action.top_up": {"zh-CN": "充值", "en": "Top up"},
        "merchant.action.withdraw": {"zh-CN": "提取", "en": "Withdraw"},
        "merchant.posting.deposit.topup": {"zh-CN": "充值", "en": "Top-up"},
        "merchant.posting.deposit.withdraw": {"zh-CN": "提取", "en": "Withdrawal"},
        "merchant.posting.claim.payout": {"zh-CN": "赔付", "en": "Claim paid"},
        "merchant.posting.premium": {"zh-CN": "保障服务费", "en": "Premium"},
        # products and plans
        "merchant.published": {"zh-CN": "在售", "en": "On sale"},
        "merchant.unpublished": {"zh-CN": "未上架", "en": "Not on sale"},
        "merchant.stock": {"zh-CN": "库存 {n}", "en": "{n} in stock"},
        "merchant.field.delta": {"zh-CN": "增减数量", "en": "Change (+/−)"},
        "merchant.field.note": {"zh-CN": "备注（选填）", "en": "Note (optional)"},
        "merchant.action.adjust": {"zh-CN": "调整库存", "en": "Adjust stock"},
        "merchant.no_products": {"zh-CN": "还没有商品", "en": "No products yet"},
        "merchant.plans_about": {
            "zh-CN": "把商品开放给主播带货，按成交额支付佣金",
            "en": "Offer a product to every creator for a commission on each sale",
        },
        "merchant.commission": {"zh-CN": "佣金 {pct}%", "en": "{pct}% commission"},
        "merchant.plan.active": {"zh-CN": "进行中", "en": "Open"},
        "merchant.plan.closed": {"zh-CN": "已关闭", "en": "Closed"},
        "merchant.action.close_plan": {"zh-CN": "关闭", "en": "Close"},
        "merchant.no_plans": {"zh-CN": "还没有分销计划", "en": "No plans yet"},
        "merchant.field.product_id": {"zh-CN": "商品", "en": "Product"},
        "merchant.field.commission": {"zh-CN": "佣金比例（%）", "en": "Commission (%)"},
        "merchant.action.publish_plan": {"zh-CN": "发布计划", "en": "Publish the plan"},
        # errors
        "merchant.error.bad_carrier": {"zh-CN": "请选择快递公司", "en": "Choose a carrier"},
        "merchant.error.bad_tracking": {
            "zh-CN": "运单号须为 6 到 40 位字母、数字或“-”",
            "en": "Must be 6 to 40 letters, digits or '-'",
        },
        "merchant.error.tracking_no_taken": {
            "zh-CN": "这个运单号已被该快递公司使用",
            "en": "This tracking number is already used with this carrier",
        },
        "merchant.error.too_long": {"zh-CN": "最多 {n} 个字", "en": "At most {n} characters"},
        "merchant.error.bad_amount": {
            "zh-CN": "请输入大于 0 的金额，如 100 或 99.50",
            "en": "Enter an amount above zero, such as 100 or 99.50",
        },
        "merchant.error.bad_delta": {
            "zh-CN": "请输入不为 0 的整数（如 +10 或 -2），绝对值不超过 {max}",
            "en": "Enter a whole number other than zero (such as +10 or -2), at most {max}",
        },
        "merchant.error.stock_negative": {
            "zh-CN": "库存不能减到 0 以下",
            "en": "Stock cannot go below zero",
        },
        "merchant.error.choose_product": {"zh-CN": "请选择本店的商品", "en": "Choose a product"},
        "merchant.error.bad_commission": {
            "zh-CN": "请输入 0 到 {max} 之间的百分比，最多两位小数",
            "en": "Enter a percentage from 0 to {max}, at most two decimals",
        },
        "merchant.error.plan_exists": {
            "zh-CN": "这个商品已有进行中的分销计划，请先关闭",
            "en": "This product already has an open plan; close it first",
        },
        "merchant.error.accept_terms": {
            "zh-CN": "请先阅读并同意服务条款",
            "en": "Accept the terms to apply",
        },
        "merchant.error.not_qualified": {
            "zh-CN": "店铺暂不符合加入条件：请查看上方未通过的条件",
            "en": "The shop does not qualify yet: see the conditions that failed above",
        },
        "merchant.error.enrolled": {
            "zh-CN": "店铺已经有信任购徽章",
            "en": "The shop already carries the badge",
        },
        "merchant.error.not_enrolled": {
            "zh-CN": "店铺没有信任购徽章",
            "en": "The shop does not carry the badge",
        },
        "merchant.error.below_minimum": {
            "zh-CN": "持有徽章期间，保证金不能低于最低金额",
            "en": "While the shop carries the badge the deposit may not fall below the minimum",
        },
        "merchant.error.claims_open": {
            "zh-CN": "还有未结的赔付申请，结清后才能提取",
            "en": "Claims against the shop are open; withdraw once they are settled",
        },
        "merchant.error.key_reused": {
            "zh-CN": "表单已提交过，请刷新页面后重试",
            "en": "This form was already used; reload the page and try again",
        },
        "merchant.error.invalid_state": {
            "zh-CN": "当前状态下不能这样操作，请刷新页面",
            "en": "Not possible in its current state; reload the page",
        },
        "merchant.error.shop_closed": {"zh-CN": "店铺已关闭", "en": "This shop is closed"},
    }
)

# -- buyer's orders and Me (pages/orders.py, pages/me.py, templates/orders/, templates/me.html) --
MESSAGES.update(
    {
        "nav.orders": {"zh-CN": "我的订单", "en": "My orders"},
        "nav.me": {"zh-CN": "我的", "en": "Me"},
        "orders.title": {"zh-CN": "我的订单", "en": "My orders"},
        "orders.order_n": {"zh-CN": "订单 #{id}", "en": "Order #{id}"},
        "orders.filter": {"zh-CN": "订单状态", "en": "Status"},
        "orders.all": {"zh-CN": "全部", "en": "All"},
        "orders.apply": {"zh-CN": "筛选", "en": "Filter"},
        "orders.count": {"zh-CN": "共 {n} 笔订单", "en": "{n} orders"},
        "orders.none": {"zh-CN": "还没有订单", "en": "No orders yet"},
        "orders.pages": {"zh-CN": "翻页", "en": "Pages"},
        "orders.prev": {"zh-CN": "上一页", "en": "Previous"},
        "orders.next": {"zh-CN": "下一页", "en": "Next"},
        "orders.page_of": {"zh-CN": "第 {page} / {pages} 页", "en": "Page {page} of {pages}"},
        "orders.refunded": {"zh-CN": "已退款 {amount}", "en": "Refunded {amount}"},
        "orders.creator": {"zh-CN": "主播", "en": "Creator"},
        "orders.ship_to": {"zh-CN": "收货", "en": "Ship to"},
        "orders.choose": {"zh-CN": "请选择", "en": "Choose…"},
        "orders.status.pending_payment": {"zh-CN": "待支付", "en": "Awaiting payment"},
        "orders.status.paid": {"zh-CN": "待发货", "en": "Paid, to be shipped"},
        "orders.status.shipped": {"zh-CN": "已发货", "en": "Shipped"},
        "orders.status.delivered": {"zh-CN": "已签收", "en": "Delivered"},
        "orders.status.completed": {"zh-CN": "已完成", "en": "Completed"},
        "orders.status.cancelled": {"zh-CN": "已取消", "en": "Cancelled"},
        "orders.status.refunded": {"zh-CN": "已退款", "en": "Refunded"},
        "orders.action.confirm": {"zh-CN": "确认收货", "en": "Confirm receipt"},
        "orders.action.open_aftersale": {"zh-CN": "提交申请", "en": "Send the request"},
        "orders.action.ship_return": {"zh-CN": "提交退货物流", "en": "I have sent it back"},
        "orders.action.withdraw": {"zh-CN": "撤销申请", "en": "Withdraw the request"},
        "orders.action.escalate": {"zh-CN": "申请平台介入", "en": "Ask the platform to arbitrate"},
        "orders.action.claim": {"zh-CN": "提交理赔", "en": "Send the claim"},
        "orders.action.review": {"zh-CN": "发布评价", "en": "Post the review"},
        "orders.action.followup": {"zh-CN": "发布追评", "en": "Post the follow-up"},
        "orders.action.complain": {"zh-CN": "提交投诉", "en": "Send the complaint"},
        "orders.done.confirm": {"zh-CN": "已确认收货", "en": "Receipt confirmed"},
        "orders.done.aftersale": {
            "zh-CN": "售后申请已提交，等待商家处理",
            "en": "Request sent; waiting for the shop",
        },
        "orders.done.return": {"zh-CN": "退货物流已提交", "en": "Return shipment recorded"},
        "orders.done.withdraw": {"zh-CN": "售后申请已撤销", "en": "Request withdrawn"},
        "orders.done.escalate": {"zh-CN": "已申请平台介入", "en": "Sent to arbitration"},
        "orders.done.claim": {"zh-CN": "理赔申请已提交", "en": "Claim sent"},
        "orders.done.review": {"zh-CN": "评价已发布，谢谢", "en": "Review posted; thank you"},
        "orders.done.followup": {"zh-CN": "追评已发布", "en": "Follow-up posted"},
        "orders.done.complaint": {
            "zh-CN": "投诉已提交，平台会尽快处理",
            "en": "Complaint sent; the platform will look into it",
        },
        "orders.trust": {"zh-CN": "信任购保障", "en": "Trust Purchase promises"},
        "orders.no_promises": {
            "zh-CN": "本订单没有信任购保障",
            "en": "This order carries no Trust Purchase promises",
        },
        "orders.claims": {"zh-CN": "理赔与补偿", "en": "Claims and compensation"},
        "orders.no_claims": {"zh-CN": "暂无", "en": "None yet"},
        "orders.open_claim": {"zh-CN": "申请信任购理赔", "en": "Claim under Trust Purchase"},
        "orders.claim_status.opened": {"zh-CN": "已提交", "en": "Opened"},
        "orders.claim_status.under_review": {"zh-CN": "审核中", "en": "Under review"},
        "orders.claim_status.approved": {"zh-CN": "已通过，待打款", "en": "Approved, to be paid"},
        "orders.claim_status.rejected": {"zh-CN": "未通过", "en": "Rejected"},
        "orders.claim_status.paid": {"zh-CN": "已赔付", "en": "Paid"},
        "orders.claim_status.recovered": {"zh-CN": "已追回", "en": "Taken back"},
        "orders.paid.return_postage": {
            "zh-CN": "退货运费已补偿 {amount}",
            "en": "Return postage paid back: {amount}",
        },
        "orders.paid.fast_refund": {
            "zh-CN": "极速退款已到账 {amount}",
            "en": "Fast refund paid: {amount}",
        },
        "orders.paid.counterfeit_10x": {
            "zh-CN": "假一赔十已赔付 {amount}",
            "en": "Counterfeit compensation paid: {amount}",
        },
        "orders.paid.certified_jewellery": {
            "zh-CN": "真宝仓赔付 {amount}",
            "en": "Certified-jewellery compensation paid: {amount}",
        },
        "orders.paid.damage_doa": {
            "zh-CN": "坏了包赔已赔付 {amount}",
            "en": "Damage paid: {amount}",
        },
        "orders.paid.allergy_return": {
            "zh-CN": "过敏包退已退款 {amount}",
            "en": "Allergy refund paid: {amount}",
        },
        "orders.paid.used_phone_warranty": {
            "zh-CN": "质保已赔付 {amount}",
            "en": "Warranty paid: {amount}",
        },
        "orders.remedy_done": {"zh-CN": "已安排：{remedy}", "en": "Arranged: {remedy}"},
        "orders.claim_recovered": {
            "zh-CN": "已追回 {amount}（退货未按时送达）",
            "en": "{amount} taken back (the return did not arrive in time)",
        },
        "orders.claim_rejected": {"zh-CN": "原因：{note}", "en": "Why: {note}"},
        "orders.claim_amount": {"zh-CN": "申请金额 {amount}", "en": "Claimed {amount}"},
        "orders.remedy.compensate": {"zh-CN": "赔付", "en": "Compensation"},
        "orders.remedy.refund": {"zh-CN": "退款", "en": "Refund"},
        "orders.remedy.reship": {"zh-CN": "补发", "en": "Re-shipment"},
        "orders.remedy.repair": {"zh-CN": "维修", "en": "Repair"},
        "orders.remedy.replace": {"zh-CN": "换新", "en": "Replacement"},
        "orders.aftersales": {"zh-CN": "售后", "en": "After-sales"},
        "orders.no_aftersales": {"zh-CN": "没有售后申请", "en": "No after-sale requests"},
        "orders.open_aftersale": {
            "zh-CN": "申请售后（退款 / 退货 / 换货）",
            "en": "Ask for a refund, a return or an exchange",
        },
        "orders.kind.refund_only": {"zh-CN": "仅退款", "en": "Refund only"},
        "orders.kind.return_refund": {"zh-CN": "退货退款", "en": "Return and refund"},
        "orders.kind.exchange": {"zh-CN": "换货", "en": "Exchange"},
        "orders.reason.no_reason_7d": {"zh-CN": "七天无理由", "en": "7-day no-reason return"},
        "orders.reason.quality": {"zh-CN": "质量问题", "en": "Quality problem"},
        "orders.reason.not_as_described": {"zh-CN": "与描述不符", "en": "Not as described"},
        "orders.reason.damaged_in_transit": {"zh-CN": "运输损坏", "en": "Damaged in transit"},
        "orders.reason.wrong_item": {"zh-CN": "发错货", "en": "Wrong item"},
        "orders.reason.counterfeit": {"zh-CN": "疑似假货", "en": "Counterfeit"},
        "orders.reason.allergy": {"zh-CN": "过敏", "en": "Allergy"},
        "orders.reason.dead_on_arrival": {"zh-CN": "到货损坏 / 死亡", "en": "Dead on arrival"},
        "orders.reason.other": {"zh-CN": "其他", "en": "Other"},
        "orders.sale_status.requested": {"zh-CN": "待商家处理", "en": "Waiting for the shop"},
        "orders.sale_status.awaiting_return": {"zh-CN": "待寄回", "en": "To be sent back"},
        "orders.sale_status.return_shipped": {"zh-CN": "退货中", "en": "Return on its way"},
        "orders.sale_status.return_received": {"zh-CN": "商家已收货", "en": "Return received"},
        "orders.sale_status.refunded": {"zh-CN": "已退款", "en": "Refunded"},
        "orders.sale_status.exchanged": {"zh-CN": "已换货", "en": "Exchanged"},
        "orders.sale_status.rejected": {"zh-CN": "商家已拒绝", "en": "Rejected by the shop"},
        "orders.sale_status.in_arbitration": {"zh-CN": "平台仲裁中", "en": "In arbitration"},
        "orders.sale_status.closed": {"zh-CN": "已关闭", "en": "Closed"},
        "orders.sale_status.withdrawn": {"zh-CN": "已撤销", "en": "Withdrawn"},
        "orders.progress.requested": {
            "zh-CN": "等待商家处理；{due} 前未处理将自动同意",
            "en": "Waiting for the shop; approved automatically if it has not answered by {due}",
        },
        "orders.progress.awaiting_return": {
            "zh-CN": "商家已同意，请在 {due} 前寄回商品并填写物流单号",
            "en": "Approved: send the goods back by {due} and enter the tracking number",
        },
        "orders.progress.return_shipped": {
            "zh-CN": "退货已寄出，等待商家收货后退款",
            "en": "Your return is on its way; the refund follows when the shop receives it",
        },
        "orders.progress.return_received": {
            "zh-CN": "商家已收到退货",
            "en": "The shop has received your return",
        },
        "orders.progress.refunded": {"zh-CN": "已退款 {refunded}", "en": "Refunded {refunded}"},
        "orders.progress.exchanged": {
            "zh-CN": "换货已发出",
            "en": "The replacement is on its way",
        },
        "orders.progress.rejected": {
            "zh-CN": "商家拒绝了申请；可在 {due} 前申请平台介入",
            "en": "The shop said no; you may ask the platform to arbitrate until {due}",
        },
        "orders.progress.in_arbitration": {
            "zh-CN": "平台正在仲裁，结果会显示在这里",
            "en": "The platform is arbitrating; its ruling will show here",
        },
        "orders.progress.closed": {"zh-CN": "申请已关闭", "en": "This request is closed"},
        "orders.progress.withdrawn": {"zh-CN": "你已撤销申请", "en": "You withdrew this request"},
        "orders.reject_reason": {"zh-CN": "商家说明：{reason}", "en": "The shop says: {reason}"},
        "orders.ruling": {"zh-CN": "仲裁结果：{note}", "en": "Ruling: {note}"},
        "orders.sale_amount": {"zh-CN": "申请退款 {amount}", "en": "Refund asked: {amount}"},
        "orders.sale_event.requested": {"zh-CN": "提交申请", "en": "Request sent"},
        "orders.sale_event.approve_return": {"zh-CN": "商家同意退货", "en": "Return approved"},
        "orders.sale_event.refund": {"zh-CN": "退款", "en": "Refunded"},
        "orders.sale_event.ship_return": {"zh-CN": "寄回商品", "en": "Goods sent back"},
        "orders.sale_event.return_delivered": {
            "zh-CN": "退货已送达商家",
            "en": "Return delivered to the shop",
        },
        "orders.sale_event.receive_return": {"zh-CN": "商家确认收货", "en": "Shop received it"},
        "orders.sale_event.reship": {"zh-CN": "换货发出", "en": "Replacement sent"},
        "orders.sale_event.reject": {"zh-CN": "商家拒绝", "en": "Rejected by the shop"},
        "orders.sale_event.escalate": {"zh-CN": "申请平台介入", "en": "Sent to arbitration"},
        "orders.sale_event.rule_return": {
            "zh-CN": "仲裁：寄回后退款",
            "en": "Ruling: refund once the goods are back",
        },
        "orders.sale_event.close": {"zh-CN": "关闭", "en": "Closed"},
        "orders.sale_event.withdraw": {"zh-CN": "撤销", "en": "Withdrawn"},
        "orders.timeline": {"zh-CN": "订单进度", "en": "Timeline"},
        "orders.event.placed": {"zh-CN": "下单", "en": "Ordered"},
        "orders.event.paid": {"zh-CN": "支付成功", "en": "Paid"},
        "orders.event.payment_failed": {"zh-CN": "支付失败", "en": "Payment failed"},
        "orders.event.payment_returned": {"zh-CN": "支付已退回", "en": "Payment returned"},
        "orders.event.cancelled": {"zh-CN": "订单取消", "en": "Cancelled"},
        "orders.event.shipped": {"zh-CN": "商家发货", "en": "Shipped"},
        "orders.event.delivered": {"zh-CN": "已签收", "en": "Delivered"},
        "orders.event.completed": {"zh-CN": "交易完成", "en": "Completed"},
        "orders.event.refunded": {"zh-CN": "退款到账", "en": "Refunded"},
        "orders.event.return_shipment_created": {"zh-CN": "填写退货物流", "en": "Return sent"},
        "orders.event.shipment_picked_up": {"zh-CN": "快递已揽收", "en": "Picked up"},
        "orders.event.shipment_in_transit": {"zh-CN": "运输中", "en": "In transit"},
        "orders.event.shipment_delivered": {"zh-CN": "快递已送达", "en": "Delivered"},
        "orders.event.shipment_failed": {"zh-CN": "派送失败", "en": "Delivery failed"},
        "orders.direction.outbound": {"zh-CN": "发货包裹", "en": "Parcel to you"},
        "orders.direction.return": {"zh-CN": "退货包裹", "en": "Return parcel"},
        "orders.parcels": {"zh-CN": "物流", "en": "Parcels"},
        "orders.no_parcels": {"zh-CN": "还没有发货", "en": "Not shipped yet"},
        "orders.no_tracking": {"zh-CN": "暂无物流信息", "en": "No tracking yet"},
        "orders.shipment_status.created": {"zh-CN": "待揽收", "en": "Waiting for pickup"},
        "orders.shipment_status.picked_up": {"zh-CN": "已揽收", "en": "Picked up"},
        "orders.shipment_status.in_transit": {"zh-CN": "运输中", "en": "In transit"},
        "orders.shipment_status.delivered": {"zh-CN": "已送达", "en": "Delivered"},
        "orders.shipment_status.failed": {"zh-CN": "派送失败", "en": "Failed"},
        "orders.tracking.picked_up": {"zh-CN": "已揽收", "en": "Picked up"},
        "orders.tracking.in_transit": {"zh-CN": "运输中", "en": "In transit"},
        "orders.tracking.delivered": {"zh-CN": "已送达", "en": "Delivered"},
        "orders.tracking.failed_delivery": {"zh-CN": "派送失败", "en": "Delivery failed"},
        "orders.review": {"zh-CN": "评价", "en": "Review"},
        "orders.review_ratings": {
            "zh-CN": "商品 {product} 星 · 物流 {logistics} 星 · 服务 {service} 星",
            "en": "Product {product}★ · delivery {logistics}★ · service {service}★",
        },
        "orders.followup": {"zh-CN": "追评", "en": "Follow-up"},
        "orders.review_later": {
            "zh-CN": "签收后可以评价",
            "en": "You can review the order once it is delivered",
        },
        "orders.complaints": {"zh-CN": "投诉", "en": "Complaints"},
        "orders.file_complaint": {
            "zh-CN": "投诉商家或主播",
            "en": "Complain about the shop or creator",
        },
        "orders.target.shop": {"zh-CN": "店铺：{name}", "en": "The shop: {name}"},
        "orders.target.creator": {"zh-CN": "主播：{name}", "en": "The creator: {name}"},
        "orders.complaint_category.counterfeit": {"zh-CN": "售假", "en": "Counterfeit goods"},
        "orders.complaint_category.false_advertising": {
            "zh-CN": "虚假宣传",
            "en": "False advertising",
        },
        "orders.complaint_category.rude_service": {"zh-CN": "服务态度差", "en": "Rude service"},
        "orders.complaint_category.delivery_problem": {"zh-CN": "物流问题", "en": "Delivery"},
        "orders.complaint_category.off_platform_payment": {
            "zh-CN": "诱导站外交易",
            "en": "Asked to pay off the platform",
        },
        "orders.complaint_category.other": {"zh-CN": "其他", "en": "Other"},
        "orders.complaint_status.open": {"zh-CN": "待处理", "en": "Open"},
        "orders.complaint_status.under_review": {"zh-CN": "处理中", "en": "Under review"},
        "orders.complaint_status.upheld": {"zh-CN": "投诉成立", "en": "Upheld"},
        "orders.complaint_status.dismissed": {"zh-CN": "未成立", "en": "Dismissed"},
        "orders.complaint_status.withdrawn": {"zh-CN": "已撤销", "en": "Withdrawn"},
        "orders.field.kind": {"zh-CN": "售后类型", "en": "What you want"},
        "orders.field.reason": {"zh-CN": "原因", "en": "Reason"},
        "orders.field.description": {"zh-CN": "问题描述", "en": "What happened"},
        "orders.field.evidence_urls": {
            "zh-CN": "凭证图片链接（每行一个）",
            "en": "Photo or document links (one a line)",
        },
        "orders.field.amount": {"zh-CN": "金额（元，选填）", "en": "Amount in yuan (optional)"},
        "orders.field.carrier_code": {"zh-CN": "快递公司", "en": "Carrier"},
        "orders.field.tracking_no": {"zh-CN": "快递单号", "en": "Tracking number"},
        "orders.field.statement": {
            "zh-CN": "向平台说明情况",
            "en": "Tell the arbitrator what happened",
        },
        "orders.field.guarantee": {"zh-CN": "保障项目", "en": "Guarantee"},
        "orders.field.code": {"zh-CN": "保障项目", "en": "Guarantee"},
        "orders.field.remedy": {"zh-CN": "希望的处理方式", "en": "What you want"},
        "orders.field.product_rating": {"zh-CN": "商品评分", "en": "Product"},
        "orders.field.logistics_rating": {"zh-CN": "物流评分", "en": "Delivery"},
        "orders.field.service_rating": {"zh-CN": "服务评分", "en": "Service"},
        "orders.field.review_text": {
            "zh-CN": "说说你的感受（选填）",
            "en": "Your words (optional)",
        },
        "orders.field.text": {"zh-CN": "内容", "en": "Text"},
        "orders.field.followup": {"zh-CN": "追评内容", "en": "Your follow-up"},
        "orders.field.anonymous": {"zh-CN": "匿名评价", "en": "Post anonymously"},
        "orders.field.target": {"zh-CN": "投诉对象", "en": "About"},
        "orders.field.category": {"zh-CN": "投诉类型", "en": "Kind of problem"},
        "orders.hint.evidence": {
            "zh-CN": "以 http:// 或 https:// 开头，最多 9 个",
            "en": "Starting with http:// or https://, at most 9",
        },
        "orders.hint.amount": {
            "zh-CN": "不填则为全部可退金额 {max}",
            "en": "Leave empty for all that can be refunded: {max}",
        },
        "orders.hint.claim_amount": {
            "zh-CN": "不填则按保障上限申请",
            "en": "Leave empty to claim what the promise allows",
        },
        "orders.hint.complaint": {"zh-CN": "10 到 2000 个字", "en": "10 to 2,000 characters"},
        "orders.error.bad_status": {"zh-CN": "没有这个订单状态", "en": "No such order status"},
        "orders.error.choose": {"zh-CN": "请从列表中选择", "en": "Choose one from the list"},
        "orders.error.too_long_1000": {"zh-CN": "最多 1000 个字", "en": "At most 1,000 characters"},
        "orders.error.too_long_2000": {"zh-CN": "最多 2000 个字", "en": "At most 2,000 characters"},
        "orders.error.too_many_urls": {"zh-CN": "最多 9 个链接", "en": "At most 9 links"},
        "orders.error.bad_url": {
            "zh-CN": "每行须为一个 http:// 或 https:// 开头的链接",
            "en": "Each line must be a link starting with http:// or https://",
        },
        "orders.error.bad_amount": {
            "zh-CN": "请输入大于 0 的金额，如 12.50",
            "en": "Enter an amount above zero, such as 12.50",
        },
        "orders.error.rating": {"zh-CN": "请选择 1 到 5 星", "en": "Choose 1 to 5 stars"},
        "orders.error.statement_length": {
            "zh-CN": "请用 5 到 1000 个字说明",
            "en": "Use 5 to 1,000 characters",
        },
        "orders.error.complaint_length": {
            "zh-CN": "请用 10 到 2000 个字描述",
            "en": "Use 10 to 2,000 characters",
        },
        "orders.error.not_delivered": {
            "zh-CN": "订单签收后才能这样做",
            "en": "Possible once the order is delivered",
        },
        "orders.error.aftersale_open": {
            "zh-CN": "这笔订单已有进行中的售后",
            "en": "This order has an after-sale in progress",
        },
        "orders.error.window_closed": {
            "zh-CN": "已超过可申请的期限",
            "en": "The time to ask for this has passed",
        },
        "orders.error.no_reason_exempt": {
            "zh-CN": "该类商品不支持七天无理由退货",
            "en": "This category takes no 7-day no-reason returns",
        },
        "orders.error.invalid_state": {
            "zh-CN": "当前状态下不能这样做，请刷新页面",
            "en": "Not possible in the current state; reload the page",
        },
        "orders.error.tracking_no_taken": {
            "zh-CN": "这个单号已被使用",
            "en": "This tracking number is already in use",
        },
        "orders.error.not_covered": {
            "zh-CN": "这笔订单没有这项保障",
            "en": "This order is not covered by this guarantee",
        },
        "orders.error.opened_by_event": {
            "zh-CN": "这项保障会自动赔付，无需申请",
            "en": "This guarantee pays by itself; there is nothing to claim",
        },
        "orders.error.duplicate_claim": {
            "zh-CN": "已经申请过这项理赔",
            "en": "A claim for this has been opened already",
        },
        "orders.error.evidence_required": {
            "zh-CN": "这项理赔需要凭证（照片或鉴定报告）",
            "en": "This claim needs evidence (a photo or the appraisal report)",
        },
        "orders.error.above_cap": {
            "zh-CN": "超过这项保障的赔付上限",
            "en": "Above what this promise pays",
        },
        "orders.error.refunded": {
            "zh-CN": "订单已全额退款",
            "en": "The order has been refunded in full",
        },
        "orders.error.already_reviewed": {
            "zh-CN": "这笔订单已经评价过了",
            "en": "You have reviewed this order already",
        },
        "orders.error.review_window_closed": {
            "zh-CN": "已超过评价期限（签收后 15 天）",
            "en": "Reviews close 15 days after delivery",
        },
        "orders.error.already_followed_up": {
            "zh-CN": "每条评价只能追评一次",
            "en": "A review takes one follow-up",
        },
        "orders.error.followup_window_closed": {
            "zh-CN": "已超过追评期限（签收后 180 天）",
            "en": "Follow-ups close 180 days after delivery",
        },
        "orders.error.no_review": {"zh-CN": "请先发布评价", "en": "Write the review first"},
        "orders.error.duplicate_complaint": {
            "zh-CN": "你已有一条同类投诉在处理中",
            "en": "You have an open complaint about this already",
        },
        "orders.error.aftersale.kind": {
            "zh-CN": "七天无理由须寄回商品：请选择退货退款或换货",
            "en": "A no-reason request sends the goods back: choose return or exchange",
        },
        "orders.error.aftersale.evidence_urls": {
            "zh-CN": "这个原因需要上传凭证",
            "en": "Photos or documents are required for this reason",
        },
        "orders.error.aftersale.amount": {
            "zh-CN": "不能超过可退金额",
            "en": "More than what is left to refund",
        },
        "orders.error.return.carrier_code": {"zh-CN": "没有这家快递公司", "en": "No such carrier"},
        "orders.error.return.tracking_no": {
            "zh-CN": "单号须为 6 到 40 位字母、数字或 -",
            "en": "Must be 6 to 40 letters, digits or '-'",
        },
        "orders.error.claim.remedy": {
            "zh-CN": "这项保障不提供这种处理方式",
            "en": "This guarantee does not offer that",
        },
        "orders.error.claim.evidence_urls": {
            "zh-CN": "每行须为一个 http:// 或 https:// 开头的链接",
            "en": "Each line must be a link starting with http:// or https://",
        },
        "orders.error.claim.amount": {
            "zh-CN": "请输入不超过保障上限的金额",
            "en": "Enter an amount within what the promise pays",
        },
        "orders.error.complaint.target": {
            "zh-CN": "不能投诉这个对象",
            "en": "You cannot complain about this one",
        },
        "me.title": {"zh-CN": "我的", "en": "Me"},
        "me.orders": {"zh-CN": "我的订单（{n}）", "en": "My orders ({n})"},
        "me.claims": {"zh-CN": "我的理赔", "en": "My claims"},
        "me.claims_link": {"zh-CN": "我的理赔（{n}）", "en": "My claims ({n})"},
        "me.claims_count": {"zh-CN": "共 {n} 笔理赔", "en": "{n} claims"},
        "me.no_claims": {"zh-CN": "还没有理赔", "en": "No claims yet"},
        "me.credit": {"zh-CN": "我的信用", "en": "My credit"},
        "me.credit_range": {"zh-CN": "满分 100，每日更新", "en": "Out of 100, recomputed daily"},
        "me.credit_use": {
            "zh-CN": "信用良好（70 分以上）可享极速退款等服务",
            "en": "Good credit (70 or more) brings fast refunds and other services",
        },
        "me.why": {"zh-CN": "为什么是这个分数", "en": "Why this score"},
        "me.no_reasons": {"zh-CN": "暂无明细", "en": "No details yet"},
        "me.tips": {"zh-CN": "如何提升", "en": "How to raise it"},
        "me.tip.completed_orders": {
            "zh-CN": "每完成一笔订单（确认收货）信用都会提高，直到满分",
            "en": "Every order you complete (confirm receipt) adds credit, up to the full points",
        },
        "me.tip.returns": {
            "zh-CN": "你的退货比同类商品的常见水平多：下单前看清尺码和描述",
            "en": "You return more than is usual for what you buy: check sizes and descriptions "
            "before you order",
        },
        "me.tip.buyer_fault": {
            "zh-CN": "有售后被判定为你的责任：申请售后时请如实描述并附上证据",
            "en": "An after-sale was ruled your fault: describe what happened truthfully and add "
            "evidence when you ask",
        },
        "me.tip.rejected_claims": {
            "zh-CN": "被拒绝的售后申请会降低信用：先与商家沟通，再提交有依据的申请",
            "en": "Rejected after-sale requests cost credit: talk to the shop first and ask with "
            "grounds",
        },
        "me.tip.failed_payments": {
            "zh-CN": "支付失败会降低信用：付款前请确认支付方式可用",
            "en": "Failed payments cost credit: check your payment method before you pay",
        },
        "me.tip.integrity_flags": {
            "zh-CN": "你的账户或订单被标记为异常：如有疑问请联系客服申诉",
            "en": "Your account or orders were flagged as irregular: contact support to appeal",
        },
        "me.level.excellent": {"zh-CN": "极好", "en": "Excellent"},
        "me.level.good": {"zh-CN": "良好", "en": "Good"},
        "me.level.fair": {"zh-CN": "一般", "en": "Fair"},
        "me.level.low": {"zh-CN": "较低", "en": "Low"},
        "me.reason.base": {"zh-CN": "基础分", "en": "Starting points"},
        "me.reason.account_age": {"zh-CN": "账号年龄", "en": "Account age"},
        "me.reason.completed_orders": {"zh-CN": "完成的订单", "en": "Completed orders"},
        "me.reason.returns": {"zh-CN": "退货", "en": "Returns"},
        "me.reason.buyer_fault": {"zh-CN": "仲裁判定买家责任", "en": "Rulings against you"},
        "me.reason.rejected_claims": {"zh-CN": "被驳回的理赔", "en": "Rejected claims"},
        "me.reason.failed_payments": {"zh-CN": "支付失败", "en": "Failed payments"},
        "me.reason.integrity_flags": {"zh-CN": "异常行为标记", "en": "Integrity flags"},
        "me.reason_detail.account_age": {"zh-CN": "注册 {n} 天", "en": "account {n} days old"},
        "me.reason_detail.completed_orders": {"zh-CN": "{n} 笔", "en": "{n} completed"},
        "me.reason_detail.returns": {
            "zh-CN": "退货 {n} 次，同类商品通常约 {expected} 次",
            "en": "{n} returns where {expected} are normal for what you buy",
        },
        "me.reason_detail.buyer_fault": {"zh-CN": "{n} 次", "en": "{n} times"},
        "me.reason_detail.rejected_claims": {"zh-CN": "{n} 次", "en": "{n} times"},
        "me.reason_detail.failed_payments": {"zh-CN": "{n} 次", "en": "{n} times"},
        "me.reason_detail.integrity_flags": {"zh-CN": "{n} 次", "en": "{n} times"},
        "me.follows": {"zh-CN": "我的关注", "en": "Creators I follow"},
        "me.follow_count": {"zh-CN": "关注了 {n} 位主播", "en": "Following {n} creators"},
        "me.followed_at": {"zh-CN": "{at} 关注", "en": "since {at}"},
        "me.no_follows": {
            "zh-CN": "还没有关注主播，去直播间看看吧",
            "en": "You follow no one yet; drop into a live room",
        },
    }
)

# -- the shop experience score as buyers see it (discovery cards, product page) --
MESSAGES.update(
    {
        "shopscore.title": {"zh-CN": "店铺体验分", "en": "Shop experience score"},
        "shopscore.band.excellent": {"zh-CN": "优秀", "en": "Excellent"},
        "shopscore.band.good": {"zh-CN": "良好", "en": "Good"},
        "shopscore.band.fair": {"zh-CN": "一般", "en": "Fair"},
        "shopscore.band.poor": {"zh-CN": "较差", "en": "Poor"},
        "shopscore.not_enough": {
            "zh-CN": "新店铺，订单还不够多，暂无评分",
            "en": "A new shop: not enough orders for a score yet",
        },
        "shopscore.dim.product": {"zh-CN": "商品", "en": "Product"},
        "shopscore.dim.logistics": {"zh-CN": "物流", "en": "Delivery"},
        "shopscore.dim.service": {"zh-CN": "服务", "en": "Service"},
        "shopscore.dim.product.about": {
            "zh-CN": "收到的商品是否满意：差评少、因质量退货少",
            "en": "Whether what arrives is good: few bad reviews, few returns for quality",
        },
        "shopscore.dim.logistics.about": {
            "zh-CN": "发货准时、送达快",
            "en": "Ships on time and arrives fast",
        },
        "shopscore.dim.service.about": {
            "zh-CN": "投诉少、售后响应快、很少取消订单",
            "en": "Few complaints, quick answers to after-sales, rarely cancels orders",
        },
    }
)

# -- guarantees as the live room's pinned product lists them (short labels) --
MESSAGES.update(
    {
        "live.guarantee.return_postage": {"zh-CN": "退货补运费", "en": "Return postage paid"},
        "live.guarantee.no_reason_7d": {"zh-CN": "七天无理由退货", "en": "7-day no-reason return"},
        "live.guarantee.fast_refund": {"zh-CN": "极速退款", "en": "Fast refund"},
        "live.guarantee.counterfeit_10x": {"zh-CN": "假一赔十", "en": "Counterfeit pays 10×"},
        "live.guarantee.damage_doa": {"zh-CN": "坏了包赔", "en": "Damage covered"},
        "live.guarantee.allergy_return": {"zh-CN": "过敏包退", "en": "Allergy returns"},
        "live.guarantee.certified_jewellery": {"zh-CN": "真宝仓鉴定", "en": "Certified piece"},
        "live.guarantee.used_phone_warranty": {
            "zh-CN": "180天质保",
            "en": "180-day warranty",
        },
    }
)
