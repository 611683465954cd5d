# Shared test inputs for the *_test.rego files (test files are excluded from the WASM build).
package promotion.fixtures

good_gates := {
	"fairness": {"passed": true, "qualityGap": 0.02},
	"drift": {"passed": true, "snapshotAgeHours": 12},
	"poisoning": {"passed": true, "unreviewedSuspiciousEvents": 0},
}

good_canary_request := {
	"transition": {"from": "candidate", "to": "canary", "slot": "default"},
	"actor": {"id": "rm", "role": "release-manager"},
	"candidate": {"id": "m2", "metrics": {"ndcg@20": 0.31, "coverage": 0.4}, "gates": good_gates},
	"champion": {"id": "m1", "metrics": {"ndcg@20": 0.3, "coverage": 0.35}},
	"override": {"requested": false},
}

good_canary_telemetry := {
	"requests": 2000,
	"errorRate": 0.001,
	"latencyP95Ms": 80,
	"onlineMetric": 0.12,
	"championOnlineMetric": 0.115,
}

good_production_request := object.union(
	good_canary_request,
	{"transition": {"from": "canary", "to": "production", "slot": "default"}, "canary": good_canary_telemetry},
)
