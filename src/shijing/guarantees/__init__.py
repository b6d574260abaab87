"""Trust Purchase (信任购): guarantee catalogue, enrolment and badge, coverage and claims."""
