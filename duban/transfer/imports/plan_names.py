"""Which unit or leader each name of a file means: resolved through org.names, or chosen by
the office in the preview (remembered as aliases when the import writes), or missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from duban.org.models import Unit, User
from duban.org.names import MAX_CANDIDATE_NAMES, name_key
from duban.transfer.imports.lookup import Lookup
from duban.transfer.imports.rows import RowInput


@dataclass
class Missing:
    units: dict[str, str] = field(default_factory=dict)  # key → name as written
    leaders: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    # Names that resolve to nothing (or to several) but come close to existing ones: never
    # created by --create-missing; the office chooses (key → (name as written, candidates)).
    unit_candidates: dict[str, tuple[str, list[Unit]]] = field(default_factory=dict)
    leader_candidates: dict[str, tuple[str, list[User]]] = field(default_factory=dict)


@dataclass
class NameChoices:
    """The office's answers for names that resolve to no unit or leader.

    key (name_key of the name as written) → the unit or person it means, or None: create it.
    """

    units: dict[str, Unit | None] = field(default_factory=dict)
    leaders: dict[str, User | None] = field(default_factory=dict)
    unit_for_file: Unit | None = None  # the lead unit of a file that has no such column


@dataclass
class Learned:
    """Choices to remember as aliases when the import writes: key → (name as written, target)."""

    units: dict[str, tuple[str, Unit]] = field(default_factory=dict)
    leaders: dict[str, tuple[str, User]] = field(default_factory=dict)


def unit_shown(unit: Unit) -> str:
    if not unit.short_name or unit.short_name == unit.name:
        return unit.name
    return _("%(short)s（%(name)s）") % {"short": unit.short_name, "name": unit.name}


class NameResolver:
    """The names of one import: each resolved once, unknown ones with their candidates."""

    def __init__(
        self, *, lookup: Lookup, choices: NameChoices, create_missing: bool, sep: str
    ) -> None:
        self.lookup = lookup
        self.choices = choices
        self.create_missing = create_missing
        self.sep = sep
        self.missing = Missing()
        self.learned = Learned()
        self.resolved: dict[str, Unit] = {}  # name as written → the unit it resolved to

    def unit(self, ri: RowInput, name: str, field_name: str) -> Unit | None:
        if not name:
            return None
        resolved = self.resolved.get(name)
        if resolved is not None:
            return resolved  # a name read before (ledgers repeat their units)
        key = name_key(name)
        if key in self.choices.units:
            chosen = self.choices.units[key]
            if chosen is None:  # the office chose to create it
                self.missing.units.setdefault(key, name)
                return None
            if not self.lookup.units(name):
                self.learned.units.setdefault(key, (name, chosen))
            return chosen
        found = self.lookup.units(name)
        if len(found) == 1:
            if len(self.resolved) < 4096:
                self.resolved[name] = found[0]
            return found[0]
        if key not in self.missing.unit_candidates and key not in self.missing.units:
            asked = len(self.missing.unit_candidates) + len(self.missing.units)
            candidates = found or (
                self.lookup.unit_names.candidates(name) if asked < MAX_CANDIDATE_NAMES else []
            )
            if candidates:
                self.missing.unit_candidates[key] = (name, candidates)
            else:
                self.missing.units[key] = name
        if key in self.missing.unit_candidates:
            candidates = self.missing.unit_candidates[key][1]
            template = (
                _(
                    "“%(unit)s”可指多个单位：%(units)s，请在预览中选定（命令行用 --alias 名称=单位代码）"
                )
                if found
                else _(
                    "系统中没有单位“%(unit)s”，最接近的是：%(units)s。请在预览中选定"
                    "（命令行用 --alias 名称=单位代码），确认是新单位时再选择新建"
                )
            )
            ri.error(
                field_name,
                template
                % {"unit": name, "units": self.sep.join(unit_shown(u) for u in candidates)},
            )
        elif not self.create_missing:
            ri.error(
                field_name,
                _("系统中没有单位“%(unit)s”（可选择“创建缺少的单位和领导”）") % {"unit": name},
            )
        return None

    def leader(self, ri: RowInput) -> User | None:
        if not ri.leader:
            return None
        key = name_key(ri.leader)
        if key in self.choices.leaders:
            chosen = self.choices.leaders[key]
            if chosen is None:
                self.missing.leaders.setdefault(key, ri.leader)
                return None
            if not self.lookup.leader(ri.leader):
                self.learned.leaders.setdefault(key, (ri.leader, chosen))
            return chosen
        users = self.lookup.leader(ri.leader)
        if len(users) > 1:
            names = self.sep.join(
                _("%(name)s（%(title)s，%(code)s）")
                % {"name": u.display_name, "title": u.title or "—", "code": u.username}
                for u in users
            )
            ri.error(
                "leader",
                _("有多位同名人员：%(names)s，请在表中写明职务（如“张伟（副区长）”）或在预览中选定")
                % {"names": names},
            )
            self.missing.leader_candidates.setdefault(key, (ri.leader, users))
            return None
        if not users:
            if key not in self.missing.leader_candidates and key not in self.missing.leaders:
                asked = len(self.missing.leader_candidates) + len(self.missing.leaders)
                candidates = (
                    self.lookup.leader_names.candidates(ri.leader)
                    if asked < MAX_CANDIDATE_NAMES
                    else []
                )
                if candidates:
                    self.missing.leader_candidates[key] = (ri.leader, candidates)
                else:
                    self.missing.leaders[key] = ri.leader
            if key in self.missing.leader_candidates:
                candidates = self.missing.leader_candidates[key][1]
                ri.error(
                    "leader",
                    _("系统中没有领导“%(leader)s”，最接近的是：%(names)s。请在预览中选定")
                    % {
                        "leader": ri.leader,
                        "names": self.sep.join(u.display_name for u in candidates),
                    },
                )
            elif not self.create_missing:
                ri.error(
                    "leader",
                    _("系统中没有领导“%(leader)s”（可选择“创建缺少的单位和领导”）")
                    % {"leader": ri.leader},
                )
            return None
        return users[0]
