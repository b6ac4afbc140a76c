import { randomUUID } from 'node:crypto';
import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type avro from 'avsc';
import type { FastifyPluginAsync } from 'fastify';
import type { Publisher } from '../../producers/publisher.ts';
import { INGEST_EVENT_TYPES } from '../../schemas/catalog.ts';
import type { EventCodec, FieldProblem } from '../../schemas/codec.ts';
import { EventValidationError } from '../../schemas/codec.ts';
import { lakeEntryProblems } from '../../infra/lake/layout.ts';
import type { EventOf, EventType, TributaryEvent } from '../../schemas/generated/events.ts';
import { fromJson } from '../../schemas/json.ts';
import { principalOf } from '../auth/plugin.ts';
import { SCOPES } from '../auth/principal.ts';
import { problemResponses } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import { ForeignOrganizationError, foreignOrganizationFields } from './organization.ts';
import { payloadSchema } from './payload-schema.ts';

interface EventRoutesOptions {
  readonly publisher: Publisher;
  readonly codec: EventCodec;
  /** Stamped on every event as metadata.environment. */
  readonly environment: string;
  readonly rateLimitPerMinute: number;
}

const MAX_BATCH = 500;

const EventInput = Type.Object(
  {
    eventId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Your id for the event (makes retries safe to deduplicate); one is made when absent.',
      }),
    ),
    occurredAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it happened; now when absent.' })),
    correlationId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Ties together what one request caused; the request's x-correlation-id when absent.",
      }),
    ),
    causationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The eventId of the event that caused this one.' }),
    ),
    // Any object here: the event's Avro schema checks it, after the instants are read from their strings.
    payload: Type.Object(
      {},
      { description: "The event's payload, as its Avro schema describes it; instants as ISO-8601 strings." },
    ),
  },
  { additionalProperties: false },
);
type EventInput = Static<typeof EventInput>;

/** One event or a batch. TypeBox builds `anyOf`; this stays `oneOf`, which it always was (the two cannot both match). */
const EventsBody = Type.Unsafe<EventInput | EventInput[]>({
  oneOf: [EventInput, Type.Array(EventInput, { minItems: 1, maxItems: MAX_BATCH })],
});

const Published = Type.Object({
  events: Type.Array(
    Type.Object({
      eventId: Type.String(),
      type: Type.String(),
      topic: Type.String(),
      partition: Type.Integer(),
      offset: Type.String(),
    }),
  ),
  position: Type.String({ description: 'Pass as ?after= to a read to see these events applied.' }),
});

/**
 * HTTP ingest for services that cannot speak Kafka: one event or a batch as JSON, validated
 * against the same Avro schema the publisher uses, stamped with the caller's organization
 * (never taken from the body; an organization field in the payload must repeat it), published,
 * answered 202 with the event ids and a position token for read-your-writes.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (instance, options) => {
  const { publisher, codec, environment } = options;
  if (!publisher || !codec) throw new Error('eventRoutes needs a publisher and a codec');
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const payloadTypes = new Map(
    INGEST_EVENT_TYPES.map((type) => {
      const event = codec.definition(type).schema.type as avro.types.RecordType;
      return [type, event.fields.find((field) => field.name === 'payload')!.type] as const;
    }),
  );

  const routeOptions = (documented?: { type: EventType; payload: Record<string, unknown> }) => ({
    config: {
      scope: SCOPES.publishEvents,
      rateLimit: { max: options.rateLimitPerMinute, timeWindow: 60_000 },
      // The document shows this type's payload; validation stays the Avro schema's, with its messages.
      ...(documented ? { documentedPayload: documented.payload } : {}),
    },
    schema: {
      summary: documented ? `Publish ${documented.type} events (one or a batch)` : 'Publish one event or a batch',
      tags: ['events'],
      ...(documented ? {} : { hide: true }),
      ...(documented ? {} : { params: Type.Object({ type: Type.Enum(INGEST_EVENT_TYPES, { type: 'string' }) }) }),
      body: EventsBody,
      response: { 202: Published, ...problemResponses },
    },
  });

  /** Validates the events of one request whole, then publishes them together; 202 with their positions. */
  async function publishEvents(
    type: EventType,
    request: { body: EventInput | EventInput[]; id: string } & Parameters<typeof principalOf>[0],
  ): Promise<Static<typeof Published>> {
    const principal = principalOf(request);
    const payloadType = payloadTypes.get(type)!;
    const inputs = Array.isArray(request.body) ? request.body : [request.body];
    const batch = Array.isArray(request.body);

    const events = inputs.map(
      (input) =>
        ({
          type,
          metadata: {
            eventId: input.eventId ?? randomUUID(),
            occurredAt: input.occurredAt ? new Date(input.occurredAt) : new Date(),
            organizationId: principal.organizationId,
            environment,
            correlationId: input.correlationId ?? request.id,
            causationId: input.causationId ?? null,
            actor: principal.subject,
          },
          payload: fromJson(payloadType, input.payload),
        }) as TributaryEvent,
    );

    const issues: FieldProblem[] = [];
    events.forEach((event, index) => {
      try {
        codec.validate(event);
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        for (const issue of error.issues)
          issues.push({
            field: batch ? `body[${index}].${issue.field}` : `body.${issue.field}`,
            problem: issue.problem,
          });
      }
    });
    // A log entry also has to fit the lake (the same check as POST /v1/logs): Avro cannot say
    // that a partition value is not blank, or that the hour is one Athena's tables project.
    if (type === 'LogEntry')
      events.forEach((event, index) => {
        for (const { field, problem } of lakeEntryProblems(event as EventOf<'LogEntry'>))
          issues.push({
            field: `${batch ? `body[${index}]` : 'body'}.${field === 'metadata.occurredAt' ? 'occurredAt' : field}`,
            problem,
          });
      });
    if (issues.length > 0) throw new EventValidationError(type, issues);

    const foreign = events.flatMap((event, index) =>
      foreignOrganizationFields(payloadType, event.payload, principal.organizationId).map((issue) => ({
        field: batch ? `body[${index}].${issue.field}` : `body.${issue.field}`,
        problem: issue.problem,
      })),
    );
    if (foreign.length > 0) throw new ForeignOrganizationError(principal.organizationId, foreign);

    const positions = await publisher.publishBatch(events);
    return {
      events: events.map((event, i) => ({ eventId: event.metadata.eventId, type: event.type, ...positions[i]! })),
      position: encodePosition(positions),
    };
  }

  // One route per event type, so the OpenAPI document can give each its payload's schema and a
  // client generated from it can build valid events; the parametric route answers unknown types.
  for (const type of INGEST_EVENT_TYPES) {
    app.post(
      `/v1/events/${type}`,
      routeOptions({ type, payload: payloadSchema(payloadTypes.get(type)!) }),
      async (request, reply) => {
        reply.code(202);
        return publishEvents(type, request);
      },
    );
  }
  app.post('/v1/events/:type', routeOptions(), async (request, reply) => {
    reply.code(202);
    return publishEvents((request.params as { type: EventType }).type, request);
  });
};
