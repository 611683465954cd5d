# Drift / staleness.
# The training snapshot must not be older than the configured age.
package promotion

deny contains msg if {
	promotion_target
	age := input.candidate.gates.drift.snapshotAgeHours
	max_age := data.promotion.thresholds.gates.drift.max_snapshot_age_hours
	age > max_age
	msg := sprintf("drift gate: training snapshot is %v hours old (at most %v allowed)", [age, max_age])
}
