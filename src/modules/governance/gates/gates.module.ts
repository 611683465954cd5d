import { Module } from '@nestjs/common';
import { GateRegistry } from './gate-registry';

/**
 * The promotion-gate contract's one provider. GovernanceModule re-exports it;
 * a module that owns a gate and does not otherwise need governance (fairness)
 * imports this small module alone. One static module, so one registry per
 * application however many modules import it.
 */
@Module({
  providers: [GateRegistry],
  exports: [GateRegistry],
})
export class GatesModule {}
