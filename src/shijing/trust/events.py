"""The events the trust domain emits (``shijing.core.outbox.emit``), one name each.

(Flags and their events belong to ``shijing.integrity``.)
"""

from __future__ import annotations

# one daily run finished: as_of (the day scored), definition_version, active (False for a
# version on trial, scored for comparison only), shops (how many were scored)
TRUST_SCORES_COMPUTED = "trust.scores_computed"
TRUST_DEFINITION_ADDED = "trust.definition_added"  # version, trial (stored as on trial)
TRUST_DEFINITION_TRIAL_STARTED = "trust.definition_trial_started"  # version
TRUST_DEFINITION_TRIAL_STOPPED = "trust.definition_trial_stopped"  # version
TRUST_DEFINITION_ACTIVATED = "trust.definition_activated"  # version, previous (version)
