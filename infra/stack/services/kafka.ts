import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createKafka } from '../../kafka/client.ts';
import { findJavas, mavenClasspath } from '../installers.ts';
import { run, spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';
import { kraftClusterId } from './cluster-id.ts';

/**
 * Apache Kafka in KRaft mode, one combined broker and controller, from Maven Central jars.
 * Single-node settings: replication factor 1 and min ISR 1 for the internal topics, or
 * group coordination and transactions never become available.
 */
export function kafkaService({ settings, layout }: ServiceContext): StackService {
  const home = layout.data('kafka');
  const logDir = join(home, 'log');
  const properties = join(home, 'server.properties');
  const log4j = join(home, 'log4j2.xml');
  const { kafka: port, kafkaController: controllerPort } = settings.ports;
  let java = 'java';
  let classpath = '';

  return {
    name: 'kafka',
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
      writeFileSync(properties, serverProperties(port, controllerPort, logDir));
      writeFileSync(log4j, LOG4J2);
      if (!existsSync(join(logDir, 'meta.properties'))) {
        const clusterId = kraftClusterId();
        await run(java, [
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          `--cluster-id=${clusterId}`,
          '-c',
          properties,
        ]);
      }
    },
    async launch() {
      return spawnDetached(
        java,
        ['-Xms128m', '-Xmx512m', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.Kafka', properties],
        { logFile: layout.log('kafka'), cwd: home },
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

function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return `# Written by tributary stack up; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${logDir}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
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
