import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { GateRegistry } from '../gates/gate-registry';
import { LineageService } from '../registry/lineage.service';
import { ComplianceReportData, renderHtml, renderMarkdown } from './compliance-report';

/** audits/ at the repository root, found from src/ and from dist/ alike. */
export const DEFAULT_REPORTS_DIR = path.resolve(__dirname, '../../../../audits');

export interface WrittenReport {
  readonly modelId: string;
  readonly markdownPath: string;
  readonly htmlPath: string;
  readonly data: ComplianceReportData;
}

/** Compliance reports: a model's lineage, evidence and every decision, as Markdown and printable HTML. */
@Injectable()
export class ComplianceReportService {
  constructor(
    private readonly lineage: LineageService,
    private readonly audit: AuditService,
    private readonly gates: GateRegistry,
  ) {}

  async gather(modelId: string, generatedBy: string): Promise<ComplianceReportData> {
    const [lineage, chain] = await Promise.all([this.lineage.forModel(modelId), this.audit.verify()]);
    return { generatedAt: new Date(), generatedBy, lineage, chain, gateNames: this.gates.knownGates() };
  }

  async write(modelId: string, generatedBy: string, outDir = DEFAULT_REPORTS_DIR): Promise<WrittenReport> {
    const data = await this.gather(modelId, generatedBy);
    await fs.mkdir(outDir, { recursive: true });
    const base = path.join(outDir, `compliance-${modelId.replace(/[^\w.-]/g, '_')}`);
    const markdownPath = `${base}.md`;
    const htmlPath = `${base}.html`;
    await fs.writeFile(markdownPath, renderMarkdown(data));
    await fs.writeFile(htmlPath, renderHtml(data));
    await this.audit.append({
      actor: generatedBy,
      kind: 'report.generated',
      subject: `model:${modelId}`,
      payload: { markdownPath: path.basename(markdownPath), htmlPath: path.basename(htmlPath), chainOk: data.chain.ok },
    });
    return { modelId, markdownPath, htmlPath, data };
  }
}
