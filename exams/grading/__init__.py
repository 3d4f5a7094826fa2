"""Grading of exam answers marked by hand (essays, practical files) and the release of results.

Models: who marks which item in which round, the part's settings (blind marking, second marker,
reconciliation margin, rubric), the chief's reconciliation. Services: the queue, marking,
reconciliation, regrade after a question is fixed, release, results, statistics and exports.
"""
