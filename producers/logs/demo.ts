import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { EventOf, LogType } from '../../schemas/generated/events.ts';
import type { DemoActionContext, DemoContext } from '../../slices/slice.ts';
import { LogShipper } from './log-shipper.ts';

type Step = EventOf<'LogEntry'>['payload']['events'][number];

/** One request's path through the servers of seed 004: portal or app, gateway, hub, connector. */
const FLOWS: readonly { logType: LogType; server: string; route: string; hops: readonly [string, string][] }[] = [
  {
    logType: 'web',
    server: 'dspweb-1',
    route: 'PUT /members/groups',
    hops: [
      ['dspweb-1', '/srv/web/routes/groups.js:88:17'],
      ['dspagw-1', '/srv/agw/routes/authorization.js:278:53'],
    ],
  },
  {
    logType: 'app',
    server: 'dspapp-2',
    route: 'GET /accounts/balances',
    hops: [
      ['dspapp-2', '/srv/app/routes/accounts.js:41:9'],
      ['dspagw-1', '/srv/agw/routes/accounts.js:120:5'],
    ],
  },
  {
    logType: 'agw',
    server: 'dspagw-1',
    route: 'POST /transfers',
    hops: [
      ['dspagw-1', '/srv/agw/routes/transfers.js:64:11'],
      ['connector-hub-1', '/srv/hub/dispatch.js:210:3'],
    ],
  },
  {
    logType: 'hub',
    server: 'connector-hub-1',
    route: 'connector symxchange.getMember',
    hops: [
      ['connector-hub-1', '/srv/hub/dispatch.js:210:3'],
      ['symxchange-1', '/srv/connectors/symxchange/member.js:33:7'],
    ],
  },
];

/**
 * A round of realistic log entries (seed 004): each flow a request with its timeline (received,
 * authorized, called the next server, answered), with its own transaction id; now and then a
 * connector times out (level error, a failed step), which raises log_error.
 */
export function demoLogEntries(context: DemoContext): EventOf<'LogEntry'>[] {
  return FLOWS.map((flow, i) => {
    const transactionId = `${randomUUID()}-${randomUUID()}`;
    const failed = (context.round + i) % 7 === 0;
    const at = (ms: number) => new Date(context.now.getTime() - 400 + ms);
    const step = (
      ms: number,
      action: string,
      description: string,
      server: string,
      caller: string,
      success = true,
    ): Step => ({
      action,
      description,
      detail: { route: flow.route, round: String(context.round) },
      caller,
      server,
      success,
      time: at(ms),
      transactionId,
      type: 'request',
    });
    const [[first, firstCaller], [next, nextCaller]] = flow.hops as readonly [[string, string], [string, string]];
    return {
      type: 'LogEntry',
      metadata: {
        eventId: randomUUID(),
        occurredAt: at(0),
        organizationId: context.organizationId,
        environment: context.environment,
        correlationId: transactionId,
        causationId: null,
        actor: flow.server,
      },
      payload: {
        organizationId: context.organizationId,
        logType: flow.logType,
        environment: context.environment,
        server: flow.server,
        level: failed ? 'error' : 'info',
        message: failed ? `${flow.route} failed: ${next} timed out after 30 s` : `${flow.route} answered 200`,
        events: [
          step(0, 'received request', `request received on ${first}`, first, firstCaller),
          step(12, 'authorized', 'session token verified', first, firstCaller),
          step(30, 'called', `called ${next}`, next, nextCaller, !failed),
          step(
            failed ? 30_030 : 180,
            failed ? 'timed out' : 'responded',
            failed ? `${next} did not answer` : 'response sent',
            first,
            firstCaller,
            !failed,
          ),
        ],
      },
    };
  });
}

/**
 * Through the front door: a service's pino logger, shipped by the same code as the pino transport
 * (the container app's activity, seed 004's `container` type), published with the demo's publisher.
 */
export async function shipDemoContainerLogs(context: DemoActionContext): Promise<void> {
  const shipper = new LogShipper({
    organizationId: context.organizationId,
    logType: 'container',
    environment: context.environment,
    server: 'cu-container-1',
  });
  const logger = pino({ base: { name: 'cu-container' } }, { write: shipper.write });
  logger.info({ tile: 'balances', ms: 84 }, 'tile rendered');
  if (context.round % 3 === 0) logger.warn({ tile: 'transfers', retries: 2 }, 'tile data late; retried');
  shipper.attach(context.publisher);
  await shipper.close();
}
