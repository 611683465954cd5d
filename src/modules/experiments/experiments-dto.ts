import { z } from 'zod';

const name = z.string().regex(/^[\w.-]{1,100}$/, 'letters, digits, _ . - (at most 100)');

const settings = z
  .object({
    alpha: z.number().gt(0).lt(0.5),
    power: z.number().gt(0.5).lt(1),
    minimumDetectableEffect: z.number().gt(0).lt(1),
    baselineConversion: z.number().gt(0).lt(1),
    sequentialTau: z.number().gt(0),
  })
  .partial();

export const CreateExperimentBody = z.object({
  id: name.optional(),
  slot: name.optional(),
  arms: z
    .array(z.object({ name, modelVersion: z.string().min(1).max(200), share: z.number().gt(0).max(1000) }))
    .min(2)
    .max(10),
  settings: settings.optional(),
});

export const ListExperimentsQuery = z.object({
  kind: z.enum(['ab', 'canary']).optional(),
  status: z.enum(['draft', 'running', 'stopped', 'concluded', 'rolled_back', 'promoted']).optional(),
});

export const ReasonBody = z.object({ reason: z.string().min(1).max(2000).optional() });

export const StartCanaryBody = z.object({
  candidate: z.string().min(1).max(200),
  id: name.optional(),
  steps: z.array(z.number().gt(0).max(1)).min(1).max(10).optional(),
  guardrails: z
    .object({
      minUsersPerStep: z.number().int().min(1),
      minStepMs: z.number().int().min(0),
      maxErrorRate: z.number().min(0).max(1),
      maxLatencyP99Ms: z.number().positive(),
      minRequestsToPromote: z.number().int().min(0),
    })
    .partial()
    .optional(),
  settings: settings.optional(),
});
