/**
 * Kafka's own performance tools, the ceilings of the publish and consume measures: the
 * `kafka-producer-perf-test` and `kafka-consumer-perf-test` of the distribution are these classes
 * of kafka-tools, which the local stack's Maven classpath already holds (the same jars the broker
 * runs from), run with the same Java.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '../../infra/config/index.ts';
import { findJavas, mavenClasspath } from '../../infra/stack/installers.ts';
import { StackLayout } from '../../infra/stack/layout.ts';

const run = promisify(execFile);

interface Tools {
  readonly java: string;
  readonly classpath: string;
}

let tools: Promise<Tools> | undefined;

function kafkaTools(config: Config): Promise<Tools> {
  tools ??= (async () => {
    const java = (await findJavas()).find((candidate) => candidate.major >= 17);
    if (!java) throw new Error("Kafka's perf tools need Java 17 or newer; run bash infra/bootstrap.sh");
    return { java: java.bin, classpath: await mavenClasspath(new StackLayout(config.stack.dir).tools) };
  })();
  return tools;
}

async function tool(config: Config, main: string, args: readonly string[]): Promise<string> {
  const { java, classpath } = await kafkaTools(config);
  // A small heap, as the broker's, and no log4j config: the tools print their figures on stdout.
  const { stdout } = await run(java, ['-Xmx512m', '-cp', classpath, main, ...args], {
    maxBuffer: 16 << 20,
    timeout: 300_000,
  });
  return stdout;
}

export interface ProducerPerfOptions {
  readonly topic: string;
  readonly records: number;
  readonly recordSize: number;
  /** Producer properties beside bootstrap.servers (acks, idempotence, batching). */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

export interface ProducerPerfResult {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly avgLatencyMs: number;
}

/** `kafka-producer-perf-test` at full speed (`--throughput -1`); its closing summary line, parsed. */
export async function producerPerfTest(config: Config, options: ProducerPerfOptions): Promise<ProducerPerfResult> {
  const properties = Object.entries({ 'bootstrap.servers': config.kafka.brokers.join(','), ...options.properties }).map(
    ([k, v]) => `${k}=${v}`,
  );
  const stdout = await tool(config, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    options.topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    ...properties,
  ]);
  // "20000 records sent, 41237.1 records/sec (9.83 MB/sec), 40.1 ms avg latency, 301.0 ms max latency, ..."
  const summary = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((line) => /records sent, [\d.]+ records\/sec/.test(line) && /percentile|50th/.test(line));
  const match = summary?.match(/records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/);
  if (!match) throw new Error(`kafka-producer-perf-test printed no summary: ${stdout.slice(-500)}`);
  return { recordsPerSecond: Number(match[1]), mbPerSecond: Number(match[2]), avgLatencyMs: Number(match[3]) };
}

export interface ConsumerPerfResult {
  /** Megabytes (2^20 bytes, as the tool counts) per second while fetching, the group's join left out. */
  readonly fetchMbPerSecond: number;
  readonly fetchRecordsPerSecond: number;
  readonly mb: number;
  readonly records: number;
}

/** `kafka-consumer-perf-test` reading `records` records of `topic` from the start, in a group of its own. */
export async function consumerPerfTest(
  config: Config,
  options: { readonly topic: string; readonly records: number; readonly group: string },
): Promise<ConsumerPerfResult> {
  const stdout = await tool(config, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    config.kafka.brokers.join(','),
    '--topic',
    options.topic,
    '--messages',
    String(options.records),
    '--group',
    options.group,
    '--timeout',
    '60000',
    '--hide-header',
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.split(',').length >= 10);
  if (!line) throw new Error(`kafka-consumer-perf-test printed no figures: ${stdout.slice(-500)}`);
  const fields = line.split(',').map((f) => f.trim());
  return {
    mb: Number(fields[2]),
    records: Number(fields[4]),
    fetchMbPerSecond: Number(fields[8]),
    fetchRecordsPerSecond: Number(fields[9]),
  };
}
