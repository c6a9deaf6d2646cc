#!/bin/sh
# Creates sg989's namespace with an explicit retention and registers the search attributes the
# case workflows set (workflows/search.py). Safe to run again: existing ones are kept.
set -eu
address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${NAMESPACE:-sg989}
retention=${RETENTION:-30d}

attempt=0
until temporal operator cluster health --address "$address"; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 30 ] || { echo "Temporal at $address is not healthy"; exit 1; }
  sleep 2
done
if temporal operator namespace describe --address "$address" -n "$namespace" >/dev/null 2>&1; then
  temporal operator namespace update --address "$address" -n "$namespace" --retention "$retention"
else
  temporal operator namespace create --address "$address" -n "$namespace" --retention "$retention"
fi
for attribute in CaseNumber:Keyword Phase:Keyword Defensieonderdeel:Keyword Category:Keyword Overdue:Bool; do
  name=${attribute%%:*}
  type=${attribute##*:}
  temporal operator search-attribute create --address "$address" -n "$namespace" \
    --name "$name" --type "$type" --yes 2>/dev/null || echo "search attribute $name exists already"
done
echo "namespace $namespace ready (retention $retention)"
