"""Track completion rules, in a registry keyed by the name stored on `Track.rule`.

A rule looks only at course codes: the track's items (code, required?) and the codes the learner has
completed. An unknown or duplicate rule name fails at start-up (`check_tracks`).
"""
from __future__ import annotations

from typing import Callable, Iterable

Items = list[tuple[str, bool]]           # (course code, required) in the track's order
RuleCheck = Callable[[Items, set[str], dict], bool]

_rules: dict[str, RuleCheck] = {}


def register(name: str):
    def add(check: RuleCheck) -> RuleCheck:
        if name in _rules:
            raise ValueError(f"duplicate track completion rule {name!r}")
        _rules[name] = check
        return check
    return add


def get(name: str) -> RuleCheck:
    try:
        return _rules[name]
    except KeyError:
        raise ValueError(f"unknown track completion rule {name!r}") from None


def names() -> tuple[str, ...]:
    return tuple(_rules)


@register("all_of")
def all_of(items: Items, done: set[str], params: dict) -> bool:
    """Every course of the track (basic IU01–IU06, CIO, IT staff)."""
    return bool(items) and all(code in done for code, _ in items)


@register("required_plus_any")
def required_plus_any(items: Items, done: set[str], params: dict) -> bool:
    """Every required course plus any `n` of the others (advanced: IU01–IU06 + any three of IU07–IU15)."""
    required = [c for c, req in items if req]
    optional = [c for c, req in items if not req]
    n = int(params.get("n", 0))
    return all(c in done for c in required) and sum(c in done for c in optional) >= n


def is_complete(rule: str, params: dict, items: Iterable[tuple[str, bool]], done: set[str]) -> bool:
    return get(rule)(list(items), done, params or {})
