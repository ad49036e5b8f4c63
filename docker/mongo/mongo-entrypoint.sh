#!/bin/bash
# Starts mongod as a one-node replica set with authentication. Members of a replica set with authentication prove
# themselves to each other with a key file, even when there is only one member: write it from the secret in .env,
# readable by the mongodb user only (mongod refuses a key file that others can read), then hand over to the image's
# own entrypoint, which creates the root user and runs /docker-entrypoint-initdb.d on the first start.
set -euo pipefail
: "${MONGO_REPLICA_SET_KEY:?set MONGO_REPLICA_SET_KEY in .env (e.g. openssl rand -base64 756 | tr -d '\n')}"
keyfile=/data/configdb/replica-set.key
printf '%s' "$MONGO_REPLICA_SET_KEY" > "$keyfile"
chown mongodb:mongodb "$keyfile"
chmod 400 "$keyfile"
exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile "$keyfile"
