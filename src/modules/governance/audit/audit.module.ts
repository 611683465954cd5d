import { Module } from '@nestjs/common';
import { AuditAnchorService } from './audit-anchor.service';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * The append-only, hash-chained audit trail, and its anchors outside the
 * database (AuditAnchorService; with the Kafka sink it needs the global
 * EventsModule's bus, which an application that runs Kafka imports).
 */
@Module({ providers: [AuditRepository, AuditService, AuditAnchorService], exports: [AuditService, AuditAnchorService] })
export class AuditModule {}
