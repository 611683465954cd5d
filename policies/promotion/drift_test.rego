package promotion_test

import data.promotion
import data.promotion.fixtures

test_stale_snapshot_is_denied if {
	req := object.union(fixtures.good_canary_request, {"candidate": {"gates": {"drift": {"snapshotAgeHours": 500}}}})
	reasons := promotion.deny with input as req
	reasons == {"drift gate: training snapshot is 500 hours old (at most 168 allowed)"}
}

test_fresh_snapshot_is_allowed if {
	count(promotion.deny) == 0 with input as fixtures.good_canary_request
}
