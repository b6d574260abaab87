"""Review texts in Chinese for the simulator.

Honest buyers write in their own words: a text is composed from many phrase pools (an opener,
something about the goods of the category, the delivery, the service, a detail of their own
life, a closing), each piece optional and drawn independently, so two honest texts share a
phrase now and then but are almost never near-duplicates of each other.

Fake reviews come from a script: a ring (or a review farm) has a few templates, and each account
posts one with small edits (a word swapped, punctuation, an emoji), which is what near-duplicate
detection looks for."""

from __future__ import annotations

import random

GOODS: dict[str, tuple[str, ...]] = {
    "apparel": (
        "面料摸着挺舒服",
        "版型比想象中好",
        "尺码偏大半码",
        "洗了一次没有缩水",
        "颜色和图片差不多",
        "线头有一两个",
        "腰身收得刚好",
        "袖子稍微长了点",
        "穿上显瘦",
        "领口做工细致",
        "有点起球",
        "厚薄合适",
    ),
    "cosmetics": (
        "质地很清爽",
        "上脸不油腻",
        "味道淡淡的",
        "用了一周皮肤细腻了",
        "保质期很新鲜",
        "包装密封完好",
        "颜色比试色偏深",
        "持妆时间一般",
        "敏感肌用着没问题",
        "吸收挺快",
        "小样也送了几个",
        "按压泵头好用",
    ),
    "food": (
        "口感香脆",
        "甜度刚刚好",
        "有点偏咸",
        "分量很足",
        "日期很新",
        "孩子抢着吃",
        "独立包装方便",
        "吃起来有嚼劲",
        "味道正宗",
        "冲泡后香气浓",
        "个头大小不一",
        "没有坏果",
    ),
    "home": (
        "做工扎实",
        "安装很简单",
        "尺寸和描述一致",
        "用起来没有异味",
        "收纳空间很大",
        "保温效果不错",
        "颜色很耐看",
        "声音有点大",
        "材质比预想的薄",
        "说明书写得清楚",
        "清洗方便",
        "摆在客厅很搭",
    ),
    "phones": (
        "运行流畅",
        "电池能撑一天",
        "屏幕没有划痕",
        "拍照清晰",
        "成色和描述一样",
        "信号很好",
        "发热不明显",
        "序列号查了是正品",
        "充电速度快",
        "边框有轻微磨损",
        "系统干净",
        "配件齐全",
    ),
    "jewellery": (
        "光泽很温润",
        "证书可以查到",
        "比照片还好看",
        "圈口刚好",
        "分量足",
        "做工精致",
        "颜色均匀",
        "戴着不过敏",
        "送妈妈她很喜欢",
        "盒子很上档次",
        "有一点点棉絮",
        "链子很细要小心",
    ),
    "fresh": (
        "到手还是活的",
        "冰袋没化",
        "肉质紧实",
        "个头均匀",
        "很新鲜",
        "清蒸特别鲜甜",
        "有两只不太精神",
        "包装很严实",
        "奶味很浓",
        "水分足",
        "炖汤很香",
        "膻味不重",
    ),
}
OPENERS = (
    "收到了",
    "第二次买了",
    "犹豫了很久才下单",
    "直播间看到的",
    "朋友推荐的",
    "趁活动买的",
    "给家里人买的",
    "跟着主播买的",
    "比较了好几家",
    "第一次在这家买",
    "回购",
    "",
    "",
)
LOGISTICS_GOOD = (
    "物流很快",
    "隔天就到了",
    "快递小哥很负责",
    "包装完好",
    "三天就收到了",
    "发货挺及时",
    "送货上门",
    "顺丰很给力",
)
LOGISTICS_BAD = (
    "物流太慢了",
    "等了快一周",
    "外箱压坏了",
    "发货拖了好几天",
    "快递放驿站也没通知",
    "中途停了两天",
)
SERVICE_GOOD = (
    "客服回复很耐心",
    "商家态度好",
    "有问题马上处理了",
    "客服解答得很清楚",
    "店家还写了小卡片",
)
SERVICE_BAD = (
    "客服半天不回",
    "售后推来推去",
    "商家态度一般",
    "问了几次都是机器人回复",
)
LIFE = (
    "周末带去露营用",
    "办公室同事也问链接",
    "老公说还行",
    "孩子很喜欢",
    "给爸妈寄了一份",
    "准备过年用",
    "用了{n}天再来评价",
    "等了{n}天才舍得拆",
    "这是第{n}次买了",
    "家里{n}口人都够",
    "搬家后第一单",
    "下雨天也照样送到",
    "自己留着用",
    "送闺蜜的",
    "",
    "",
    "",
)
CLOSING_GOOD = (
    "会回购",
    "推荐",
    "值这个价",
    "总体满意",
    "好评",
    "下次还来",
    "性价比高",
    "",
)
CLOSING_MID = ("一般般吧", "凑合", "还行", "中规中矩", "对得起价格", "")
CLOSING_BAD = ("不会再买了", "很失望", "不推荐", "差评", "和描述差太多", "退了")
PUNCT = ("，", "，", "。", "！", "～", " ")


def goods_key(category: str) -> str:
    for key in ("apparel", "cosmetics", "food", "home", "jewellery"):
        if category.startswith(key):
            return key
    if category.startswith("phones"):
        return "phones"
    return "fresh"


def honest_review(rng: random.Random, category: str, rating: int) -> str:
    """A buyer's own words about an order, from independent phrase pools."""
    goods = GOODS[goods_key(category)]
    parts = [rng.choice(OPENERS)]
    parts += rng.sample(goods, rng.choice((1, 1, 2, 2, 3)))
    if rating >= 4:
        if rng.random() < 0.6:
            parts.append(rng.choice(LOGISTICS_GOOD))
        if rng.random() < 0.35:
            parts.append(rng.choice(SERVICE_GOOD))
        closing: tuple[str, ...] = CLOSING_GOOD
    elif rating == 3:
        if rng.random() < 0.5:
            parts.append(rng.choice(LOGISTICS_GOOD + LOGISTICS_BAD))
        closing = CLOSING_MID
    else:
        if rng.random() < 0.6:
            parts.append(rng.choice(LOGISTICS_BAD + SERVICE_BAD))
        closing = CLOSING_BAD
    if rng.random() < 0.55:
        parts.insert(
            rng.randrange(1, len(parts) + 1), rng.choice(LIFE).format(n=rng.randint(2, 30))
        )
    parts.append(rng.choice(closing))
    words = [p for p in parts if p]
    if not words:  # pragma: no cover - the goods pool always gives one
        return "好评"
    text = ""
    for k, word in enumerate(words):
        text += word + (rng.choice(PUNCT) if k < len(words) - 1 else rng.choice(("", "。", "！")))
    return text.strip()


# A script: the template a ring or review farm posts, ``{item}`` and ``{adj}`` filled from small
# lists, with light edits per account.
SCRIPTS: tuple[str, ...] = (
    "宝贝收到了，质量非常好，{adj}，和图片一模一样，物流也很快，五星好评！",
    "非常满意的一次购物，{item}{adj}，做工精细，卖家服务态度超级好，强烈推荐！",
    "第一次在这家买{item}，没想到这么好，{adj}，包装精美，性价比超高，已经推荐给朋友了",
    "好评！{item}{adj}，正品无疑，客服非常耐心，发货神速，下次还会再来的，亲们放心买",
)
SCRIPT_ADJ = ("超出预期", "物超所值", "非常好用", "质感很棒", "特别满意")
SCRIPT_ITEM = ("这款", "宝贝", "商品", "东西")
SWAPS = (("非常", "很"), ("超级", "特别"), ("，", ","), ("！", "!"), ("很快", "超快"))
EDITS = ("", "", "👍", "!!", "～", "。", " 赞")


def fake_review(rng: random.Random, script: int) -> str:
    """One posting of a ring's script (``script`` picks it): the template with small edits, a
    word swapped here, a punctuation mark there, an emoji at the end."""
    adj = SCRIPT_ADJ[script % len(SCRIPT_ADJ)] if rng.random() < 0.9 else rng.choice(SCRIPT_ADJ)
    item = SCRIPT_ITEM[script % len(SCRIPT_ITEM)]
    text = SCRIPTS[script % len(SCRIPTS)].format(item=item, adj=adj)
    for old, new in SWAPS:
        if rng.random() < 0.25:
            text = text.replace(old, new, 1)
    return text + rng.choice(EDITS)


def shingles(text: str, k: int = 3) -> set[str]:
    """Character k-grams, for a near-duplicate measure (Jaccard) in tests and labels."""
    text = "".join(ch for ch in text if not ch.isspace())
    return {text[i : i + k] for i in range(max(1, len(text) - k + 1))}


def similarity(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0
