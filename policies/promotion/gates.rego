# Offline gates (fairness, drift, poisoning).
# Every required gate must have been evaluated and have passed. A gate result
# is three-valued: `passed`, `failed` or `undecided` (the gate could not
# decide, e.g. too few samples in a drift window, accounts awaiting review).
# A gate that was never evaluated, failed, or could not decide denies; an
# undecided gate is set aside only by an override (override.rego), whose
# justification must name it. Never a silent pass.
package promotion

gate_statuses := {"passed", "failed", "undecided"}

# `status` is authoritative; results recorded before gates were three-valued carry only `passed`.
gate_status(result) := result.status if is_string(result.status)

else := "passed" if result.passed == true

else := "failed"

# Required gates that could not decide, by name (override.rego asks the justification to name them).
undecided_gates contains gate if {
	promotion_target
	some gate in data.promotion.thresholds.gates.required
	gate_status(input.candidate.gates[gate]) == "undecided"
}

deny contains msg if {
	promotion_target
	some gate in data.promotion.thresholds.gates.required
	not input.candidate.gates[gate]
	msg := sprintf("%s gate has not been evaluated", [gate])
}

deny contains msg if {
	promotion_target
	some gate in data.promotion.thresholds.gates.required
	result := input.candidate.gates[gate]
	gate_status(result) == "failed"
	msg := sprintf("%s gate failed%s", [gate, gate_detail(result)])
}

deny contains msg if {
	some gate in undecided_gates
	result := input.candidate.gates[gate]
	msg := sprintf("%s gate undecided%s", [gate, gate_detail(result)])
}

deny contains msg if {
	promotion_target
	some gate in data.promotion.thresholds.gates.required
	status := gate_status(input.candidate.gates[gate])
	not status in gate_statuses
	msg := sprintf("%s gate reported an unknown status %v (expected passed, failed or undecided)", [gate, status])
}

# The gate's own reasons (a list), or the single `reason` of older results.
gate_detail(result) := sprintf(": %s", [concat("; ", result.reasons)]) if {
	is_array(result.reasons)
	count(result.reasons) > 0
	every r in result.reasons {
		is_string(r)
	}
} else := sprintf(": %s", [result.reason]) if is_string(result.reason)

else := ""
