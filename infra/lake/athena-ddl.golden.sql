CREATE DATABASE IF NOT EXISTS tributary_logs COMMENT 'Tributary log lake (seed 004)';

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_web (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type web (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=web/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_app (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type app (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=app/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_agw (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type agw (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=agw/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_hub (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type hub (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=hub/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_connector (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type connector (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=connector/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_container (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type container (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=container/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS tributary_logs.logs_crash (
  `event_id`        string COMMENT 'Unique id of this event, minted by the publisher; consumers deduplicate on it.',
  `occurred_at`     timestamp COMMENT 'When the fact happened (UTC epoch milliseconds), not when it was published.',
  `correlation_id`  string COMMENT 'Ties together everything one request caused; the seeds call it transactionId (not a financial transaction).',
  `server`          string COMMENT 'Server or service that emitted the log, e.g. dspagw.',
  `level`           string COMMENT 'Severity of the entry; null when the source has no levels.',
  `message`         string COMMENT 'Top-level log message, if any beyond the events.',
  `events`          array<struct<`action`:string,`description`:string,`detail`:map<string,string>,`caller`:string,`server`:string,`success`:boolean,`time`:timestamp,`transaction_id`:string,`type`:string>> COMMENT 'Timeline of server-side events, in time order; may be empty.',
  `kafka_topic`     string COMMENT 'The Kafka topic the entry was read from.',
  `kafka_partition` int COMMENT 'Its partition.',
  `kafka_offset`    bigint COMMENT 'Its offset: with the topic and partition, the row’s identity.'
)
COMMENT 'Log entries of type crash (seed 004), written by Tributary''s log lake.'
PARTITIONED BY (
  `environment` string,
  `organization` string,
  `year` string,
  `month` string,
  `day` string,
  `hour` string
)
STORED AS PARQUET
LOCATION 's3://tributary-prod-lake/logs/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.environment.type' = 'injected',
  'projection.organization.type' = 'injected',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2020,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://tributary-prod-lake/logs/environment=${environment}/organization=${organization}/logtype=crash/year=${year}/month=${month}/day=${day}/hour=${hour}/'
);
