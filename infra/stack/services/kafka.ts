import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createKafka } from '../../kafka/client.ts';
import { findJavas, mavenClasspath } from '../installers.ts';
import { run, spawnDetached } from '../processes.ts';
import { STACK_KAFKA_NODE_PORT_STEP } from '../../config/variables.ts';
import type { ServiceContext, ServiceName, StackService } from '../service.ts';
import { kraftClusterId } from './cluster-id.ts';

/**
 * The Kafka nodes of the stack: one (the default) or three (STACK_KAFKA_BROKERS=3), each its
 * own service with its own pid, log and data, so one node can be killed and started alone.
 */
export function kafkaNodes(context: ServiceContext): StackService[] {
  const count = context.settings.kafkaBrokers;
  return Array.from({ length: count }, (_, index) => kafkaService(context, index + 1, count));
}

/**
 * Apache Kafka in KRaft mode, combined broker and controller, from Maven Central jars.
 * One node: replication factor 1 and min ISR 1 for the internal topics, or group coordination
 * and transactions never become available. Three nodes: a static three-voter quorum, and every
 * topic (internal or declared, which take the broker's default) replicated 3 with min ISR 2, so
 * one node may die under acks=all without refusing or losing a write.
 */
function kafkaService({ settings, layout }: ServiceContext, node: number, nodes: number): StackService {
  const name = (node === 1 ? 'kafka' : `kafka-${node}`) as ServiceName;
  const home = layout.data(name);
  const logDir = join(home, 'log');
  const properties = join(home, 'server.properties');
  const log4j = join(home, 'log4j2.xml');
  const step = STACK_KAFKA_NODE_PORT_STEP * (node - 1);
  const port = settings.ports.kafka + step;
  const controllerPort = settings.ports.kafkaController + step;
  const voters = Array.from(
    { length: nodes },
    (_, i) => `${i + 1}@127.0.0.1:${settings.ports.kafkaController + STACK_KAFKA_NODE_PORT_STEP * i}`,
  );
  let java = 'java';
  let classpath = '';

  return {
    name,
    port,
    portVariable: 'STACK_KAFKA_PORT',
    otherPorts: [{ port: controllerPort, variable: 'STACK_KAFKA_CONTROLLER_PORT' }],
    dependsOn: [],
    startTimeoutMs: 90_000,
    stopSignal: 'SIGTERM', // controlled shutdown
    async prepare() {
      const runtime = (await findJavas()).find((candidate) => candidate.major >= 17);
      if (!runtime) throw new Error('Kafka needs Java 17 or newer and none was found; run bash infra/bootstrap.sh');
      java = runtime.bin;
      classpath = await mavenClasspath(layout.tools);
      mkdirSync(home, { recursive: true });
      writeFileSync(properties, serverProperties({ node, nodes, port, controllerPort, voters, logDir }));
      writeFileSync(log4j, LOG4J2);
      if (!existsSync(join(logDir, 'meta.properties'))) {
        await run(java, [
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          // One node bootstraps its own quorum; three share the static voters of their properties.
          ...(nodes === 1 ? ['--standalone'] : []),
          `--cluster-id=${sharedClusterId(layout.data('kafka-cluster'))}`,
          '-c',
          properties,
        ]);
      }
    },
    async launch() {
      // Kafka's own default heap (kafka-server-start.sh: 1 GiB). 512 MiB ran out on a stack whose
      // test runs had left 12,000 partitions (each test's isolated topics), and the broker died.
      return spawnDetached(
        java,
        ['-Xms128m', '-Xmx1g', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.Kafka', properties],
        { logFile: layout.log(name), cwd: home },
      );
    },
    async probe() {
      const kafka = createKafka(
        { brokers: [`127.0.0.1:${port}`], clientId: 'tributary-stack', ssl: false },
        pino({ level: 'silent' }),
        {
          connectionTimeout: 1000,
          retry: { retries: 0 },
        },
      );
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Every node of one cluster formats with the same id: the first to ask writes it, the others read it. */
function sharedClusterId(folder: string): string {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'cluster-id');
  try {
    writeFileSync(file, kraftClusterId(), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

interface NodeSettings {
  readonly node: number;
  readonly nodes: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly voters: readonly string[];
  readonly logDir: string;
}

function serverProperties({ node, nodes, port, controllerPort, voters, logDir }: NodeSettings): string {
  const replicas = nodes === 1 ? 1 : 3;
  const minIsr = nodes === 1 ? 1 : 2;
  const quorum =
    nodes === 1
      ? `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`
      : `controller.quorum.voters=${voters.join(',')}`;
  return `# Written by tributary stack up; edits are overwritten.
process.roles=broker,controller
node.id=${node}
${quorum}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${logDir}
num.partitions=3
default.replication.factor=${replicas}
min.insync.replicas=${minIsr}
unclean.leader.election.enable=false
offsets.topic.replication.factor=${replicas}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`;
}

const LOG4J2 = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka" level="INFO"/>
    <Logger name="org.apache.kafka" level="INFO"/>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Root level="WARN"><AppenderRef ref="STDOUT"/></Root>
  </Loggers>
</Configuration>
`;
