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

deny contains msg if {
	promotion_target
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
