# Emergency override.
# An override lets a transition through despite denials. It needs the
# override role (admin) and a written justification; both are recorded
# and audited by the caller. An invalid override request is itself denied.
# Setting aside a gate that could not decide (`undecided`) also needs the
# justification to name that gate, so the audit trail says which evidence
# was missing and why the transition went ahead anyway.
package promotion

override := data.promotion.thresholds.override

override_requested if input.override.requested == true

override_errors contains msg if {
	override_requested
	input.actor.role != override.role
	msg := sprintf("override requires the %v role (actor has role %v)", [override.role, input.actor.role])
}

override_errors contains msg if {
	override_requested
	not has_justification
	msg := sprintf("override requires a written justification of at least %v characters", [
		override.min_justification_length,
	])
}

override_errors contains msg if {
	override_requested
	has_justification
	some gate in undecided_gates
	not contains(lower(input.override.justification), lower(gate))
	msg := sprintf("override of the undecided %s gate requires a justification that names it", [gate])
}

has_justification if count(trim_space(input.override.justification)) >= override.min_justification_length

override_granted if {
	override_requested
	count(override_errors) == 0
}

default override_granted := false
