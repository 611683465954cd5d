# Canary guardrails.
# canary -> production also needs the canary's online telemetry: enough
# traffic, error rate and p95 latency under their guardrails, and an online
# metric not worse than the champion's by more than a tolerance.
package promotion

canary := data.promotion.thresholds.canary

to_production if input.transition.to == "production"

# Callers send `"canary": null` when there is no telemetry; null counts as missing.
has_telemetry if is_object(input.canary)

deny contains "canary telemetry is missing" if {
	to_production
	not has_telemetry
}

deny contains msg if {
	to_production
	has_telemetry
	some field in canary.required_fields
	not telemetry_has(field)
	msg := sprintf("canary telemetry lacks %s", [field])
}

deny contains msg if {
	to_production
	input.canary.requests < canary.min_requests
	msg := sprintf("canary served %v requests, fewer than the %v required", [input.canary.requests, canary.min_requests])
}

deny contains msg if {
	to_production
	input.canary.errorRate > canary.max_error_rate
	msg := sprintf("canary error rate %v exceeds the guardrail %v", [input.canary.errorRate, canary.max_error_rate])
}

deny contains msg if {
	to_production
	input.canary.latencyP95Ms > canary.max_latency_p95_ms
	msg := sprintf("canary p95 latency %vms exceeds the guardrail %vms", [
		input.canary.latencyP95Ms,
		canary.max_latency_p95_ms,
	])
}

deny contains msg if {
	to_production
	online := input.canary.onlineMetric
	champion := input.canary.championOnlineMetric
	online < champion - canary.max_online_regression
	msg := sprintf("canary online metric %v is worse than the champion's %v by more than the tolerance %v", [
		online,
		champion,
		canary.max_online_regression,
	])
}

telemetry_has(field) if is_number(input.canary[field])
