/**
 * Records behind, per sink and partition: Kafka's end offset minus the warehouse-owned high-water.
 * The warehouse, not the consumer group, says how far a sink got (exactly-once design), so a
 * group offset that lags or leads the warehouse cannot make this figure lie.
 */
import type { AdminPort } from "../kafka/adapter.js";
import type { SinkSpec } from "../sinks/config.js";
import type { WarehouseWriter } from "../sinks/writer.js";
import type { PartitionBehind } from "./runtime-metrics.js";

export type { PartitionBehind } from "./runtime-metrics.js";

/** Behind = end − (high-water + 1); a partition the sink never wrote counts from its earliest retained offset. */
export async function recordsBehind(
  admin: Pick<AdminPort, "endOffsets">,
  sinks: readonly SinkSpec[],
  writerOf: (sink: SinkSpec) => Pick<WarehouseWriter, "readHighWater">,
): Promise<PartitionBehind[]> {
  const out: PartitionBehind[] = [];
  for (const sink of sinks) {
    const [ends, highWater] = await Promise.all([admin.endOffsets(sink.topic), writerOf(sink).readHighWater(sink)]);
    for (const { partition, low, high } of ends) {
      const hw = highWater.get(partition);
      const next = hw === undefined ? BigInt(low) : hw + 1n;
      const behind = BigInt(high) - next;
      out.push({ sink: sink.name, topic: sink.topic, partition, behind: Number(behind > 0n ? behind : 0n) });
    }
  }
  return out;
}
