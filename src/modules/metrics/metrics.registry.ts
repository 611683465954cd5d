import { Injectable } from '@nestjs/common';
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';
import { clusterMetrics, workerNumber } from './cluster-metrics';

/**
 * The service's one Prometheus registry. Modules create their metrics here
 * (names prefixed `marquee_`); creating the same metric twice returns the
 * existing one, so several instances of a module in tests do not collide.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  /** Set when this is one of several service processes (HTTP_WORKERS > 1). */
  private readonly worker = workerNumber();

  constructor() {
    if (this.worker !== null) {
      // Every series names its process, so the supervisor's aggregate keeps them apart.
      this.registry.setDefaultLabels({ worker: this.worker });
      // Constructing one installs prom-client's answer to the supervisor's collection requests.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([this.registry]);
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'marquee_process_' });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L>) ??
      new Counter({ ...config, registers: [this.registry] })
    );
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Gauge<L>) ?? new Gauge({ ...config, registers: [this.registry] })
    );
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<L>) ??
      new Histogram({ ...config, registers: [this.registry] })
    );
  }

  /** This process's metrics, or every service process's when several share the port. */
  async text(): Promise<string> {
    return this.worker !== null ? clusterMetrics() : this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
