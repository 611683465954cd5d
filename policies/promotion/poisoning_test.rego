package promotion_test

import data.promotion
import data.promotion.fixtures

test_unreviewed_suspicious_events_are_denied if {
	gates := {"poisoning": {"passed": true, "unreviewedSuspiciousEvents": 4}}
	req := object.union(fixtures.good_canary_request, {"candidate": {"gates": gates}})
	reasons := promotion.deny with input as req
	reasons == {"poisoning gate: 4 unreviewed suspicious events in the training snapshot (at most 0 allowed)"}
}

test_reviewed_snapshot_is_allowed if {
	count(promotion.deny) == 0 with input as fixtures.good_canary_request
}
