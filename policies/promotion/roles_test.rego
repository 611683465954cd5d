package promotion_test

import data.promotion
import data.promotion.fixtures

as_role(role) := object.union(fixtures.good_canary_request, {"actor": {"role": role}})

test_data_scientist_cannot_approve_canary if {
	reasons := promotion.deny with input as as_role("data-scientist")
	reasons == {"role data-scientist may not approve a transition to canary"}
}

test_viewer_cannot_approve if {
	reasons := promotion.deny with input as as_role("viewer")
	reasons == {"role viewer may not approve a transition to canary"}
}

test_release_manager_and_admin_can_approve if {
	count(promotion.deny) == 0 with input as as_role("release-manager")
	count(promotion.deny) == 0 with input as as_role("admin")
}

test_data_scientist_can_reject if {
	req := object.union(as_role("data-scientist"), {"transition": {"to": "rejected"}})
	count(promotion.deny) == 0 with input as req
}

test_unknown_target_is_denied if {
	req := object.union(fixtures.good_canary_request, {"transition": {"to": "staging"}})
	"unknown target state staging" in promotion.deny with input as req
}
