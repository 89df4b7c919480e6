#!/bin/bash
# jupyter-mlkit template: idle auto-stop. Writes the policy that jupyter-mlkit's server extension
# applies (no cron job): after IDLE_SECONDS without activity it performs ACTION.
set -euo pipefail

IDLE_SECONDS={{IDLE_SECONDS}}
ACTION={{ACTION}}
IGNORE_CONNECTIONS={{IGNORE_CONNECTIONS}}

if [ -z "${MLKIT_DATA_DIR:-}" ]; then
    MLKIT_DATA_DIR=$(jupyter --data-dir)
fi
policy="$MLKIT_DATA_DIR/mlkit/idle-policy.json"
mkdir -p "$(dirname "$policy")"
cat > "$policy.tmp" <<JSON
{"idle_seconds": $IDLE_SECONDS, "action": "$ACTION", "ignore_connections": $IGNORE_CONNECTIONS}
JSON
mv "$policy.tmp" "$policy"
echo "idle auto-stop: $ACTION after $IDLE_SECONDS s idle (policy in $policy)"
