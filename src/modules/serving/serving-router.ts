import { Injectable } from '@nestjs/common';
import { LiveModel, LiveModels } from './live-models';

export interface RouteDecision {
  readonly model: LiveModel | null;
  readonly experiment: { readonly id: string; readonly arm: string } | null;
}

/**
 * Chooses the model that answers a user. Without a running experiment or
 * canary that is the production model. Experimentation plugs in through
 * `setAssigner`, keeping serving free of experiment logic.
 */
export type ArmAssigner = (userId: number, live: LiveModels) => RouteDecision | null;

@Injectable()
export class ServingRouter {
  private assigner: ArmAssigner | null = null;

  constructor(private readonly live: LiveModels) {}

  setAssigner(assigner: ArmAssigner | null): void {
    this.assigner = assigner;
  }

  route(userId: number): RouteDecision {
    const assigned = this.assigner?.(userId, this.live);
    if (assigned?.model) return assigned;
    return { model: this.live.production, experiment: null };
  }
}
