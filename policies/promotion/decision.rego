# METADATA
# title: Model promotion decision
# description: |
#   Entry point (compiled to WASM as promotion/decision). A transition is allowed
#   when no rule denies it, or when a valid emergency override is requested.
#   Every reason is returned, including the ones an override set aside.
package promotion

default allow := false

allow if {
	count(deny) == 0
	count(override_errors) == 0
}

allow if override_granted

reasons := sort(deny | override_errors)

decision := {
	"allow": allow,
	"reasons": reasons,
	"overridden": override_granted,
}
