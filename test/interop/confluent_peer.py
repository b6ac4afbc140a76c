"""A Confluent client in another language, for the interop test: Python's confluent-kafka with
its Avro serializer and the schema registry, configured as any Confluent user would.

  confluent_peer.py consume <bootstrap> <registry> <topic> <count>
      prints each record decoded by AvroDeserializer as one JSON line
  confluent_peer.py produce <bootstrap> <registry> <topic> <event.json>
      serializes the event with the latest schema registered under <topic>-<record name>
      (TopicRecordNameStrategy, no auto-registration) and produces it keyed by argv key
"""
import json
import sys
import time
import uuid
from datetime import datetime, timezone

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient, topic_record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def as_json(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot print {type(value)}")


def consume(bootstrap, registry_url, topic, count):
    registry = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(registry)
    # Partitions assigned directly from the beginning, no group join: the test is about reading
    # Tributary's records with Confluent's deserializer, and librdkafka's first join on this
    # single-node broker now and then stalls for most of a minute.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"interop-{uuid.uuid4()}", "enable.auto.commit": False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    seen = 0
    deadline = time.monotonic() + 45
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
    consumer.close()


def produce(bootstrap, registry_url, topic, event_file):
    with open(event_file) as handle:
        request = json.load(handle)
    record_name = request["recordName"]
    event = request["event"]
    event["metadata"]["occurredAt"] = datetime.fromisoformat(event["metadata"]["occurredAt"].replace("Z", "+00:00"))
    registry = SchemaRegistryClient({"url": registry_url})
    latest = registry.get_latest_version(f"{topic}-{record_name}")
    serializer = AvroSerializer(
        registry,
        latest.schema.schema_str,
        conf={
            "auto.register.schemas": False,
            "use.latest.version": True,
            "subject.name.strategy": topic_record_subject_name_strategy,
        },
    )
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    value = serializer(event, SerializationContext(topic, MessageField.VALUE))
    producer.produce(topic, key=request["key"].encode(), value=value)
    if producer.flush(20) != 0:
        raise RuntimeError("the record was not delivered within 20 s")
    print(json.dumps({"schemaId": latest.schema_id}), flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "consume":
        consume(args[0], args[1], args[2], int(args[3]))
    elif mode == "produce":
        produce(*args)
    else:
        raise RuntimeError(f"unknown mode {mode}")
