package promotion_test

import data.promotion
import data.promotion.fixtures

bad_request := object.union(fixtures.good_canary_request, {"candidate": {"metrics": {"ndcg@20": 0.1}}})

with_override(role, justification) := object.union(bad_request, {
	"actor": {"role": role},
	"override": {"requested": true, "justification": justification},
})

test_admin_override_with_justification_is_allowed_and_keeps_reasons if {
	d := promotion.decision with input as with_override("admin", "hotfix for incident INC-42, quality regression accepted")
	d.allow
	d.overridden
	"candidate ndcg@20 0.1 is worse than champion m1's 0.3 by more than the tolerance 0.005" in d.reasons
}

test_override_without_justification_is_refused if {
	d := promotion.decision with input as with_override("admin", "   ")
	not d.allow
	not d.overridden
	"override requires a written justification of at least 20 characters" in d.reasons
}

test_override_by_non_admin_is_refused if {
	d := promotion.decision with input as with_override("release-manager", "hotfix for incident INC-42, quality regression accepted")
	not d.allow
	"override requires the admin role (actor has role release-manager)" in d.reasons
}

test_invalid_override_denies_even_a_good_candidate if {
	req := object.union(fixtures.good_canary_request, {"override": {"requested": true}})
	d := promotion.decision with input as req
	not d.allow
}
