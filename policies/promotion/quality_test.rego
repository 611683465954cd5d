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

# Like-for-like comparison: both figures from one holdout decide, not the registered ones.

comparison(candidate, champion, champion_id) := {
	"championId": champion_id,
	"candidate": {"ndcg@20": candidate, "coverage": 0.4},
	"champion": {"ndcg@20": champion, "coverage": 0.4},
	"splitHash": "0123456789abcdef0123",
	"split": "global temporal split at 2026-11-20T00:00:00.000Z (80% of rows before)",
}

# Registered: candidate 0.31 vs champion 0.3 (its own older holdout) would pass; on the same holdout the
# champion's recipe scores 0.4, so the candidate is worse.
test_like_for_like_figures_decide_over_registered_ones if {
	req := object.union(fixtures.good_canary_request, {"comparison": comparison(0.31, 0.4, "m1")})
	reasons := promotion.deny with input as req
	reasons == {"candidate ndcg@20 0.31 is worse than champion m1's 0.4 on the same holdout (split 0123456789ab) by more than the tolerance 0.005"}
}

# Registered: candidate 0.1 vs 0.3 would deny; on the same holdout the two are equal, so it passes.
test_like_for_like_comparison_lifts_a_biased_registered_figure if {
	req := object.union(fixtures.good_canary_request, {
		"candidate": {"metrics": {"ndcg@20": 0.1, "coverage": 0.4}},
		"comparison": comparison(0.2, 0.2, "m1"),
	})
	count(promotion.deny) == 0 with input as req
}

test_comparison_with_another_champion_is_denied if {
	req := object.union(fixtures.good_canary_request, {"comparison": comparison(0.5, 0.2, "m0")})
	reasons := promotion.deny with input as req
	reasons == {"the like-for-like comparison was made against m0, not the current champion m1: evaluate the candidate again"}
}

test_comparison_without_champion_is_ignored if {
	req := object.union(fixtures.good_canary_request, {"champion": null, "comparison": comparison(0.1, 0.5, "m0")})
	count(promotion.deny) == 0 with input as req
}

test_comparison_without_the_metric_is_denied if {
	req := object.union(fixtures.good_canary_request, {"comparison": {"championId": "m1", "candidate": {}, "champion": {}}})
	reasons := promotion.deny with input as req
	reasons == {"the like-for-like comparison with champion m1 lacks ndcg@20 for both models"}
}

test_null_comparison_falls_back_to_registered_figures if {
	req := object.union(with_metrics({"ndcg@20": 0.2, "coverage": 0.4}), {"comparison": null})
	"candidate ndcg@20 0.2 is worse than champion m1's 0.3 by more than the tolerance 0.005" in promotion.deny with input as req
}

test_undecided_holdout_comparison_is_denied if {
	req := json.patch(fixtures.good_canary_request, [{"op": "add", "path": "/candidate/gates/holdout-comparison", "value": {
		"status": "undecided",
		"reasons": ["champion m1 (hybrid) could not be retrained on this split: no trainer"],
	}}])
	reasons := promotion.deny with input as req
	reasons == {"holdout-comparison with champion m1 was not made: champion m1 (hybrid) could not be retrained on this split: no trainer"}
}

test_undecided_holdout_comparison_without_champion_is_ignored if {
	req := json.patch(fixtures.good_canary_request, [
		{"op": "add", "path": "/candidate/gates/holdout-comparison", "value": {"status": "undecided", "reasons": ["x"]}},
		{"op": "replace", "path": "/champion", "value": null},
	])
	count(promotion.deny) == 0 with input as req
}

test_comparison_made_without_a_champion_is_stale_once_there_is_one if {
	req := json.patch(fixtures.good_canary_request, [{"op": "add", "path": "/candidate/gates/holdout-comparison", "value": {
		"status": "passed",
		"reasons": [],
		"championId": null,
	}}])
	reasons := promotion.deny with input as req
	reasons == {"the like-for-like comparison was made when no champion was in production, not against m1: evaluate the candidate again"}
}
