# Data poisoning.
# No unreviewed suspicious events may remain in the training snapshot.
package promotion

deny contains msg if {
	promotion_target
	events := input.candidate.gates.poisoning.unreviewedSuspiciousEvents
	max_events := data.promotion.thresholds.gates.poisoning.max_unreviewed_suspicious_events
	events > max_events
	msg := sprintf("poisoning gate: %v unreviewed suspicious events in the training snapshot (at most %v allowed)", [
		events,
		max_events,
	])
}
