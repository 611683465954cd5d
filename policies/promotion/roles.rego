# Who may approve a transition.
# The roles allowed to approve each target state are data. Anyone with API
# access may request a transition; the decision records who was refused.
package promotion

deny contains msg if {
	allowed := data.promotion.thresholds.roles[input.transition.to]
	not input.actor.role in allowed
	msg := sprintf("role %v may not approve a transition to %v", [input.actor.role, input.transition.to])
}

deny contains msg if {
	not data.promotion.thresholds.roles[input.transition.to]
	msg := sprintf("unknown target state %v", [input.transition.to])
}
