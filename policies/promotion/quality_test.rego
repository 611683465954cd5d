package promotion_test

import data.promotion
import data.promotion.fixtures

with_metrics(metrics) := json.patch(fixtures.good_canary_request, [{"op": "replace", "path": "/candidate/metrics", "value": metrics}])

test_worse_than_champion_beyond_tolerance_is_denied if {
	reasons := promotion.deny with input as with_metrics({"ndcg@20": 0.2, "coverage": 0.4})
	"candidate ndcg@20 0.2 is worse than champion m1's 0.3 by more than the tolerance 0.005" in reasons
}

test_slightly_worse_within_tolerance_is_allowed if {
	reasons := promotion.deny with input as with_metrics({"ndcg@20": 0.297, "coverage": 0.4})
	count(reasons) == 0
}

test_first_model_has_no_champion_to_beat if {
	req := object.remove(with_metrics({"ndcg@20": 0.01, "coverage": 0.4}), ["champion"])
	count(promotion.deny) == 0 with input as req
}

test_missing_metric_is_denied if {
	reasons := promotion.deny with input as with_metrics({"coverage": 0.4})
	"candidate has no ndcg@20 metric" in reasons
}

test_coverage_below_floor_is_denied if {
	reasons := promotion.deny with input as with_metrics({"ndcg@20": 0.31, "coverage": 0.01})
	"candidate coverage 0.01 is below the floor 0.05" in reasons
}

test_tolerance_comes_from_data if {
	reasons := promotion.deny with input as with_metrics({"ndcg@20": 0.29, "coverage": 0.4})
		with data.promotion.thresholds.quality.max_regression as 0.05
	count(reasons) == 0
}

test_quality_does_not_block_rejection if {
	req := object.union(with_metrics({"ndcg@20": 0.01}), {"transition": {"from": "candidate", "to": "rejected"}})
	count(promotion.deny) == 0 with input as req
}
