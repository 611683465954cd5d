package promotion_test

import data.promotion
import data.promotion.fixtures

with_canary(telemetry) := json.patch(fixtures.good_production_request, [{"op": "replace", "path": "/canary", "value": telemetry}])

test_healthy_canary_is_promoted if {
	count(promotion.deny) == 0 with input as fixtures.good_production_request
}

test_missing_telemetry_is_denied if {
	req := object.remove(fixtures.good_production_request, ["canary"])
	promotion.deny == {"canary telemetry is missing"} with input as req
}

test_null_telemetry_is_missing if {
	req := object.union(fixtures.good_production_request, {"canary": null})
	promotion.deny == {"canary telemetry is missing"} with input as req
}

test_missing_field_is_denied if {
	reasons := promotion.deny with input as with_canary(object.remove(fixtures.good_canary_telemetry, ["latencyP95Ms"]))
	reasons == {"canary telemetry lacks latencyP95Ms"}
}

test_too_little_traffic_is_denied if {
	reasons := promotion.deny with input as with_canary(object.union(fixtures.good_canary_telemetry, {"requests": 10}))
	reasons == {"canary served 10 requests, fewer than the 500 required"}
}

test_error_rate_guardrail if {
	reasons := promotion.deny with input as with_canary(object.union(fixtures.good_canary_telemetry, {"errorRate": 0.05}))
	reasons == {"canary error rate 0.05 exceeds the guardrail 0.01"}
}

test_latency_guardrail if {
	reasons := promotion.deny with input as with_canary(object.union(fixtures.good_canary_telemetry, {"latencyP95Ms": 900}))
	reasons == {"canary p95 latency 900ms exceeds the guardrail 300ms"}
}

test_online_metric_regression if {
	telemetry := object.union(fixtures.good_canary_telemetry, {"onlineMetric": 0.05, "championOnlineMetric": 0.12})
	reasons := promotion.deny with input as with_canary(telemetry)
	reasons == {"canary online metric 0.05 is worse than the champion's 0.12 by more than the tolerance 0.02"}
}

# A 7-point shortfall on a few hundred users (standard error 0.04) is not evidence of a regression beyond 2 points.
test_online_metric_small_sample_shortfall_is_not_a_regression if {
	telemetry := object.union(
		fixtures.good_canary_telemetry,
		{"onlineMetric": 0.55, "championOnlineMetric": 0.62, "onlineDifferenceStdError": 0.04},
	)
	count(promotion.deny) == 0 with input as with_canary(telemetry)
}

# The same shortfall measured precisely (standard error 0.01) is.
test_online_metric_regression_shown_with_std_error if {
	telemetry := object.union(
		fixtures.good_canary_telemetry,
		{"onlineMetric": 0.55, "championOnlineMetric": 0.62, "onlineDifferenceStdError": 0.01},
	)
	reasons := promotion.deny with input as with_canary(telemetry)
	count(reasons) == 1
	some reason in reasons
	startswith(reason, "canary online metric 0.55 is worse than the champion's 0.62 by more than the tolerance 0.02 (upper confidence bound")
}

test_canary_step_needs_no_telemetry if {
	count(promotion.deny) == 0 with input as fixtures.good_canary_request
}
