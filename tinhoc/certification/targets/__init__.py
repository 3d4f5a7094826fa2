"""Workforce targets: plan periods, targets per metric and unit, the metrics registry, daily snapshots,
the dashboard, the yearly report and the emulation ranking. Routes live on the certification blueprint."""
