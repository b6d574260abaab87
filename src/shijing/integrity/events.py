"""Events the integrity domain emits."""

# a flag excludes its order, review or buyer from scores: flag_id, subject_kind, subject_id,
# reason, by_user_id (None when a rule of the platform raised it)
FLAG_RAISED = "integrity.flag_raised"
# the flag no longer applies from the next scoring run on: the same fields, with the lift's reason
FLAG_LIFTED = "integrity.flag_lifted"
# a new version of the detectors' definition was stored (inactive): version
DEFINITION_ADDED = "integrity.definition_added"
# the detectors run under this version from now on: version, previous
DEFINITION_ACTIVATED = "integrity.definition_activated"
# a detection run finished: run_id, as_of, definition_version, status, counts (or error)
RUN_FINISHED = "integrity.run_finished"
# an operator decided a block: block_id, status (confirmed, dismissed), flags lifted, by_user_id
BLOCK_DECIDED = "integrity.block_decided"
