import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { RankedItem, ServingReranker } from './rerankers';

/**
 * The configurable serving stage between ranking and content safety
 * (SERVING_RERANK=none|exposure|explore, SERVING_RERANK_STRENGTH). With
 * `none` it returns the model's list unchanged. Exposure is tracked per
 * process (each replica balances what it has shown itself).
 */
@Injectable()
export class RerankStage {
  private readonly rerankers = new Map<number, ServingReranker>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get mode(): string {
    return this.config.rerank.mode;
  }

  apply<T extends RankedItem>(userId: number, items: T[], listLength: number, now = Date.now()): T[] {
    const { mode, strength } = this.config.rerank;
    if (mode === 'none' || items.length === 0) return items;
    let reranker = this.rerankers.get(listLength);
    if (!reranker) this.rerankers.set(listLength, (reranker = new ServingReranker({ mode, strength, listLength })));
    return reranker.apply(userId, items, now);
  }
}
