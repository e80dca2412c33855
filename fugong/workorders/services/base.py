"""Work-order use-cases: shared pieces."""

from ..models import (
    Category,
)

MAX_TEXT = 2000

DEFAULT_CATEGORIES = [
    ("logistics", "物流运输", "transport"),
    ("labour", "用工", "human_resources"),
    ("finance", "资金融资", "finance"),
    ("supplies", "防疫物资", "health"),
    ("materials", "原材料供应", "industry"),
    ("permits", "审批手续", "market"),
    ("prevention", "防控指导", "health"),
    ("energy", "能源要素", "energy"),
    ("infrastructure", "基础设施", "development"),
    ("policy", "政策咨询", "industry"),
    ("other", "其他", "other"),
]


def seed_categories(model: type = Category) -> None:
    """The default categories (the data migration passes its historical model)."""
    for position, (code, name, sector) in enumerate(DEFAULT_CATEGORIES):
        model.objects.get_or_create(
            code=code, defaults={"name": name, "sector": sector, "position": position}
        )
