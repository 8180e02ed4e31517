"""The office's answers to "which unit or leader is this name?", as the CLI and the API take
them: `名称=单位代码`, `名称=@用户名` (a leader), `名称=new` (create it), and the unit of a file
without a lead-unit column (a code or a name that resolves). The pages carry the same answers
as JSON (name_choices_load, name_choices_dump), which a ledger import's record keeps and a
problem list's error workbook link carries, so that the marked workbook is checked with the
same answers as the preview it came from; every importer turns them into NameChoices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.org.models import Unit, User
from duban.org.names import UnitNames, name_key
from duban.transfer.imports.plan_names import NameChoices

NEW = "new"
# More answers than any file has names; keeps a hostile request's cost bounded.
MAX_ALIASES = 500
# The longest choices JSON a form or a link carries.
MAX_CHOICES_TEXT = 20000


def name_choices_read(pairs: Sequence[str], unit: str | None = None) -> NameChoices:
    """`名称=目标` pairs and the file's unit as NameChoices; ApplicationError naming the first
    pair that is malformed or names no unit or user."""
    if len(pairs) > MAX_ALIASES:
        raise ApplicationError(_("名称对应最多%(n)s条。") % {"n": MAX_ALIASES}, field="alias")
    units = UnitNames.load()
    by_code = {u.code: u for u in units.units.values()}
    usernames = {t.strip()[1:] for p in pairs if (t := p.partition("=")[2]).strip().startswith("@")}
    users = {u.username: u for u in User.objects.filter(username__in=sorted(usernames))}
    choices = NameChoices()
    for pair in pairs:
        name, sep, target = pair.partition("=")
        name, target = name.strip(), target.strip()
        if not sep or not name or not target:
            raise ApplicationError(
                _("名称对应应写成“名称=单位代码”（领导写“名称=@用户名”）：%(pair)s")
                % {"pair": pair},
                field="alias",
            )
        if target.lower() == NEW:
            choices.units[name_key(name)] = None
        elif target.startswith("@"):
            user = users.get(target[1:])
            if user is None:
                raise ApplicationError(
                    _("用户不存在：%(name)s") % {"name": target[1:]}, field="alias"
                )
            choices.leaders[name_key(name)] = user
        else:
            found = by_code.get(target)
            if found is None:
                raise ApplicationError(
                    _("单位代码不存在：%(code)s") % {"code": target}, field="alias"
                )
            choices.units[name_key(name)] = found
    if unit and unit.strip():
        choices.unit_for_file = units.get(unit)
        if choices.unit_for_file is None:
            raise ApplicationError(
                _("找不到单位：%(unit)s（请写单位代码或名称）") % {"unit": unit}, field="unit"
            )
    return choices


def _text_pairs(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in list(value.items())[:MAX_ALIASES] if isinstance(v, str)}


def name_choices_load(text: str | None) -> NameChoices:
    """The choices as JSON: {"units": {name: code|"new"}, "leaders": {name: username|"new"},
    "unit": code}. Unknown codes and usernames, and anything malformed, are left out."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    # Only text answers: the JSON may come from a link anyone can edit.
    units = _text_pairs(data.get("units"))
    leaders = _text_pairs(data.get("leaders"))
    units_by_code = {u.code: u for u in Unit.objects.all()}
    choices = NameChoices()
    for name, code in units.items():
        if code == NEW:
            choices.units[name_key(str(name))] = None
        elif code in units_by_code:
            choices.units[name_key(str(name))] = units_by_code[code]
    wanted = [u for u in leaders.values() if u != NEW]
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    for name, username in leaders.items():
        if username == NEW:
            choices.leaders[name_key(str(name))] = None
        elif username in users:
            choices.leaders[name_key(str(name))] = users[username]
    choices.unit_for_file = units_by_code.get(str(data.get("unit") or ""))
    return choices


def name_choices_dump(choices: NameChoices | None) -> str:
    """The choices as name_choices_load reads them ("" when there are none)."""
    if choices is None:
        return ""
    data: dict[str, Any] = {}
    if choices.units:
        data["units"] = {k: (u.code if u else NEW) for k, u in choices.units.items()}
    if choices.leaders:
        data["leaders"] = {k: (u.username if u else NEW) for k, u in choices.leaders.items()}
    if choices.unit_for_file is not None:
        data["unit"] = choices.unit_for_file.code
    return json.dumps(data, ensure_ascii=False) if data else ""
