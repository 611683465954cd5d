package promotion_test

import data.promotion
import data.promotion.fixtures

with_gates(gates) := json.patch(fixtures.good_canary_request, [{"op": "replace", "path": "/candidate/gates", "value": gates}])

test_missing_gate_is_denied_not_passed if {
	reasons := promotion.deny with input as with_gates(object.remove(fixtures.good_gates, ["drift"]))
	reasons == {"drift gate has not been evaluated"}
}

test_no_gates_at_all_denies_each if {
	req := json.remove(fixtures.good_canary_request, ["candidate/gates"])
	reasons := promotion.deny with input as req
	"fairness gate has not been evaluated" in reasons
	"drift gate has not been evaluated" in reasons
	"poisoning gate has not been evaluated" in reasons
}

test_failed_gate_is_denied_with_its_reason if {
	gates := object.union(fixtures.good_gates, {"poisoning": {"passed": false, "reason": "3 bursts of identical ratings"}})
	reasons := promotion.deny with input as with_gates(gates)
	"poisoning gate failed: 3 bursts of identical ratings" in reasons
}

test_gate_without_passed_flag_is_denied if {
	gates := json.patch(fixtures.good_gates, [{"op": "replace", "path": "/drift", "value": {"snapshotAgeHours": 1}}])
	reasons := promotion.deny with input as with_gates(gates)
	"drift gate failed" in reasons
}
