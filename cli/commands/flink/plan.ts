import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Flags } from "@oclif/core";
import { renderSqlScript } from "../../../compiler/processors/script.js";
import { EvtCommand, type CommandResult } from "../../base-command.js";
import { display, planNamed, plannerFlags, processorArg } from "../../flink-processor.js";

export default class FlinkPlan extends EvtCommand<typeof FlinkPlan> {
  static override summary = "Write a processor's Flink SQL script and jar list for a Flink cluster.";
  static override description =
    "Lints and plans processors/<NAME>.yaml with Flink's planner, then writes <out>/<NAME>.sql (SET options, the source and sink " +
    "tables, the INSERT) for Flink's SQL client (sql-client.sh -f) or the SQL Gateway, and <out>/<NAME>.jars.txt: the jars the " +
    "cluster needs besides Flink itself (Kafka SQL connector, protobuf format, the contract classes). Exit 2 when the processor has findings.";
  static override examples = ["<%= config.bin %> flink plan sessionize", "<%= config.bin %> flink plan sessionize --out deploy/flink"];
  static override args = processorArg;
  static override flags = {
    ...plannerFlags,
    out: Flags.string({ summary: "Directory to write to (default .evt/flink/<NAME>).", helpValue: "DIR" }),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const name = this.args.name;
    const planned = await planNamed(config, name, this.flags);
    const outDir = path.resolve(this.flags.out ?? path.join(config.baseDir, ".evt", "flink", name));
    mkdirSync(outDir, { recursive: true });
    const sqlFile = path.join(outDir, `${name}.sql`);
    const header = `-- evt flink plan ${name}: submit with sql-client.sh -f ${name}.sql (jars: ${name}.jars.txt)`;
    writeFileSync(sqlFile, renderSqlScript(planned.spec, planned.script, header));
    const libs = path.join(planned.setup.home.cache, "libs");
    const jars = [
      path.join(libs, "flink-sql-connector-kafka-5.0.0-2.2.jar"),
      path.join(libs, "flink-protobuf-2.2.0.jar"),
      path.join(libs, "protobuf-java-4.32.1.jar"),
      planned.setup.contractsJar,
    ];
    const jarsFile = path.join(outDir, `${name}.jars.txt`);
    writeFileSync(jarsFile, `${jars.join("\n")}\n`);
    return {
      json: { sql: sqlFile, jars },
      text: `wrote ${display(sqlFile)} and ${display(jarsFile)} (${jars.length} jars to add to the cluster's lib/ or ADD JAR)`,
    };
  }
}
