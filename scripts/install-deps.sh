#!/usr/bin/env bash
# Installs the Debian 12 packages Plaudit builds and tests with. Safe to run repeatedly:
# it does nothing when every package is already present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libboost-dev libboost-filesystem-dev
  libsqlite3-dev libcairo2-dev libpango1.0-dev libyaml-cpp-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev libqrencode-dev
  libgtest-dev libgmock-dev
  poppler-utils fonts-dejavu-core tzdata python3 sqlite3
  nlohmann-json3-dev ccache libcpp-httplib-dev chromium python3-prometheus-client
  postgresql-15 libpq-dev librdkafka-dev
)
# The browser tests run on Node.js; one already installed (with its npm) is used as it is.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
