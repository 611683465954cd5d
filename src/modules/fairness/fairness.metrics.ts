import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '@modules/metrics';
import { FAIRNESS_DIMENSIONS, FairnessAudit } from './audit/offline-audit';
import { OnlineFairnessAudit } from './audit/online-audit';

/** Gauges of the last fairness audit (set whenever an audit runs: promotion gate, report). */
@Injectable()
export class FairnessMetrics {
  readonly qualityGap: Gauge<'dimension'>;
  readonly exposureGini: Gauge;
  readonly exposureTop10Share: Gauge;
  readonly longTailCoverage: Gauge;
  readonly popularityLift: Gauge;
  readonly onlineConversionGap: Gauge<'dimension'>;
  readonly onlineExposureGini: Gauge;
  readonly onlineExposureTop10Share: Gauge;

  constructor(metrics: MetricsRegistry) {
    this.qualityGap = metrics.gauge({
      name: 'marquee_fairness_quality_gap',
      help: 'Largest NDCG@20 gap between user groups in the last fairness audit, per dimension',
      labelNames: ['dimension'],
    });
    this.exposureGini = metrics.gauge({
      name: 'marquee_exposure_gini',
      help: 'Gini coefficient of item exposure in the last fairness audit (0 = even, 1 = one item)',
    });
    this.exposureTop10Share = metrics.gauge({
      name: 'marquee_exposure_top10_share',
      help: 'Share of exposure going to the most exposed 10% of movies in the last fairness audit',
    });
    this.longTailCoverage = metrics.gauge({
      name: 'marquee_exposure_long_tail_coverage',
      help: 'Share of long-tail movies (outside the 20% most popular) recommended at least once in the last audit',
    });
    this.popularityLift = metrics.gauge({
      name: 'marquee_popularity_bias_lift',
      help: 'Relative popularity of recommendations over users’ own history in the last audit (0 = no bias)',
    });
    this.onlineConversionGap = metrics.gauge({
      name: 'marquee_fairness_online_conversion_gap',
      help: 'Largest gap in per-user conversion between user groups over logged traffic (last online audit)',
      labelNames: ['dimension'],
    });
    this.onlineExposureGini = metrics.gauge({
      name: 'marquee_online_exposure_gini',
      help: 'Gini coefficient of item exposure over logged responses (last online audit)',
    });
    this.onlineExposureTop10Share = metrics.gauge({
      name: 'marquee_online_exposure_top10_share',
      help: 'Share of logged exposure going to the most exposed 10% of movies (last online audit)',
    });
  }

  record(audit: FairnessAudit): void {
    for (const d of FAIRNESS_DIMENSIONS) this.qualityGap.set({ dimension: d }, audit.quality[d].gap);
    this.exposureGini.set(audit.exposure.gini);
    this.exposureTop10Share.set(audit.exposure.top10Share);
    this.longTailCoverage.set(audit.exposure.longTail.coverage);
    this.popularityLift.set(audit.popularityBias.relativeLift);
  }

  recordOnline(audit: OnlineFairnessAudit): void {
    for (const d of FAIRNESS_DIMENSIONS) this.onlineConversionGap.set({ dimension: d }, audit.conversionByGroup[d].gap);
    this.onlineExposureGini.set(audit.exposure.gini);
    this.onlineExposureTop10Share.set(audit.exposure.top10Share);
  }
}
