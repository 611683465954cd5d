/**
 * The hand-written part of the service's OpenAPI 3.1 document: what each known
 * operation takes and answers. OpenApiService merges it with the routes the
 * application actually registers, so a route without an entry here is still
 * published (with its path parameters) and reached by the fuzz test.
 */
export interface OperationDoc {
  readonly summary: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly ParameterDoc[];
  readonly requestBody?: { readonly required: boolean; readonly schema: JsonSchema };
  readonly responses?: Readonly<Record<string, string>>;
  /** Needs an admin API key (x-api-key or Bearer). */
  readonly admin?: boolean;
}

export interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema: JsonSchema;
  readonly description?: string;
}

export type JsonSchema = Readonly<Record<string, unknown>>;

const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const query = (name: string, schema: JsonSchema, description?: string): ParameterDoc => ({
  name,
  in: 'query',
  schema,
  ...(description ? { description } : {}),
});
const ERRORS = { '400': 'invalid input', '401': 'no or invalid API key', '403': 'role lacks the permission' };

export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /healthz': { summary: 'Liveness', tags: ['health'], responses: { '200': 'up' } },
  'GET /readyz': {
    summary: 'Readiness (database, event bus, model loaded, not draining)',
    tags: ['health'],
    responses: { '200': 'ready', '503': 'not ready' },
  },
  'GET /metrics': { summary: 'Prometheus metrics', tags: ['health'], responses: { '200': 'text exposition' } },
  'GET /openapi.json': { summary: 'This document', tags: ['meta'], responses: { '200': 'OpenAPI 3.1' } },
  'GET /recommend/{userId}': {
    summary: 'Up to 20 movie ids for the user, best first (text/plain; ?format=json for scores)',
    tags: ['serving'],
    parameters: [
      { name: 'userId', in: 'path', required: true, schema: str({ pattern: '^\\d{1,10}$' }) },
      query('format', { type: 'string', enum: ['text', 'json'] }),
    ],
    responses: { '200': 'recommendations', '400': 'bad user id or format', '429': 'rate limited' },
  },
  'GET /movie/{id}': {
    summary: 'Catalogue entry of a movie',
    tags: ['catalog'],
    parameters: [{ name: 'id', in: 'path', required: true, schema: str() }],
    responses: { '200': 'movie', '404': 'unknown movie' },
  },
  'GET /user/{id}': {
    summary:
      'Profile of a user: demographics (age, gender, occupation) only for an API key whose role may read ' +
      'profiles (auditor, admin); otherwise {user_id} and x-demographics: withheld',
    tags: ['catalog'],
    parameters: [{ name: 'id', in: 'path', required: true, schema: str({ pattern: '^\\d+$' }) }],
    responses: { '200': 'user', '401': 'unknown API key', '404': 'unknown user' },
  },
  'POST /admin/models': {
    summary: 'Register a model artifact',
    admin: true,
    requestBody: {
      required: true,
      schema: {
        type: 'object',
        required: ['artifactDir'],
        properties: {
          artifactDir: str(),
          slot: str(),
          metrics: { type: 'object' },
          gates: { type: 'object' },
          trainedBy: str(),
          trainingRunId: str(),
          expectedSha256: str({ pattern: '^[0-9a-f]{64}$' }),
        },
      },
    },
    responses: { '201': 'registered', ...ERRORS },
  },
  'GET /admin/models': {
    summary: 'List models',
    admin: true,
    parameters: [query('slot', str()), query('state', str()), query('snapshotId', str())],
  },
  'POST /admin/models/{id}/promotions': {
    summary: 'Request a lifecycle transition (policy-gated)',
    admin: true,
    requestBody: {
      required: true,
      schema: {
        type: 'object',
        required: ['to'],
        properties: {
          to: str(),
          justification: str(),
          override: { type: 'boolean' },
          canaryTelemetry: { type: 'object' },
        },
      },
    },
  },
  'POST /admin/models/{id}/gates/{gate}': {
    summary: 'Record a gate result',
    admin: true,
    requestBody: {
      required: true,
      // `status` (three-valued), or the older `passed`; one of the two is required.
      schema: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['passed', 'failed', 'undecided'] },
          passed: { type: 'boolean' },
          reasons: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  'POST /admin/api-keys': {
    summary: 'Create an API key (returned once)',
    admin: true,
    requestBody: {
      required: true,
      schema: { type: 'object', required: ['name', 'role'], properties: { name: str(), role: str() } },
    },
  },
  'GET /admin/audit': {
    summary: 'Latest audit records',
    admin: true,
    parameters: [query('kind', str()), query('limit', { type: 'integer', minimum: 1 })],
  },
  'GET /admin/audit/verify': {
    summary: 'Verify the audit hash chain',
    admin: true,
    parameters: [query('anchor', str({ pattern: '^\\d+:[0-9a-f]{64}$' }))],
  },
  'GET /admin/reports/models/{id}': {
    summary: 'Compliance report',
    admin: true,
    parameters: [query('format', { type: 'string', enum: ['md', 'html'] })],
  },
  'GET /admin/quarantine': {
    summary: 'Accounts quarantined by the poisoning detectors',
    tags: ['security'],
    admin: true,
    parameters: [
      query('status', { type: 'string', enum: ['pending', 'genuine', 'malicious'] }),
      query('limit', { type: 'integer', minimum: 1, maximum: 1000 }),
    ],
  },
  'POST /admin/quarantine/{id}/review': {
    summary: 'Review a quarantined account (genuine releases its events into snapshots)',
    tags: ['security'],
    admin: true,
    requestBody: {
      required: true,
      schema: {
        type: 'object',
        required: ['verdict'],
        additionalProperties: false,
        properties: { verdict: { type: 'string', enum: ['genuine', 'malicious'] }, note: str({ maxLength: 1000 }) },
      },
    },
  },
  'POST /admin/quarantine/scan': {
    summary: 'Run the shilling detectors over recent ratings',
    tags: ['security'],
    admin: true,
    requestBody: {
      required: false,
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { lookbackDays: { type: 'integer', minimum: 1, maximum: 365 } },
      },
    },
  },
  'POST /admin/quarantine/gate/{modelId}': {
    summary: 'Evaluate and record the poisoning gate of a model',
    tags: ['security'],
    admin: true,
  },
};
