import { mkdirSync } from "node:fs";
import path from "node:path";
import { Flags } from "@oclif/core";
import { FlinkEnvironmentError } from "../../../compiler/errors.js";
import { latestCheckpoint, startOnFlink, type JobEvent } from "../../../compiler/processors/flink-jvm.js";
import { runRequest } from "../../../compiler/processors/project.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";
import { display, planNamed, plannerFlags, processorArg } from "../../flink-processor.js";

export default class FlinkRun extends EvtCommand<typeof FlinkRun> {
  static override summary = "Run a processor on a local Flink MiniCluster (development).";
  static override description =
    "Lints and plans processors/<NAME>.yaml, then runs it in a local MiniCluster (one JVM, Flink jars fetched by scripts/flink.sh " +
    "into .cache/flink) until SIGINT/SIGTERM. Checkpoints go to --checkpoints and are kept; --restore latest resumes from the newest " +
    "one (exactly once: the output topic is written in Kafka transactions committed on checkpoints). Prints the job id and the JVM " +
    "pid; Flink's log is <checkpoints>/../flink.log. With --bounded the job reads what the topics hold now and ends.";
  static override examples = [
    "<%= config.bin %> flink run sessionize",
    "<%= config.bin %> flink run sessionize --restore latest",
    "<%= config.bin %> flink run sessionize --topic clickstream.v1.PageViewed=staging.page_viewed",
  ];
  static override args = processorArg;
  static override flags = {
    ...plannerFlags,
    checkpoints: Flags.string({ summary: "Checkpoint directory (default .evt/flink/<NAME>/checkpoints).", helpValue: "DIR" }),
    restore: Flags.string({ summary: "Resume from a checkpoint or savepoint directory, or `latest` (the newest under --checkpoints).", helpValue: "DIR|latest" }),
    bounded: Flags.boolean({ summary: "Read the topics up to their current end, then finish (benchmarks, backfills)." }),
    heap: Flags.string({ summary: "Heap of the Flink JVM (default 768m).", helpValue: "SIZE" }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const name = this.args.name;
    const planned = await planNamed(config, name, this.flags);
    const checkpoints = path.resolve(this.flags.checkpoints ?? path.join(config.baseDir, ".evt", "flink", name, "checkpoints"));
    mkdirSync(checkpoints, { recursive: true });
    let restore = this.flags.restore;
    if (restore === "latest") {
      restore = latestCheckpoint(checkpoints);
      if (!restore) throw new FlinkEnvironmentError(`--restore latest: no completed checkpoint under ${display(checkpoints)}`);
    }
    const logFile = path.join(path.dirname(checkpoints), "flink.log");
    const job = startOnFlink(planned.setup.home, planned.setup.classpath, runRequest(planned, { checkpoints, bounded: this.flags.bounded, ...(restore ? { restore: path.resolve(restore) } : {}) }), {
      logFile,
      ...(this.flags.heap ? { heap: this.flags.heap } : {}),
      onEvent: (e: JobEvent) => {
        if (e.event === "started") process.stdout.write(`flink: job ${e.jobId} of processor ${name} started (pid ${job.pid}, checkpoints ${display(checkpoints)}${restore ? `, restored from ${display(restore)}` : ""}, log ${display(logFile)})\n`);
      },
    });
    const stop = (): void => job.kill("SIGTERM");
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const { code, last } = await job.done;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (last?.event === "finished") return { text: `flink: job ${last.jobId} finished`, json: { jobId: last.jobId, finished: true } };
    if (last?.event === "failed") throw new FlinkEnvironmentError(`processor ${name} failed on Flink: ${last.message.split("\n")[0]} (log ${display(logFile)})`);
    if (code === 143 || code === 130 || code === 0) return { text: `flink: processor ${name} stopped`, json: { stopped: true } };
    throw new FlinkEnvironmentError(`the Flink JVM of processor ${name} exited with code ${code} (log ${display(logFile)})`);
  }
}
