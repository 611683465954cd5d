# Canary guardrails.
# canary -> production also needs the canary's online telemetry: enough
# traffic, error rate and p95 latency under their guardrails, and an online
# metric not shown to be worse than the champion's by more than a tolerance.
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

# Without the difference's standard error, the point estimates are compared.
deny contains msg if {
	to_production
	not has_difference_std_error
	online := input.canary.onlineMetric
	champion := input.canary.championOnlineMetric
	online < champion - canary.max_online_regression
	msg := sprintf("canary online metric %v is worse than the champion's %v by more than the tolerance %v", [
		online,
		champion,
		canary.max_online_regression,
	])
}

# With it, a regression beyond the tolerance must be shown: the one-sided upper confidence bound of
# (candidate - champion) lies below -tolerance. On a canary's few hundred users, the point estimates
# alone differ by several points between equally good models, so comparing them denied or allowed
# by chance; this is the "no significant degradation" judgement of canary analysis.
deny contains msg if {
	to_production
	has_difference_std_error
	online := input.canary.onlineMetric
	champion := input.canary.championOnlineMetric
	upper := (online - champion) + (canary.online_regression_z * input.canary.onlineDifferenceStdError)
	upper < 0 - canary.max_online_regression
	msg := sprintf(
		"canary online metric %v is worse than the champion's %v by more than the tolerance %v (upper confidence bound of the difference %v, z %v)",
		[online, champion, canary.max_online_regression, upper, canary.online_regression_z],
	)
}

has_difference_std_error if {
	is_number(input.canary.championOnlineMetric)
	is_number(input.canary.onlineDifferenceStdError)
	input.canary.onlineDifferenceStdError >= 0
}

telemetry_has(field) if is_number(input.canary[field])
