# Offline gates (fairness, drift, poisoning).
# Every required gate must have been evaluated and have passed. A gate that
# was never evaluated denies (it never silently passes).
package promotion

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
	not result.passed == true
	msg := sprintf("%s gate failed%s", [gate, failure_detail(result)])
}

failure_detail(result) := sprintf(": %s", [result.reason]) if is_string(result.reason)

else := ""
