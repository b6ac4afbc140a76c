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
import uuid
from datetime import datetime, timezone

from confluent_kafka import Consumer, Producer
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
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"interop-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    seen = 0
    while seen < count:
        message = consumer.poll(20.0)
        if message is None:
            raise RuntimeError(f"no record within 20 s after {seen} of {count}")
        if message.error():
            raise RuntimeError(str(message.error()))
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
