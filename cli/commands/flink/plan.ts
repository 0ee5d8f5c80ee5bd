import path from "node:path";
import { Flags } from "@oclif/core";
import { addToOutput, assertMayWrite } from "../../../compiler/emit/write-output.js";
import { renderSqlScript } from "../../../compiler/processors/script.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";
import { display, planNamed, plannerFlags, processorArg } from "../../flink-processor.js";

export default class FlinkPlan extends EvtCommand<typeof FlinkPlan> {
  static override summary = "Write a processor's Flink SQL script and jar list for a Flink cluster.";
  static override description =
    "Lints and plans processors/<NAME>.yaml with Flink's planner, then writes <out>/<NAME>.sql (SET options, the source and sink " +
    "tables, the INSERT) for Flink's SQL client (sql-client.sh -f) or the SQL Gateway, and <out>/<NAME>.jars.txt: the jars the " +
    "cluster needs besides Flink itself (Kafka SQL connector, protobuf format, the contract classes). Exit 2 when the processor has findings. " +
    "Like evt generate, it writes only where it owns the files (listed in <out>/.evt-manifest.json, which it keeps): a non-empty " +
    "directory it did not create, or a file of that name it did not write, is refused (exit 2) before anything runs; several " +
    "processors may share one --out.";
  static override examples = ["<%= config.bin %> flink plan sessionize", "<%= config.bin %> flink plan sessionize --out deploy/flink"];
  static override args = processorArg;
  static override flags = {
    ...plannerFlags,
    out: Flags.string({ summary: "Directory to write to (default .evt/flink/plan).", helpValue: "DIR" }),
    force: Flags.boolean({ summary: "Overwrite this processor's files even when they were edited since evt wrote them." }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const name = this.args.name;
    // .evt/flink/<NAME>/ holds `evt flink run`'s checkpoints and log: the plan has its own directory
    const outDir = path.resolve(this.flags.out ?? path.join(config.baseDir, ".evt", "flink", "plan"));
    const sqlFile = `${name}.sql`;
    const jarsFile = `${name}.jars.txt`;
    // before the planner JVM starts (~10 s): a refusal costs nothing
    assertMayWrite(outDir, [sqlFile, jarsFile], this.flags.force);
    const planned = await planNamed(config, name, this.flags);
    const header = `-- evt flink plan ${name}: submit with sql-client.sh -f ${sqlFile} (jars: ${jarsFile})`;
    const libs = path.join(planned.setup.home.cache, "libs");
    const jars = [
      path.join(libs, "flink-sql-connector-kafka-5.0.0-2.2.jar"),
      path.join(libs, "flink-protobuf-2.2.0.jar"),
      path.join(libs, "protobuf-java-4.32.1.jar"),
      planned.setup.contractsJar,
    ];
    await addToOutput(outDir, [
      { path: sqlFile, content: renderSqlScript(planned.spec, planned.script, header) },
      { path: jarsFile, content: `${jars.join("\n")}\n` },
    ], { force: this.flags.force });
    const shown = (f: string): string => display(path.join(outDir, f));
    return {
      json: { sql: path.join(outDir, sqlFile), jars },
      text: `wrote ${shown(sqlFile)} and ${shown(jarsFile)} (${jars.length} jars to add to the cluster's lib/ or ADD JAR)`,
    };
  }
}
