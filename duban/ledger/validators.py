from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 全国投资项目在线审批监管平台 code: YYYY-AAAAAA-DD-TT-RRRRRC (24 characters).
PROJECT_CODE_RE = re.compile(r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{5}[0-9A-Z]$")


def validate_project_code(value: str) -> None:
    if not PROJECT_CODE_RE.match(value or ""):
        raise ValidationError(
            _(
                "项目代码应为24位，形如 2023-230103-78-01-012345"
                "（年份-行政区划-行业-类型-流水号及校验位）：%(v)s"
            ),
            params={"v": value},
            code="project_code_shape",
        )


def normalize_project_code(value: str | None) -> str | None:
    """Full-width digits and dashes (typed in Chinese input mode) become ASCII; blank → None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value).strip().upper().replace("—", "-").replace("－", "-")
    return text or None
