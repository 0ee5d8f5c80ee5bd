/**
 * What the runner's batch loop counts of the events it handled, per processor, for one
 * partition's batch: instead of an instrumentation event per record, one `processor.handled_batch`
 * per processor at the end of the batch and at each heartbeat/commit inside it.
 *
 * Time per record costs no clock reading of its own: the loop reads the clock once per record
 * anyway (for its heartbeat check) and passes it to `lap`; a record's time is the stretch from the
 * previous lap to its own, so the stretches of a batch add up to its handling time. A record marked
 * `handled` counts; one that was dead-lettered (or cut short by a stop) does not, nor does its
 * time. Per record: an array index, two additions and a bucket search — no Map, no allocation.
 */
import { HANDLED_DURATION_BOUNDS_MS, type Instrumentation } from "../instrumentation.js";

/** What the tally needs of a runner route: the processor's name and its index among the routes. */
export interface TalliedRoute {
  readonly name: string;
  readonly slot: number;
}

interface Cell {
  readonly route: TalliedRoute;
  count: number;
  durationMs: number;
  /** Per bucket of HANDLED_DURATION_BOUNDS_MS, plus one above every bound. */
  counts: number[];
}

const BOUNDS = HANDLED_DURATION_BOUNDS_MS;

export class HandledTally {
  private readonly cells: (Cell | undefined)[] = [];
  private marked: TalliedRoute | undefined;
  private since: number;

  /** `now`: the clock reading the first record's time starts from (ms, the clock `lap` gets). */
  constructor(
    private readonly instrumentation: Instrumentation,
    private readonly topic: string,
    private readonly partition: number,
    now: number,
  ) {
    this.since = now;
  }

  /** The record being handled succeeded in this route's processor. */
  handled(route: TalliedRoute): void {
    this.marked = route;
  }

  /** The current record is done at `now`: its stretch counts for the route that handled it, if any. */
  lap(now: number): void {
    const route = this.marked;
    if (route !== undefined) {
      this.marked = undefined;
      const cell = this.cells[route.slot] ?? this.open(route);
      const ms = now - this.since;
      cell.count++;
      cell.durationMs += ms;
      let i = 0;
      while (i < BOUNDS.length && ms > BOUNDS[i]!) i++;
      cell.counts[i]!++;
    }
    this.since = now;
  }

  /** The next record's stretch starts at `now` (after the loop awaited a heartbeat and a commit: no record's time). */
  restart(now: number): void {
    this.since = now;
  }

  /** Emits the totals since the last flush, one event per processor that handled something, and starts again from zero. */
  flush(): void {
    for (const cell of this.cells) {
      if (cell === undefined || cell.count === 0) continue;
      const { count, durationMs, counts } = cell;
      cell.count = 0;
      cell.durationMs = 0;
      cell.counts = zeros();
      this.instrumentation.emit("processor.handled_batch", () => ({
        processor: cell.route.name, topic: this.topic, partition: this.partition, count, durationMs, durationCounts: counts,
      }));
    }
  }

  private open(route: TalliedRoute): Cell {
    const cell: Cell = { route, count: 0, durationMs: 0, counts: zeros() };
    this.cells[route.slot] = cell;
    return cell;
  }
}

function zeros(): number[] {
  return new Array<number>(BOUNDS.length + 1).fill(0);
}
