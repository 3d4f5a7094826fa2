"""Demo awards: every programming division of the demo contest gets a rule (1 first, 1 second,
2 third, 1 encouragement prize), computed, reviewed and published, so the results page and the
award certificates show something. Idempotent."""
from __future__ import annotations

from tinhoc.access import SYSTEM

from . import services

DEMO_RULE = {"first": 1, "second": 1, "third": 2, "encouragement": 1}


def seed_awards(contest) -> int:
    """Publish the awards of the contest's programming divisions that have none yet; returns how many."""
    made = 0
    for division in contest.divisions:
        if not any(r.kind == "programming" for r in division.rounds) or services.award_set(division) is not None:
            continue
        services.save_rule(SYSTEM, division, "counts", DEMO_RULE)
        services.compute(SYSTEM, division)
        services.review(SYSTEM, division)
        services.publish(SYSTEM, division)
        made += 1
    return made
