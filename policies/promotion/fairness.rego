# Fairness bound.
# The quality gap between user groups (as measured by the fairness gate)
# must stay under a bound, even if the gate itself reported a pass.
package promotion

deny contains msg if {
	promotion_target
	gap := input.candidate.gates.fairness.qualityGap
	bound := data.promotion.thresholds.gates.fairness.max_quality_gap
	gap > bound
	msg := sprintf("fairness gate: quality gap between user groups %v exceeds the bound %v", [gap, bound])
}
