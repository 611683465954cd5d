# Offline quality.
# A candidate may not be worse than the champion on the ranking metric
# (NDCG@20 by default) by more than a tolerance, and its catalog coverage
# must stay above a floor. Both thresholds are data (data.json).
package promotion

quality := data.promotion.thresholds.quality

# Quality rules guard promotions towards users, not retirement or rejection.
promotion_target if input.transition.to in data.promotion.thresholds.promotion_targets

deny contains msg if {
	promotion_target
	not candidate_has_metric(quality.metric)
	msg := sprintf("candidate has no %s metric", [quality.metric])
}

# Like-for-like: the candidate's and the champion's figures measured on the same holdout
# (input.comparison, the candidate's holdout-comparison gate) are compared when the comparison
# was made against the current champion.
like_for_like if {
	has_comparison
	input.comparison.championId == input.champion.id
	is_number(input.comparison.candidate[quality.metric])
	is_number(input.comparison.champion[quality.metric])
}

deny contains msg if {
	promotion_target
	like_for_like
	candidate := input.comparison.candidate[quality.metric]
	champion := input.comparison.champion[quality.metric]
	candidate < champion - quality.max_regression
	msg := sprintf(
		"candidate %s %v is worse than champion %s's %v on the same holdout (split %s) by more than the tolerance %v",
		[quality.metric, candidate, input.champion.id, champion, substring(input.comparison.splitHash, 0, 12), quality.max_regression],
	)
}

# Callers send `"comparison": null` when there is none; null counts as missing.
has_comparison if is_object(input.comparison)

# A comparison made against another model is no evidence about this champion.
deny contains msg if {
	promotion_target
	has_comparison
	is_object(input.champion)
	input.comparison.championId != input.champion.id
	msg := sprintf(
		"the like-for-like comparison was made against %v, not the current champion %v: evaluate the candidate again",
		[input.comparison.championId, input.champion.id],
	)
}

# Without a comparison (a model registered by hand with its own figures), the registered figures
# are compared: each from its own holdout, so the report marks the comparison as not like-for-like.
deny contains msg if {
	promotion_target
	not has_comparison
	candidate := input.candidate.metrics[quality.metric]
	champion := input.champion.metrics[quality.metric]
	candidate < champion - quality.max_regression
	msg := sprintf(
		"candidate %s %v is worse than champion %s's %v by more than the tolerance %v",
		[quality.metric, candidate, input.champion.id, champion, quality.max_regression],
	)
}

deny contains msg if {
	promotion_target
	not candidate_has_metric(quality.coverage_metric)
	msg := sprintf("candidate has no %s metric", [quality.coverage_metric])
}

deny contains msg if {
	promotion_target
	coverage := input.candidate.metrics[quality.coverage_metric]
	coverage < quality.min_coverage
	msg := sprintf("candidate %s %v is below the floor %v", [quality.coverage_metric, coverage, quality.min_coverage])
}

candidate_has_metric(name) if is_number(input.candidate.metrics[name])

# A comparison with the current champion that lacks the metric decides nothing: deny rather than skip.
deny contains msg if {
	promotion_target
	has_comparison
	input.comparison.championId == input.champion.id
	not like_for_like
	msg := sprintf("the like-for-like comparison with champion %v lacks %s for both models", [
		input.champion.id,
		quality.metric,
	])
}

# A like-for-like comparison that was attempted but could not be made is no silent pass either:
# it denies like an undecided gate (an override may set it aside, naming it).
deny contains msg if {
	promotion_target
	is_object(input.champion)
	result := input.candidate.gates["holdout-comparison"]
	gate_status(result) != "passed"
	msg := sprintf("holdout-comparison with champion %v was not made%s", [input.champion.id, gate_detail(result)])
}

deny contains msg if {
	promotion_target
	is_object(input.champion)
	result := input.candidate.gates["holdout-comparison"]
	gate_status(result) == "passed"
	result.championId == null
	msg := sprintf(
		"the like-for-like comparison was made when no champion was in production, not against %v: evaluate the candidate again",
		[input.champion.id],
	)
}
