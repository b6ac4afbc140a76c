"""A Confluent client in another language, for the interop tests: Python's confluent-kafka (librdkafka)
with its Avro serializer and the schema registry, configured as a Confluent user would configure it.
Each mode is one thing a user does; the options are the settings the README asks for, so a test can
also run the peer with the wrong setting and show what goes wrong.

  confluent_peer.py consume <bootstrap> <registry> <topic> <count>
      prints each record decoded by AvroDeserializer as one JSON line {"key", "value"}

  confluent_peer.py produce <bootstrap> <registry> <topic> <event.json>
          [--subject-strategy topic_record|topic] [--auto-register true|false]
          [--use-latest-version true|false] [--extra-field NAME]
      <event.json> is {"recordName", "key", "event"}. Serializes the event with AvroSerializer and
      produces it keyed by "key"; prints {"subject", "schemaId", "partition"}. The schema text is the
      latest registered under <topic>-<recordName> (what a user copies from the registry);
      --extra-field adds an optional string field NAME to it (and sets it on the event), i.e. a
      schema that is not the registered one. Defaults are the README's settings:
      topic_record_subject_name_strategy, auto.register.schemas=false, use.latest.version=true.
      On a serializer or registry error prints "produce failed: <error>" to stderr and exits 1.

  confluent_peer.py partitions <bootstrap> <topic> <partitioner> <key>...
      produces one record per key (null value, a probe) with librdkafka's `partitioner` set to
      <partitioner> (`default` leaves it unset: librdkafka's consistent_random) and prints, per key,
      {"key", "partition"} as the delivery report gives it, in the order given
"""
import argparse
import faulthandler
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.schema_registry import (
    SchemaRegistryClient,
    topic_record_subject_name_strategy,
    topic_subject_name_strategy,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

SUBJECT_STRATEGIES = {"topic_record": topic_record_subject_name_strategy, "topic": topic_subject_name_strategy}


def as_json(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    # fastavro reads a uuid logical type as uuid.UUID; its text is what Tributary wrote.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot print {type(value)}")


def registry_settings(registry_url):
    # The client's default is no timeout at all: one registry response that never comes (seen once,
    # with the whole suite loading the machine) blocks the peer for good. A bounded read is retried
    # on a new connection (max.retries, 3 by default).
    return {"url": registry_url, "timeout": 8}


def consume(bootstrap, registry_url, topic, count):
    registry = SchemaRegistryClient(registry_settings(registry_url))
    deserializer = AvroDeserializer(registry)
    # Partitions assigned directly from the beginning, no group join: the test is about reading
    # Tributary's records with Confluent's deserializer, and librdkafka's first join on this
    # single-node broker now and then stalls for most of a minute.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"interop-{uuid.uuid4()}", "enable.auto.commit": False})
    deadline = time.monotonic() + 45
    # A topic created a moment ago may not be in the metadata librdkafka gets first (an error, or
    # no partitions): assigning nothing would then wait out the deadline. Ask until it is there.
    while True:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        if metadata.error is None and metadata.partitions:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions in the metadata within 45 s: {metadata.error}")
        time.sleep(0.2)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions])
    seen = 0
    while seen < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {seen} of {count} records within 45 s")
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            print(f"consumer: {message.error()}", file=sys.stderr, flush=True)
            continue
        value = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE))
        print(json.dumps({"key": message.key().decode(), "value": value}, default=as_json), flush=True)
        seen += 1
    # Every record is printed and flushed. librdkafka's close() waits for the group machinery
    # to wind down, and on this single-node broker, busy with the suite's own groups, that wait
    # has outlasted the test's timeout (no group was ever joined: partitions are assigned).
    # So leave without it.
    sys.stdout.flush()
    os._exit(0)


def produce(bootstrap, registry_url, topic, event_file, subject_strategy, auto_register, use_latest_version, extra_field):
    with open(event_file) as handle:
        request = json.load(handle)
    record_name = request["recordName"]
    event = request["event"]
    event["metadata"]["occurredAt"] = datetime.fromisoformat(event["metadata"]["occurredAt"].replace("Z", "+00:00"))
    registry = SchemaRegistryClient(registry_settings(registry_url))
    schema = json.loads(registry.get_latest_version(f"{topic}-{record_name}").schema.schema_str)
    if extra_field:
        schema["fields"].append({"name": extra_field, "type": ["null", "string"], "default": None})
        event[extra_field] = "set by a producer whose schema is not the registered one"
    strategy = SUBJECT_STRATEGIES[subject_strategy]
    serializer = AvroSerializer(
        registry,
        json.dumps(schema),
        conf={
            "auto.register.schemas": auto_register,
            "use.latest.version": use_latest_version,
            "subject.name.strategy": strategy,
        },
    )
    context = SerializationContext(topic, MessageField.VALUE)
    try:
        value = serializer(event, context)
    except (SchemaRegistryError, SerializationError) as error:
        print(f"produce failed: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    delivered = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    producer.produce(topic, key=request["key"].encode(), value=value, on_delivery=lambda err, msg: delivered.append((err, msg)))
    if producer.flush(20) != 0:
        raise RuntimeError("the record was not delivered within 20 s")
    error, message = delivered[0]
    if error is not None:
        raise KafkaException(error)
    # The id the record carries (Confluent wire format: magic byte 0, then a 4-byte big-endian id).
    schema_id = int.from_bytes(value[1:5], "big")
    print(json.dumps({"subject": strategy(context, record_name), "schemaId": schema_id, "partition": message.partition()}), flush=True)


def partitions(bootstrap, topic, partitioner, keys):
    config = {"bootstrap.servers": bootstrap, "acks": "all"}
    if partitioner != "default":
        config["partitioner"] = partitioner
    producer = Producer(config)
    reports = {}

    def report(error, message):
        if error is not None:
            raise KafkaException(error)
        reports[message.key().decode()] = message.partition()

    for key in keys:
        producer.produce(topic, key=key.encode(), value=None, on_delivery=report)
    if producer.flush(30) != 0:
        raise RuntimeError(f"only {len(reports)} of {len(keys)} records delivered within 30 s")
    for key in keys:
        print(json.dumps({"key": key, "partition": reports[key]}), flush=True)


def boolean(text):
    if text not in ("true", "false"):
        raise argparse.ArgumentTypeError("true or false")
    return text == "true"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)

    reader = modes.add_parser("consume", help="read records with AvroDeserializer")
    reader.add_argument("bootstrap")
    reader.add_argument("registry")
    reader.add_argument("topic")
    reader.add_argument("count", type=int)

    writer = modes.add_parser("produce", help="write one event with AvroSerializer")
    writer.add_argument("bootstrap")
    writer.add_argument("registry")
    writer.add_argument("topic")
    writer.add_argument("event_file", metavar="event.json")
    writer.add_argument("--subject-strategy", choices=sorted(SUBJECT_STRATEGIES), default="topic_record")
    writer.add_argument("--auto-register", type=boolean, default=False, metavar="true|false")
    writer.add_argument("--use-latest-version", type=boolean, default=True, metavar="true|false")
    writer.add_argument("--extra-field", metavar="NAME")

    prober = modes.add_parser("partitions", help="print the partition librdkafka gives each key")
    prober.add_argument("bootstrap")
    prober.add_argument("topic")
    prober.add_argument("partitioner", help="a librdkafka partitioner (murmur2_random, ...) or `default`")
    prober.add_argument("keys", nargs="+", metavar="key")

    args = parser.parse_args()
    if args.mode == "consume":
        consume(args.bootstrap, args.registry, args.topic, args.count)
    elif args.mode == "produce":
        produce(
            args.bootstrap,
            args.registry,
            args.topic,
            args.event_file,
            args.subject_strategy,
            args.auto_register,
            args.use_latest_version,
            args.extra_field,
        )
    else:
        partitions(args.bootstrap, args.topic, args.partitioner, args.keys)


if __name__ == "__main__":
    # Should a librdkafka call hang, the test's failure then shows where (on stderr) before its timeout.
    faulthandler.dump_traceback_later(40, exit=False)
    main()
