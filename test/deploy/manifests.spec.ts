import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '@modules/config';

/**
 * The Kubernetes manifests, rendered with kustomize and validated offline with
 * kubeconform against the Kubernetes JSON schemas (strict: unknown fields are
 * errors), then checked for the properties a safe rollout depends on.
 *
 * Tools and schemas come from `bash infra/k8s-tools-install.sh` (idempotent;
 * this suite runs it, so a fresh machine needs only the registries).
 *
 * Custom resources: kubeconform has no schema for ServiceMonitor
 * (monitoring.coreos.com) or KafkaTopic (kafka.strimzi.io), and exactly those
 * two kinds are skipped by it (never -ignore-missing-schemas); their fields
 * are asserted structurally below instead.
 */
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, '.infra/bin');
const SCHEMAS = path.join(ROOT, '.infra/k8s-schemas');
const KUBERNETES_VERSION = '1.34.0';
const CRD_KINDS = ['ServiceMonitor', 'KafkaTopic'];
const TARGETS = ['overlays/dev', 'overlays/prod', 'strimzi'] as const;

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped JSON. */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

const rendered = new Map<string, { yaml: string; objects: K8sObject[] }>();

function render(target: string): { yaml: string; objects: K8sObject[] } {
  const yaml = execFileSync(path.join(BIN, 'kustomize'), ['build', path.join(ROOT, 'k8s', target)], {
    encoding: 'utf8',
  });
  const objects = YAML.parseAllDocuments(yaml)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { yaml, objects };
}

function kubeconform(yaml: string): {
  summary: { valid: number; invalid: number; errors: number; skipped: number };
  resources: { kind: string; name: string; status: string; msg: string }[];
} {
  const r = spawnSync(
    path.join(BIN, 'kubeconform'),
    [
      '-strict',
      '-output',
      'json',
      '-summary',
      '-verbose',
      '-kubernetes-version',
      KUBERNETES_VERSION,
      '-schema-location',
      `${SCHEMAS}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-skip',
      CRD_KINDS.join(','),
      '-',
    ],
    { input: yaml, encoding: 'utf8' },
  );
  if (!r.stdout) throw new Error(`kubeconform produced no output: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const objectsOf = (target: string) => rendered.get(target)!.objects;
const find = (target: string, kind: string, name: string): K8sObject => {
  const o = objectsOf(target).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${target}: no ${kind} ${name}`);
  return o;
};
const workloads = (target: string) => objectsOf(target).filter((o) => o.kind === 'Deployment' || o.kind === 'CronJob');
const podSpecOf = (o: K8sObject): any =>
  o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
const podLabelsOf = (o: K8sObject): Record<string, string> =>
  o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.metadata.labels : o.spec.template.metadata.labels;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const configOf = (target: string): Record<string, string> =>
  objectsOf(target).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('marquee-config-'))!.data;
const toBytes = (q: string): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`unsupported quantity ${q}`);
  return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, '': 1 }[m[2] ?? '']!;
};

beforeAll(() => {
  const install = spawnSync('bash', [path.join(ROOT, 'infra/k8s-tools-install.sh')], { encoding: 'utf8' });
  if (install.status !== 0) {
    throw new Error(`infra/k8s-tools-install.sh failed:\n${install.stdout}\n${install.stderr}`);
  }
  for (const target of TARGETS) rendered.set(target, render(target));
}, 600_000);

describe('Kubernetes manifests: offline schema validation', () => {
  it.each(TARGETS)('%s renders and every object is valid against the Kubernetes schema', (target) => {
    const { yaml, objects } = rendered.get(target)!;
    expect(objects.length).toBeGreaterThan(0);
    const result = kubeconform(yaml);
    const problems = result.resources.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped');
    expect(problems).toEqual([]);
    // Skipped means exactly the CRD kinds, nothing else slipped through unchecked.
    const skipped = result.resources.filter((r) => r.status === 'statusSkipped').map((r) => r.kind);
    expect(skipped.every((k) => CRD_KINDS.includes(k))).toBe(true);
    const builtIn = objects.filter((o) => !CRD_KINDS.includes(o.kind)).length;
    expect(result.summary.valid).toBe(builtIn);
  });

  it('the validator rejects what the API server would (negative control)', () => {
    const broken = rendered
      .get('overlays/prod')!
      .yaml.replace('maxUnavailable: 0', 'maxUnavailabel: 0')
      .replace('containerPort: 8082', 'containerPort: "eighty"');
    const result = kubeconform(broken);
    expect(result.summary.invalid).toBeGreaterThan(0);
    const messages = result.resources.map((r) => r.msg).join('\n');
    expect(messages).toMatch(/maxUnavailabel/);
  });
});

describe.each(['overlays/dev', 'overlays/prod'])('%s: rollout and runtime properties', (target) => {
  const apiTracks = () => [find(target, 'Deployment', 'marquee-api'), find(target, 'Deployment', 'marquee-api-canary')];

  it('API Deployments roll with maxUnavailable 0 and probe /readyz and /healthz', () => {
    for (const deployment of apiTracks()) {
      expect(deployment.spec.strategy.type).toBe('RollingUpdate');
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(deployment.spec.strategy.rollingUpdate.maxSurge).toBeGreaterThanOrEqual(1);
      const [api] = podSpecOf(deployment).containers;
      expect(api.command).toEqual(['node', '--enable-source-maps', 'dist/main.js']);
      expect(api.readinessProbe.httpGet.path).toBe('/readyz');
      expect(api.livenessProbe.httpGet.path).toBe('/healthz');
      expect(api.startupProbe.httpGet.path).toBe('/healthz');
      const port = api.ports.find((p: any) => p.name === api.readinessProbe.httpGet.port);
      expect(port.containerPort).toBe(Number(configOf(target).PORT));
    }
  });

  it('shutdown fits the grace period: preStop + SHUTDOWN_GRACE_MS < terminationGracePeriodSeconds', () => {
    const config = configOf(target);
    for (const deployment of apiTracks()) {
      const pod = podSpecOf(deployment);
      const preStopMs = pod.containers[0].lifecycle.preStop.sleep.seconds * 1000;
      const graceMs = Number(config.SHUTDOWN_GRACE_MS);
      expect(preStopMs + graceMs).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
    }
    const worker = podSpecOf(find(target, 'Deployment', 'marquee-ingest-worker'));
    const workerGrace = Number(worker.containers[0].env.find((e: any) => e.name === 'SHUTDOWN_GRACE_MS').value);
    expect(workerGrace).toBeLessThan(worker.terminationGracePeriodSeconds * 1000);
  });

  it('every container has requests and limits, runs non-root on a read-only root filesystem', () => {
    for (const workload of workloads(target)) {
      const pod = podSpecOf(workload);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        const where = `${workload.kind}/${workload.metadata.name}/${c.name}`;
        for (const r of ['cpu', 'memory']) {
          expect({ where, request: c.resources.requests?.[r] !== undefined }).toEqual({ where, request: true });
          expect({ where, limit: c.resources.limits?.[r] !== undefined }).toEqual({ where, limit: true });
        }
        expect(toBytes(c.resources.requests.memory)).toBeLessThanOrEqual(toBytes(c.resources.limits.memory));
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        // Writable paths are volumes: /tmp and DATA_DIR.
        const mounts = c.volumeMounts.map((m: any) => m.mountPath);
        expect(mounts).toEqual(expect.arrayContaining(['/tmp', configOf(target).DATA_DIR]));
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.image).toMatch(/[:@]/);
      }
    }
  });

  it('the Service sends traffic to both tracks; the HPA scales the stable track', () => {
    const service = find(target, 'Service', 'marquee-api');
    const [stable, canary] = apiTracks();
    expect(selects(service.spec.selector, podLabelsOf(stable))).toBe(true);
    expect(selects(service.spec.selector, podLabelsOf(canary))).toBe(true);
    expect(podLabelsOf(stable).track).toBe('stable');
    expect(podLabelsOf(canary).track).toBe('canary');
    // Each Deployment owns only its own pods.
    expect(selects(stable.spec.selector.matchLabels, podLabelsOf(canary))).toBe(false);
    expect(selects(canary.spec.selector.matchLabels, podLabelsOf(stable))).toBe(false);
    // The two tracks run the same pod template apart from image and labels.
    const strip = (d: K8sObject) => {
      const spec = structuredClone(podSpecOf(d));
      delete spec.containers[0].image;
      return spec;
    };
    expect(strip(canary)).toEqual(strip(stable));

    const hpa = find(target, 'HorizontalPodAutoscaler', 'marquee-api');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'marquee-api' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('PodDisruptionBudgets and the default-deny NetworkPolicy cover the pods', () => {
    const pdb = find(target, 'PodDisruptionBudget', 'marquee-api');
    for (const d of apiTracks()) expect(selects(pdb.spec.selector.matchLabels, podLabelsOf(d))).toBe(true);
    const deny = find(target, 'NetworkPolicy', 'marquee-default-deny');
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toBeUndefined();
    for (const w of workloads(target)) expect(selects(deny.spec.podSelector.matchLabels, podLabelsOf(w))).toBe(true);
    const ingress = find(target, 'NetworkPolicy', 'marquee-api-ingress');
    expect(ingress.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  });

  it('ConfigMap and Secret references resolve, and the config parses as Marquee config', () => {
    const names = new Set(objectsOf(target).map((o) => `${o.kind}/${o.metadata.name}`));
    for (const w of workloads(target)) {
      for (const c of podSpecOf(w).containers) {
        for (const from of c.envFrom) {
          if (from.configMapRef) expect(names.has(`ConfigMap/${from.configMapRef.name}`)).toBe(true);
          // Prod's Secret is provisioned out of band; only the reference is rendered.
          if (from.secretRef && target === 'overlays/dev') {
            expect(names.has(`Secret/${from.secretRef.name}`)).toBe(true);
          }
          if (from.secretRef) expect(from.secretRef.name).toMatch(/^marquee-secrets/);
        }
      }
    }
    if (target === 'overlays/prod') expect(objectsOf(target).filter((o) => o.kind === 'Secret')).toEqual([]);
    const config = loadConfig({ ...configOf(target), DATABASE_URL: 'postgres://u:p@db:5432/marquee' });
    expect(config.env).toBe('production');
    expect(config.events.kind).toBe('kafka');
    expect(config.shutdownGraceMs).toBeGreaterThan(0);
  });

  it('ingestion workers are scaled by partitions; retraining is a CronJob', () => {
    const worker = find(target, 'Deployment', 'marquee-ingest-worker');
    expect(worker.spec.replicas).toBeGreaterThanOrEqual(1);
    // One consumer per worker pod, and none in the API pods: members = worker replicas.
    const envOf = (d: K8sObject) =>
      Object.fromEntries(podSpecOf(d).containers[0].env.map((e: any) => [e.name, e.value]));
    expect(envOf(worker).INGEST_CONSUMERS).toBe('1');
    for (const name of ['marquee-api', 'marquee-api-canary']) {
      expect(envOf(find(target, 'Deployment', name)).INGESTION_ENABLED).toBe('false');
    }
    expect(worker.spec.replicas).toBeLessThanOrEqual(Number(configOf(target).TOPIC_PARTITIONS));
    expect(podSpecOf(worker).containers[0].command).toEqual([
      'node',
      '--enable-source-maps',
      'dist/cli/ingest-worker.js',
    ]);
    const retrain = find(target, 'CronJob', 'marquee-retrain');
    expect(retrain.spec.concurrencyPolicy).toBe('Forbid');
    expect(podSpecOf(retrain).restartPolicy).toBe('Never');
    expect(podSpecOf(retrain).containers[0].command).toEqual(['node', '--enable-source-maps', 'dist/cli/retrain.js']);
    // Serving and training see the same artifacts volume at the same path (the registry stores paths).
    const artifactsMount = (w: K8sObject) =>
      podSpecOf(w).containers[0].volumeMounts.find((m: any) => m.name === 'artifacts');
    expect(artifactsMount(retrain).mountPath).toBe(artifactsMount(find(target, 'Deployment', 'marquee-api')).mountPath);
    expect(artifactsMount(find(target, 'Deployment', 'marquee-api')).readOnly).toBe(true);
  });

  it('ServiceMonitor (CRD, checked structurally) scrapes /metrics per track', () => {
    const monitor = find(target, 'ServiceMonitor', 'marquee-api');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    const service = find(target, 'Service', 'marquee-api');
    expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints).toHaveLength(1);
    expect(service.spec.ports.map((p: any) => p.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    expect(monitor.spec.podTargetLabels).toContain('track');
    expect(Object.keys(monitor.spec).sort()).toEqual(['endpoints', 'podTargetLabels', 'selector']);
  });
});

describe('prod overlay: sizing and pinning', () => {
  it('sizes the API for a full-scale model (measured 476–584 MB RSS → requests 768Mi, limits 1.5Gi)', () => {
    for (const name of ['marquee-api', 'marquee-api-canary']) {
      const [api] = podSpecOf(find('overlays/prod', 'Deployment', name)).containers;
      expect(toBytes(api.resources.requests.memory)).toBe(768 * 1024 ** 2);
      expect(toBytes(api.resources.limits.memory)).toBe(1.5 * 1024 ** 3);
    }
  });

  it('runs a canary track that takes a minority of traffic', () => {
    const stable = find('overlays/prod', 'Deployment', 'marquee-api');
    const canary = find('overlays/prod', 'Deployment', 'marquee-api-canary');
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.replicas).toBeLessThan(stable.spec.replicas);
  });

  it('TOPIC_PARTITIONS matches the Strimzi movielog topic', () => {
    const topics = objectsOf('strimzi');
    const movielog = topics.find((t) => t.metadata.name === 'movielog')!;
    expect(Number(configOf('overlays/prod').TOPIC_PARTITIONS)).toBe(movielog.spec.partitions);
  });
});

describe('Strimzi example (CRD, checked structurally)', () => {
  it('declares movielog, movielog.dlq and movielog.history-changes for the cluster', () => {
    const topics = objectsOf('strimzi');
    expect(topics.map((t) => t.metadata.name).sort()).toEqual(['movielog', 'movielog.dlq', 'movielog.history-changes']);
    for (const t of topics) {
      expect(t.apiVersion).toBe('kafka.strimzi.io/v1beta2');
      expect(t.kind).toBe('KafkaTopic');
      expect(t.metadata.labels['strimzi.io/cluster']).toBe('marquee');
      expect(Number.isInteger(t.spec.partitions) && t.spec.partitions > 0).toBe(true);
      expect(t.spec.replicas).toBeGreaterThanOrEqual(3);
      expect(t.spec.config['min.insync.replicas']).toBeLessThan(t.spec.replicas);
      expect(Object.keys(t.spec).sort()).toEqual(['config', 'partitions', 'replicas']);
    }
  });
});
