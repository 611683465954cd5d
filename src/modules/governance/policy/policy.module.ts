import { Module } from '@nestjs/common';
import { DEFAULT_POLICY_BUNDLE, PromotionPolicyService } from './promotion-policy.service';

/** The promotion policy (policies/promotion), evaluated in-process from its WASM build. */
@Module({
  providers: [{ provide: PromotionPolicyService, useFactory: () => new PromotionPolicyService(DEFAULT_POLICY_BUNDLE) }],
  exports: [PromotionPolicyService],
})
export class PolicyModule {}
