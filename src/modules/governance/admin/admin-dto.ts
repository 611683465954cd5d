import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { ROLES } from '../access/roles';
import { GATE_STATUSES, normalizeGateResult } from '../gates/gate-evaluator';
import { POLICY_GATES } from '../gates/gate-registry';

/** Parses a request body (or query) with zod; a 400 names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new BadRequestException(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

const name = z.string().regex(/^[\w.-]{1,100}$/, 'letters, digits, _ . - (at most 100)');
/**
 * A gate result: `{status: passed|failed|undecided, reasons?: string[], …measurements}`, or the older
 * `{passed: boolean, reason?}` (passed → passed, otherwise failed). Stored in the normalized shape.
 */
const gateResult = z
  .looseObject({
    status: z.enum(GATE_STATUSES).optional(),
    passed: z.boolean().optional(),
    reasons: z.array(z.string().max(2000)).max(200).optional(),
    reason: z.string().max(2000).optional(),
  })
  .superRefine((value, ctx) => {
    try {
      normalizeGateResult(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  })
  .transform((value) => normalizeGateResult(value));

export const RegisterModelBody = z.object({
  artifactDir: z.string().min(1).max(1000),
  slot: name.optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  gates: z.record(z.string(), gateResult).optional(),
  trainedBy: z.string().min(1).max(200).optional(),
  trainingRunId: z.string().min(1).max(200).optional(),
  expectedSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export const PromotionBody = z.object({
  to: z.enum(['canary', 'production', 'retired', 'rejected']),
  justification: z.string().max(4000).optional(),
  override: z.boolean().optional(),
  canaryTelemetry: z
    .looseObject({
      requests: z.number().nonnegative(),
      errorRate: z.number().min(0).max(1),
      latencyP95Ms: z.number().nonnegative(),
      onlineMetric: z.number(),
      championOnlineMetric: z.number().optional(),
      onlineDifferenceStdError: z.number().nonnegative().optional(),
    })
    .optional(),
  // User input: only the gates the policy requires may be asserted with a promotion request.
  gates: z.record(z.enum(POLICY_GATES), gateResult).optional(),
});

export const GateBody = gateResult;

export const RollbackBody = z.object({ reason: z.string().max(4000).optional() });

export const ListModelsQuery = z.object({
  slot: z.string().optional(),
  state: z.enum(['candidate', 'canary', 'production', 'retired', 'rejected']).optional(),
  snapshotId: z.string().optional(),
});

export const AuditQuery = z.object({
  kind: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const CreateApiKeyBody = z.object({ name, role: z.enum(ROLES) });

export const VerifyQuery = z.object({
  anchor: z
    .string()
    .regex(/^\d+:[0-9a-f]{64}$/, 'expected <seq>:<sha256 hex>')
    .transform((text) => {
      const [seq, hash] = text.split(':');
      return { seq, hash };
    })
    .optional(),
});
