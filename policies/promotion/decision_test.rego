package promotion_test

import data.promotion
import data.promotion.fixtures

test_good_candidate_is_allowed if {
	d := promotion.decision with input as fixtures.good_canary_request
	d.allow
	d.reasons == []
	not d.overridden
}

test_decision_lists_every_reason if {
	req := object.union(fixtures.good_canary_request, {"candidate": {"metrics": {"ndcg@20": 0.1, "coverage": 0.01}}})
	d := promotion.decision with input as req
	not d.allow
	d.reasons == [
		"candidate coverage 0.01 is below the floor 0.05",
		"candidate ndcg@20 0.1 is worse than champion m1's 0.3 by more than the tolerance 0.005",
	]
}
