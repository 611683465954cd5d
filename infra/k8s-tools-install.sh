#!/usr/bin/env bash
# Installs the offline Kubernetes manifest tools into .infra/ (idempotent):
#   .infra/bin/kustomize       sigs.k8s.io/kustomize/kustomize/v5 (go install)
#   .infra/bin/kubeconform     github.com/yannh/kubeconform (go install)
#   .infra/k8s-schemas/        Kubernetes JSON schemas for one API version, taken
#                              from the PyPI package kubernetes-validate (it ships
#                              them generated from the upstream OpenAPI spec)
# Needs only the Go toolchain, Python's pip and the two registries; nothing is
# fetched at validation time. Used by test/deploy/manifests.spec.ts and CI.
#
# Pins: kustomize v5.8.1 is the newest that builds on Go 1.26 (v5.8.3 needs Go 1.27).
set -euo pipefail
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
# The cluster version the manifests are validated against (a directory of the wheel).
K8S_SCHEMA_VERSION="${K8S_SCHEMA_VERSION:-v1.34.0}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.infra/bin"
SCHEMAS="$ROOT/.infra/k8s-schemas"
mkdir -p "$BIN" "$SCHEMAS"

# go install leaves no version in kubeconform's binary (-v prints "development"),
# so each tool gets a stamp file naming the version that was built.
install_go_tool() {
  local name="$1" module="$2" version="$3"
  local stamp="$BIN/.$name.version"
  if [[ -x "$BIN/$name" ]] && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$module@$version" ]]; then
    echo "$name $version already installed at $BIN/$name"
    return
  fi
  echo "installing $name $version into $BIN (go install)…"
  GOBIN="$BIN" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install "$module@$version"
  echo "$module@$version" >"$stamp"
}

install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

# Schemas: kubeconform reads them from disk through a -schema-location template
# ({{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json).
stamp="$SCHEMAS/.installed"
want="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION $K8S_SCHEMA_VERSION relative-refs-no-id"
if [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
  echo "k8s schemas $K8S_SCHEMA_VERSION already installed at $SCHEMAS"
else
  echo "installing k8s schemas $K8S_SCHEMA_VERSION from kubernetes-validate $KUBERNETES_VALIDATE_VERSION (pip download)…"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  pip="python3 -m pip"
  $pip download --quiet --no-deps --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" -d "$tmp"
  wheel="$(ls "$tmp"/kubernetes_validate-*.whl)"
  rm -rf "$SCHEMAS" && mkdir -p "$SCHEMAS"
  python3 - "$wheel" "$SCHEMAS" "$K8S_SCHEMA_VERSION" <<'PY'
import json, os, sys, zipfile
wheel, dest, version = sys.argv[1:]
prefix = "kubernetes_validate/kubernetes-json-schema/"
wanted = (f"{version}-local/", f"{version}-local-strict/")
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        rel = name[len(prefix):] if name.startswith(prefix) else None
        if rel and rel.startswith(wanted) and not name.endswith("/"):
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # Each schema names itself https://kubernetes.io/api/… ($id) and points
            # at "/api/_definitions.json"; the package maps that URL to its own
            # file. kubeconform resolves $ref against the schema's location, so
            # drop the $id and make the reference relative to the file.
            schema = json.loads(z.open(name).read().decode("utf-8"))
            if isinstance(schema, dict):
                schema.pop("$id", None)
            text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
            with open(target, "w", encoding="utf-8") as out:
                out.write(text)
            count += 1
if count == 0:
    sys.exit(f"no schemas for {version} in {wheel}")
print(f"{count} schema files")
PY
  echo "$want" >"$stamp"
fi
echo "kustomize $("$BIN/kustomize" version), kubeconform $(cat "$BIN/.kubeconform.version"), schemas $K8S_SCHEMA_VERSION"
