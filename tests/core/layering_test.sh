#!/usr/bin/env bash
# The stages of core/ depend only downwards: each folder may include the folders listed for it
# and nothing above (a stage's subfolders, such as store/sqlite, are the stage). Nothing below api/ includes gRPC. Prints every include that breaks a rule.
set -euo pipefail
cd "${1:?usage: layering_test.sh SOURCE_DIR}/core"

declare -A allowed=(
  [domain]="domain"
  [program]="domain program"
  [scoring]="domain program scoring"
  [store]="domain program scoring store"
  [awards]="domain program scoring store awards"
  [ingest]="domain store ingest csv"
  [praise]="domain store praise"
  [reports]="domain program store reports"
  [fulfilment]="domain program store awards fulfilment"
  [plugin_host]="domain program store ingest fulfilment plugin_host"
  [config]="domain config"
  [csv]="csv"
  [auth]="domain auth"
)

failures=0
for stage in */; do
  stage=${stage%/}
  # api/ and web/ (the pages' listener, a client of api/'s services) are the top.
  [[ $stage == api || $stage == web ]] && continue
  if [[ -z ${allowed[$stage]+set} ]]; then
    echo "core/$stage: a stage folder with no entry in the layering table"
    failures=$((failures + 1))
    continue
  fi
  while IFS=: read -r file line include; do
    target=$(sed -E 's|.*"core/([a-z_]+)/.*|\1|' <<<"$include")
    if [[ " ${allowed[$stage]} " != *" $target "* ]]; then
      echo "core/$file:$line: $stage may not include core/$target (${include//[[:space:]]/ })"
      failures=$((failures + 1))
    fi
  done < <(grep -rnH -E --include='*.h' --include='*.cc' '^#include "core/' "$stage" || true)
  while IFS= read -r hit; do
    echo "core/$hit: gRPC belongs in api/ only"
    failures=$((failures + 1))
  done < <(grep -rnH -E --include='*.h' --include='*.cc' '^#include [<"]grpc' "$stage" || true)
done

if ((failures)); then
  echo "$failures include(s) run against the layering"
  exit 1
fi
echo "layering holds"
