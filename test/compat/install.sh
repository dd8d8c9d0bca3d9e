#!/usr/bin/env bash
# Installs the real Kafka clients the compatibility tests drive: kcat and the
# Python clients from Debian (with python3-requests and python3-jsonschema,
# which confluent-kafka's schema_registry package needs, and
# python3-elasticsearch), kafkajs, @kafkajs/confluent-schema-registry and
# @elastic/elasticsearch from npm. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v kcat >/dev/null || need+=(kcat)
py() { /usr/bin/python3 -c "import $1" 2>/dev/null; }
py kafka || need+=(python3-kafka)
py confluent_kafka || need+=(python3-confluent-kafka)
py zstandard || need+=(python3-zstandard)
py lz4 || need+=(python3-lz4)
py snappy || need+=(python3-snappy)
py requests || need+=(python3-requests)
py jsonschema || need+=(python3-jsonschema)
py elasticsearch || need+=(python3-elasticsearch)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -d node_modules/kafkajs ] || [ ! -d node_modules/@kafkajs/confluent-schema-registry ] || [ ! -d node_modules/@elastic/elasticsearch ]; then
  echo "installing kafkajs, @kafkajs/confluent-schema-registry and @elastic/elasticsearch (npm)"
  npm ci --silent --no-audit --no-fund
fi
