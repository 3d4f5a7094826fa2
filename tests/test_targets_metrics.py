"""Every metric equals a count done here in plain Python over the same rows, for the root and for
subtrees, today and as of an earlier day; the children's figures add up to the parent's; the
missing lists are exactly the complement; a duplicate metric name fails at import."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.targets_helpers import hand_count, target_province, target_world  # noqa: F401

ROOTS = ["T01", "H-0", "H-2", "SO-1", "H-1-X2"]
METRICS = ["cio_leader", "it_staff", "basic_certificate", "advanced_certificate", "trained_year",
           "exam_pass_rate", "contest_entrants_A", "contest_entrants_B", "contest_entrants_C1",
           "contest_entrants_C2"]


@pytest.mark.parametrize("root_code", ROOTS)
@pytest.mark.parametrize("days_ago", [0, 30])
def test_every_metric_equals_a_hand_count(db, target_world, root_code, days_ago):
    from tinhoc.certification.targets import metrics, services
    from tinhoc.certification.targets.metrics import end_of_day
    root = target_world["units"][root_code]
    day = services.today() - timedelta(days=days_ago)
    as_of = end_of_day(day)
    for name in METRICS:
        metric = metrics.get(name)
        expected = hand_count(target_world, root, name, as_of)
        assert services.subtree_figure(metric, root, day) == expected, (name, root_code)
        children = services.by_child(metric, root, day)
        assert sum(n for n, _ in children.values()) == expected[0], name
        if metric.share:
            assert sum(d for _, d in children.values()) == expected[1], name


def test_figures_are_not_all_trivial(db, target_world):
    """The generated province must exercise both sides of every metric (else the hand count proves little)."""
    from tinhoc.certification.targets import metrics, services
    root = target_world["units"]["T01"]
    for name in METRICS:
        if name == "contest_entrants_C2":      # no C2 division in the generated contests: 0 is the count
            continue
        num, den = services.subtree_figure(metrics.get(name), root, services.today())
        assert num > 0, name
        if den is not None:
            assert num < den, name


@pytest.mark.parametrize("name", ["cio_leader", "it_staff", "basic_certificate", "advanced_certificate"])
def test_missing_list_is_the_complement(db, target_province, name):
    from tinhoc.access import SYSTEM
    from tinhoc.certification.targets import metrics, services
    root = target_province["units"]["H-1"]
    day = services.today()
    unit, metric, stmt = services.missing_statement(SYSTEM, name, root.id)
    missing = list(db.session.scalars(stmt))
    num, den = services.subtree_figure(metrics.get(name), root, day)
    assert len(missing) == den - num
    assert all(m.path.startswith(root.path) if metric.missing_kind == "agency"
               else m.organisation.path.startswith(root.path) for m in missing)


def test_child_breakdown_matches_each_childs_own_subtree(db, target_world):
    from tinhoc.certification.targets import metrics, services
    units = target_world["units"]
    root, day = units["T01"], services.today()
    for name in METRICS:
        metric = metrics.get(name)
        children = services.by_child(metric, root, day)
        for code in ("H-0", "H-1", "SO-2"):
            assert children.get(units[code].path, (0, 0 if metric.share else None)) == \
                services.subtree_figure(metric, units[code], day), (name, code)


def test_snapshot_rolls_up_like_the_live_figures_and_is_idempotent(db, target_world):
    from sqlalchemy import func, select
    from tinhoc.certification.targets import metrics, services
    from tinhoc.certification.targets.models import TargetSnapshot
    day = services.today()
    written = services.write_snapshot(day)
    assert services.write_snapshot(day) == written
    assert db.session.scalar(select(func.count(TargetSnapshot.id))) == written
    units = target_world["units"]
    for code in ("T01", "H-2", "SO-0"):
        for name in METRICS:
            snap = db.session.scalar(select(TargetSnapshot).where(TargetSnapshot.organisation_id == units[code].id,
                                                                  TargetSnapshot.metric == name))
            assert (snap.numerator, snap.denominator) == services.subtree_figure(metrics.get(name), units[code], day)


def test_duplicate_metric_name_fails_at_import():
    from tinhoc.certification.targets import metrics

    with pytest.raises(ValueError, match="registered twice"):
        @metrics.register
        class Again(metrics.Metric):
            name = "cio_leader"
            label = "x"


def test_a_metric_registered_by_another_package_is_one_class_and_shows_everywhere(db, target_province):
    """What exams/contests will do: one class with `counts`; the dashboard, snapshot and targets pick it up."""
    from sqlalchemy import func, select
    from tinhoc.access import SYSTEM
    from tinhoc.certification.models import Certificate
    from tinhoc.certification.targets import metrics, services
    from tinhoc.orgs.models import Organisation, Person

    @metrics.register
    class RevokedCertificates(metrics.Metric):
        name = "test_revoked"
        label = "Chứng chỉ bị thu hồi"
        share = False

        def counts(self, key, where, day):
            return (metrics.grouped(key, func.count(Certificate.id), func.count(Certificate.id))
                    .select_from(Certificate).join(Person, Person.id == Certificate.person_id)
                    .join(Organisation, Organisation.id == Person.organisation_id)
                    .where(Certificate.revoked_at.is_not(None), *where))
    try:
        board = services.dashboard(SYSTEM, target_province["units"]["T01"].id, None)
        row = next(r for r in board.rows if r.figure.metric.name == "test_revoked")
        revoked = sum(1 for c in target_province["certificates"] if c.revoked_at is not None and c.person_id)
        assert row.figure.numerator == revoked > 0
        assert sum(f.numerator for _, f in row.children) + (row.own.numerator if row.own else 0) == revoked
        services.write_snapshot(services.today())
        from tinhoc.certification.targets.models import TargetSnapshot
        assert db.session.scalar(select(func.count(TargetSnapshot.id)).where(TargetSnapshot.metric == "test_revoked"))
    finally:
        metrics._REGISTRY.pop("test_revoked", None)
