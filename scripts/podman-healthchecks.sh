#!/usr/bin/env bash
# Stands in for the systemd timers that run Podman's healthchecks, on a machine without systemd
# (a container, WSL without systemd, CI runners). Podman 4 starts one timer per container with a
# healthcheck; without systemd none runs, the containers stay "starting" forever, and compose waits
# forever on service_healthy (infra-lab up stops after 30 s and says so). This loop runs the
# healthcheck of every running infra-lab container every 2 s, the labs' healthcheck interval.
# Run it beside Podman's API socket, in the background, for as long as labs run:
#   bash scripts/podman-healthchecks.sh [socket] &
# The socket is the one infra-lab uses (default /run/podman/podman.sock). It asks the socket rather
# than running `podman healthcheck run`: a podman process per check and container cost half a core
# on a two-core machine, and slowed the checks past their 2 s timeout.
set -u
SOCKET=${1:-/run/podman/podman.sock}
INTERVAL=${INFRA_LAB_HEALTHCHECK_INTERVAL:-2}
# Set by a test: the loop ends with that process, also when it is killed and cannot stop the loop.
WHILE_PID=${INFRA_LAB_HEALTHCHECK_WHILE_PID:-}
api() { curl -sf --max-time 30 --unix-socket "$SOCKET" "http://podman/v4.0.0/libpod/$1"; }
api _ping >/dev/null || { echo "podman-healthchecks.sh: no Podman API at $SOCKET; start it: podman system service --time=0 unix://$SOCKET &" >&2; exit 3; }
# {"label":["dev.infra-lab.lab"],"status":["running"]}, URL-encoded
RUNNING='containers/json?filters=%7B%22label%22%3A%5B%22dev.infra-lab.lab%22%5D%2C%22status%22%3A%5B%22running%22%5D%7D'
while [ -z "$WHILE_PID" ] || kill -0 "$WHILE_PID" 2>/dev/null; do
  # Every check at once: a database's check may take a second, and the others must not wait for it.
  # Containers without a healthcheck answer with an error, which is not news.
  for id in $(api "$RUNNING" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
    api "containers/$id/healthcheck" >/dev/null &
  done
  wait
  sleep "$INTERVAL"
done
