"""Names as offices write them → units and leaders: one resolver for every import.

Offices write one unit many ways (区发改局, 发改局, 示例区发改局, 示例区发展和改革局, 发展改革局). A
written name is compared by its key: NFKC (full-width forms to ASCII), no whitespace, without
the district's prefix ("示例区", learned from the units' own full names) and a leading 区/县.
The key is looked up among every unit's full name, short name and aliases (NameAlias). A name
that matches nothing, or more than one unit, gets the closest units as candidates; the office's
choice is remembered as an alias (org.services.name_alias_add), so the next file needs nothing.

Leaders are found by name, or by name and title when two people share a name ("张伟（副区长）",
"副区长张伟"), and through their aliases likewise.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from duban.org.models import NameAlias, Unit, User

MAX_NAME = 100  # longer text is no unit's name: compared by its first 100 characters only
MAX_COMPARED = 30  # similarity looks at the first 30 characters (no unit's name is longer)
# Closest candidates are looked for this many unknown names per import; the rest of a file
# naming thousands of unknown units are listed without them (what a hostile file can cost).
MAX_CANDIDATE_NAMES = 200
CANDIDATES = 3
MIN_SCORE = 0.5
# The first characters of a full name up to 区/县/旗 (示例区, 某某县) are the district's prefix
# when at least this many units' full names start with them.
PREFIX_MIN_UNITS = 2
_PREFIX = re.compile(r"^(.{2,5}?)(区|县|旗)")
_BRACKETS = str.maketrans("", "", "()[]{}<>\"'`")
_LEADING = ("区", "县")


def name_key(text: str) -> str:
    """A name compared without spaces or full-width forms (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def district_prefixes(full_names: Iterable[str]) -> list[str]:
    """The district prefixes the units' full names share, longest first ("示例区", "示例")."""
    counts: Counter[str] = Counter()
    for name in full_names:
        if m := _PREFIX.match(name_key(name)):
            counts[m.group(0)] += 1
    found: set[str] = set()
    for prefix, n in counts.items():
        if n >= PREFIX_MIN_UNITS:
            found.add(prefix)
            found.add(prefix[:-1])  # 示例发改局: the district's name without 区
    return sorted(found, key=len, reverse=True)


def unit_key(text: str, prefixes: Sequence[str]) -> str:
    """The key a unit's name is compared by: no district prefix, no leading 区/县."""
    key = name_key(text)[:MAX_NAME]
    for prefix in prefixes:
        if key.startswith(prefix) and len(key) - len(prefix) >= 2:
            key = key[len(prefix) :]
            break
    if key[:1] in _LEADING and len(key) >= 3:
        key = key[1:]
    return key


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def similarity(a: str, b: str) -> float:
    """0–1: how alike two keys are; an abbreviation (住建局 in 住房和城乡建设局) scores high."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    a, b = a[:MAX_COMPARED], b[:MAX_COMPARED]
    score = SequenceMatcher(None, a, b, autojunk=False).ratio()
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 2 and _subsequence(short, long):
        score = max(score, 0.6 + 0.35 * len(short) / len(long))
    return score


class UnitNames:
    """Every unit's names, read once: resolve a written name, or offer the closest units."""

    def __init__(self, units: Iterable[Unit], aliases: Iterable[tuple[str, int]]) -> None:
        self.units = {u.pk: u for u in units}
        self.prefixes = district_prefixes(u.name for u in self.units.values())
        self.keys: dict[str, set[int]] = defaultdict(set)
        for unit in self.units.values():
            for text in (unit.name, unit.short_name, unit.code):
                if text:
                    self.keys[unit_key(text, self.prefixes)].add(unit.pk)
                    self.keys[name_key(text)[:MAX_NAME]].add(unit.pk)
        for alias, unit_id in aliases:
            if unit_id in self.units:
                self.keys[unit_key(alias, self.prefixes)].add(unit_id)
                self.keys[name_key(alias)[:MAX_NAME]].add(unit_id)
        self.keys.pop("", None)

    @classmethod
    def load(cls) -> UnitNames:
        return cls(
            Unit.objects.all(),
            NameAlias.objects.filter(unit__isnull=False).values_list("alias", "unit_id"),  # type: ignore[arg-type]
        )

    def matches(self, text: str) -> list[Unit]:
        """The units the name names: one, none, or several when it is ambiguous."""
        ids = self.keys.get(name_key(text)[:MAX_NAME]) or self.keys.get(
            unit_key(text, self.prefixes), set()
        )
        return [self.units[i] for i in sorted(ids)]

    def resolve(self, text: str) -> Unit | None:
        found = self.matches(text)
        return found[0] if len(found) == 1 else None

    def get(self, text: str) -> Unit | None:
        """A unit by its code, or else by a name that resolves (the CLI's `--unit`)."""
        for unit in self.units.values():
            if unit.code == text.strip():
                return unit
        return self.resolve(text)

    def candidates(self, text: str, limit: int = CANDIDATES) -> list[Unit]:
        """The closest units to a name that resolves to none (or to several), best first."""
        key = unit_key(text, self.prefixes)
        scores: dict[int, float] = {}
        for k, ids in self.keys.items():
            score = similarity(key, k)
            if score >= MIN_SCORE:
                for i in ids:
                    scores[i] = max(scores.get(i, 0.0), score)
        ranked = sorted(scores, key=lambda i: (-scores[i], self.units[i].sort_order, i))
        return [self.units[i] for i in ranked[:limit]]


class LeaderNames:
    """People by the names the files give them, with their title when two share a name."""

    def __init__(self, users: Iterable[User], aliases: Iterable[tuple[str, int]]) -> None:
        self.users = {u.pk: u for u in users}
        self.names: dict[str, set[int]] = defaultdict(set)
        self.titled: dict[str, set[int]] = defaultdict(set)
        for user in self.users.values():
            for text in {user.full_name, user.username} - {""}:
                key = _person_key(text)
                self.names[key].add(user.pk)
                if user.title:
                    for title in _titles(user.title):
                        self.titled[key + title].add(user.pk)
                        self.titled[title + key].add(user.pk)
        for alias, user_id in aliases:
            if user_id in self.users:
                self.names[_person_key(alias)].add(user_id)
        self.names.pop("", None)

    @classmethod
    def load(cls) -> LeaderNames:
        users = User.objects.filter(is_active=True).only(
            "id", "username", "full_name", "title", "first_name", "last_name"
        )
        aliases = NameAlias.objects.filter(user__isnull=False).values_list("alias", "user_id")
        return cls(users, aliases)  # type: ignore[arg-type]

    def matches(self, text: str) -> list[User]:
        """The people the text names: by title and name first, then by name alone."""
        key = _person_key(text)
        ids = self.titled.get(key) or self.names.get(key, set())
        return [self.users[i] for i in sorted(ids)]

    def candidates(self, text: str, limit: int = CANDIDATES) -> list[User]:
        """The closest people: by name, or by name and title ("张副区长" → 张伟, 副区长)."""
        key = _person_key(text)
        scores = {
            i: max(
                similarity(key, _person_key(u.full_name or u.username)),
                similarity(key, _person_key((u.full_name or u.username) + u.title))
                if u.title
                else 0.0,
            )
            for i, u in self.users.items()
        }
        ranked = sorted((i for i in scores if scores[i] >= MIN_SCORE), key=lambda i: -scores[i])
        return [self.users[i] for i in ranked[:limit]]


def _person_key(text: str) -> str:
    return name_key(text)[:MAX_NAME].translate(_BRACKETS)


def _titles(title: str) -> set[str]:
    """A title and its parts: "区委常委、常务副区长" → itself, 区委常委, 常务副区长."""
    parts = {_person_key(p) for p in re.split(r"[、,，;；/\s]+", title)}
    return ({_person_key(title)} | parts) - {""}
