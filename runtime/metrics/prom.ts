/**
 * The one place prom-client is loaded (an optional peer of the runtime package: a service that
 * never asks for metrics never imports it). Everything else takes the types from here.
 */
import * as prom from "prom-client";

export type { Registry, Counter, Gauge, Histogram } from "prom-client";
export const { Registry: RegistryClass, Counter: CounterClass, Gauge: GaugeClass, Histogram: HistogramClass } = prom;
