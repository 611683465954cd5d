package promotion_test

import data.promotion
import data.promotion.fixtures

test_quality_gap_above_bound_is_denied if {
	req := object.union(fixtures.good_canary_request, {"candidate": {"gates": {"fairness": {"qualityGap": 0.25}}}})
	reasons := promotion.deny with input as req
	reasons == {"fairness gate: quality gap between user groups 0.25 exceeds the bound 0.1"}
}

test_quality_gap_under_bound_is_allowed if {
	count(promotion.deny) == 0 with input as fixtures.good_canary_request
}
