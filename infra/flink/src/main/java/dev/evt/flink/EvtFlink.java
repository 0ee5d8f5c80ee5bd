package dev.evt.flink;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;

/**
 * evt's bridge to Flink's own SQL planner and MiniCluster. evt (TypeScript) writes a request
 * file; this prints one JSON line per event on stdout and exits.
 *
 *   plan REQUEST.json   run the DDL statements, validate the query, optimise the INSERT; print
 *                       {"ok":true,"columns":[…]} or {"ok":false,"stage":…,"index":…,"message":…}
 *   serve               read plan requests as JSON lines on stdin, answer each with one line
 *                       (one warm planner for every processor evt lint checks)
 *   run REQUEST.json    run the DDL and the INSERT on a local MiniCluster; print
 *                       {"event":"started","jobId":…}, then {"event":"finished"} when a bounded
 *                       job ends, or {"event":"failed","message":…} (exit 1)
 *
 * Request: {"statements":[…], "query":"SELECT …", "insert":"INSERT …", "config":{…}, "parallelism":1}
 * Exit codes: 0 done (a plan with findings included), 1 the job failed, 2 a bad request.
 */
public final class EvtFlink {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvtFlink() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("serve")) {
      serve();
      System.exit(0);
    }
    if (args.length != 2 || !(args[0].equals("plan") || args[0].equals("run"))) {
      System.err.println("usage: EvtFlink plan|run REQUEST.json | serve");
      System.exit(2);
    }
    JsonNode request = JSON.readTree(Files.readString(new File(args[1]).toPath(), StandardCharsets.UTF_8));
    int code = args[0].equals("plan") ? plan(request) : run(request);
    System.out.flush();
    // the MiniCluster's non-daemon threads would keep the JVM alive
    System.exit(code);
  }

  private static Configuration configOf(JsonNode request) {
    Map<String, String> map = new LinkedHashMap<>();
    JsonNode config = request.path("config");
    config.fieldNames().forEachRemaining(k -> map.put(k, config.get(k).asText()));
    return Configuration.fromMap(map);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void emit(Map<String, Object> line) throws Exception {
    System.out.println(JSON.writeValueAsString(line));
    System.out.flush();
  }

  private static Map<String, Object> finding(String stage, int index, Throwable e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ok", false);
    out.put("stage", stage);
    out.put("index", index);
    out.put("message", messageOf(e));
    return out;
  }

  /** The planner wraps the useful message (Calcite's "From line 1, column 8 …") in causes. */
  private static String messageOf(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && sb.indexOf(m) < 0) {
        if (sb.length() > 0) sb.append("\n");
        sb.append(m);
      }
      if (t.getCause() == t) break;
    }
    return sb.toString();
  }

  private static void serve() throws Exception {
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isBlank()) continue;
      try {
        plan(JSON.readTree(line));
      } catch (Exception e) {
        emit(finding("request", 0, e));
      }
    }
  }

  private static int plan(JsonNode request) throws Exception {
    TableEnvironment tEnv = TableEnvironment.create(
        EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(configOf(request)).build());
    List<String> statements = strings(request.path("statements"));
    for (int i = 0; i < statements.size(); i++) {
      try {
        tEnv.executeSql(statements.get(i));
      } catch (Exception e) {
        emit(finding("statement", i, e));
        return 0;
      }
    }
    List<Map<String, Object>> columns = new ArrayList<>();
    if (request.hasNonNull("query")) {
      try {
        Table table = tEnv.sqlQuery(request.get("query").asText());
        for (Column c : table.getResolvedSchema().getColumns()) {
          Map<String, Object> col = new LinkedHashMap<>();
          col.put("name", c.getName());
          col.put("type", c.getDataType().getLogicalType().copy(true).asSummaryString());
          col.put("nullable", c.getDataType().getLogicalType().isNullable());
          columns.add(col);
        }
      } catch (Exception e) {
        emit(finding("query", 0, e));
        return 0;
      }
    }
    String explain = null;
    if (request.hasNonNull("insert")) {
      try {
        explain = tEnv.explainSql(request.get("insert").asText());
      } catch (Exception e) {
        Map<String, Object> out = finding("insert", 0, e);
        out.put("columns", columns);
        emit(out);
        return 0;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ok", true);
    out.put("columns", columns);
    if (explain != null) out.put("explain", explain);
    emit(out);
    return 0;
  }

  private static int run(JsonNode request) throws Exception {
    Configuration conf = configOf(request);
    int parallelism = request.path("parallelism").asInt(1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    for (String statement : strings(request.path("statements"))) tEnv.executeSql(statement);
    TableResult result;
    try {
      result = tEnv.executeSql(request.get("insert").asText());
    } catch (Exception e) {
      emit(Map.of("event", "failed", "message", messageOf(e)));
      return 1;
    }
    String jobId = result.getJobClient().map(c -> c.getJobID().toString()).orElse("");
    emit(Map.of("event", "started", "jobId", jobId));
    try {
      result.await();
    } catch (Exception e) {
      emit(Map.of("event", "failed", "message", messageOf(e)));
      return 1;
    }
    emit(Map.of("event", "finished", "jobId", jobId));
    return 0;
  }
}
