"""China's 34 provincial-level divisions (省级行政区): the provinces a return address (and later
a delivery address) may name, with the region each belongs to.

Return-postage distance classes (same province, neighbouring region, far) will be computed from
``region``; keep the data here so that every domain reads one list.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Province:
    short: str  # the name used in addresses and stored on rows: 浙江, 内蒙古, 香港
    full: str  # the official name: 浙江省, 内蒙古自治区, 香港特别行政区
    name_en: str
    region: str  # 华北 东北 华东 华中 华南 西南 西北 港澳台


_DIVISIONS = (
    # 4 municipalities (直辖市)
    Province("北京", "北京市", "Beijing", "华北"),
    Province("天津", "天津市", "Tianjin", "华北"),
    Province("上海", "上海市", "Shanghai", "华东"),
    Province("重庆", "重庆市", "Chongqing", "西南"),
    # 23 provinces (省)
    Province("河北", "河北省", "Hebei", "华北"),
    Province("山西", "山西省", "Shanxi", "华北"),
    Province("辽宁", "辽宁省", "Liaoning", "东北"),
    Province("吉林", "吉林省", "Jilin", "东北"),
    Province("黑龙江", "黑龙江省", "Heilongjiang", "东北"),
    Province("江苏", "江苏省", "Jiangsu", "华东"),
    Province("浙江", "浙江省", "Zhejiang", "华东"),
    Province("安徽", "安徽省", "Anhui", "华东"),
    Province("福建", "福建省", "Fujian", "华东"),
    Province("江西", "江西省", "Jiangxi", "华东"),
    Province("山东", "山东省", "Shandong", "华东"),
    Province("河南", "河南省", "Henan", "华中"),
    Province("湖北", "湖北省", "Hubei", "华中"),
    Province("湖南", "湖南省", "Hunan", "华中"),
    Province("广东", "广东省", "Guangdong", "华南"),
    Province("海南", "海南省", "Hainan", "华南"),
    Province("四川", "四川省", "Sichuan", "西南"),
    Province("贵州", "贵州省", "Guizhou", "西南"),
    Province("云南", "云南省", "Yunnan", "西南"),
    Province("陕西", "陕西省", "Shaanxi", "西北"),
    Province("甘肃", "甘肃省", "Gansu", "西北"),
    Province("青海", "青海省", "Qinghai", "西北"),
    Province("台湾", "台湾省", "Taiwan", "港澳台"),
    # 5 autonomous regions (自治区)
    Province("内蒙古", "内蒙古自治区", "Inner Mongolia", "华北"),
    Province("广西", "广西壮族自治区", "Guangxi", "华南"),
    Province("西藏", "西藏自治区", "Tibet", "西南"),
    Province("宁夏", "宁夏回族自治区", "Ningxia", "西北"),
    Province("新疆", "新疆维吾尔自治区", "Xinjiang", "西北"),
    # 2 special administrative regions (特别行政区)
    Province("香港", "香港特别行政区", "Hong Kong", "港澳台"),
    Province("澳门", "澳门特别行政区", "Macau", "港澳台"),
)

PROVINCES: dict[str, Province] = {p.short: p for p in _DIVISIONS}
_BY_ANY_NAME: dict[str, Province] = {
    **{p.full: p for p in _DIVISIONS},
    **{p.name_en.casefold(): p for p in _DIVISIONS},
    **PROVINCES,
}


def find_province(name: str) -> Province | None:
    """The division named by its short (浙江), full (浙江省) or English (Zhejiang) name."""
    key = unicodedata.normalize("NFKC", name).strip()
    return _BY_ANY_NAME.get(key) or _BY_ANY_NAME.get(key.casefold())


def is_province(name: str) -> bool:
    return find_province(name) is not None
