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

# Three-valued gates: `undecided` denies every promotion (candidate → canary, canary → production)
# unless an admin overrides with a justification naming the gate; retirement and rejection are not gated.

undecided_drift := object.union(fixtures.good_gates, {"drift": {
	"status": "undecided",
	"passed": false,
	"reasons": ["served_popularity: 0 recent samples < 100"],
}})

transition_request(from, to, role) := json.patch(with_gates(undecided_drift), [
	{"op": "replace", "path": "/transition", "value": {"from": from, "to": to, "slot": "default"}},
	{"op": "replace", "path": "/actor", "value": {"id": "someone", "role": role}},
	{"op": "add", "path": "/canary", "value": fixtures.good_canary_telemetry},
])

overridden(req, justification) := object.union(req, {"override": {"requested": true, "justification": justification}})

undecided_reason := "drift gate undecided: served_popularity: 0 recent samples < 100"

test_undecided_gate_denies_candidate_to_canary if {
	d := promotion.decision with input as transition_request("candidate", "canary", "release-manager")
	not d.allow
	d.reasons == [undecided_reason]
}

test_undecided_gate_denies_canary_to_production if {
	d := promotion.decision with input as transition_request("canary", "production", "release-manager")
	not d.allow
	d.reasons == [undecided_reason]
}

test_undecided_gate_does_not_block_rejection if {
	d := promotion.decision with input as transition_request("candidate", "rejected", "release-manager")
	d.allow
	d.reasons == []
}

test_undecided_gate_does_not_block_rejecting_a_canary if {
	d := promotion.decision with input as transition_request("canary", "rejected", "release-manager")
	d.allow
}

test_undecided_gate_does_not_block_retirement if {
	d := promotion.decision with input as transition_request("canary", "retired", "release-manager")
	d.allow
	d.reasons == []
}

test_undecided_gate_overridden_by_admin_naming_it_for_every_promotion if {
	some t in [["candidate", "canary"], ["canary", "production"]]
	req := overridden(
		transition_request(t[0], t[1], "admin"),
		"first model: the drift gate is undecided (no served lists yet), accepted",
	)
	d := promotion.decision with input as req
	d.allow
	d.overridden
	d.reasons == [undecided_reason]
}

test_undecided_override_must_name_the_gate if {
	some t in [["candidate", "canary"], ["canary", "production"]]
	req := overridden(transition_request(t[0], t[1], "admin"), "first model of the platform, accepted as is")
	d := promotion.decision with input as req
	not d.allow
	not d.overridden
	"override of the undecided drift gate requires a justification that names it" in d.reasons
}

test_undecided_override_by_a_role_that_may_not_override_is_refused if {
	some t in [["candidate", "canary"], ["canary", "production"]]
	req := overridden(
		transition_request(t[0], t[1], "release-manager"),
		"drift gate undecided, release manager accepts the risk",
	)
	d := promotion.decision with input as req
	not d.allow
	"override requires the admin role (actor has role release-manager)" in d.reasons
}

test_undecided_override_without_justification_is_refused if {
	req := overridden(transition_request("candidate", "canary", "admin"), "  drift ")
	d := promotion.decision with input as req
	not d.allow
	"override requires a written justification of at least 20 characters" in d.reasons
}

test_failed_status_denies_with_every_reason if {
	gates := object.union(fixtures.good_gates, {"fairness": {
		"status": "failed",
		"passed": false,
		"reasons": ["gap 0.2 > 0.1", "group 18-24"],
	}})
	reasons := promotion.deny with input as with_gates(gates)
	reasons == {"fairness gate failed: gap 0.2 > 0.1; group 18-24"}
}

test_status_is_authoritative_over_a_stale_passed_flag if {
	gates := object.union(fixtures.good_gates, {"drift": {"status": "undecided", "passed": true, "reasons": []}})
	reasons := promotion.deny with input as with_gates(gates)
	reasons == {"drift gate undecided"}
}

test_unknown_status_is_denied if {
	gates := object.union(fixtures.good_gates, {"poisoning": {"status": "maybe", "passed": true}})
	reasons := promotion.deny with input as with_gates(gates)
	reasons == {"poisoning gate reported an unknown status maybe (expected passed, failed or undecided)"}
}

test_passed_status_is_allowed if {
	gates := {g: object.union(r, {"status": "passed", "reasons": []}) | some g, r in fixtures.good_gates}
	count(promotion.deny) == 0 with input as with_gates(gates)
}
