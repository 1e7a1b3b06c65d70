#!/usr/bin/env bash
# Prepares a Debian or Ubuntu machine (as root) for infra-lab's tests and the debian image flavor:
# Docker Engine and Compose, debootstrap for the base image, and the validators the tests run
# on generated projects (named-checkzone, nginx -t, haproxy -c). Then starts dockerd if it is not running.
# Safe to run again: apt-get skips what is installed, and a running engine is left alone.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian-host.sh: run as root (sudo $0)" >&2
  exit 3
fi

export DEBIAN_FRONTEND=noninteractive
# Installing nginx and haproxy must not start them on this machine: the tests only use their config checkers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# written by infra-lab setup: do not start services while installing packages\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  docker.io docker-compose debootstrap ca-certificates iptables \
  bind9-utils bind9-dnsutils nginx haproxy >/dev/null

# The browser tests (diagrams, HTML reports, the dashboard) drive Debian's Chromium with playwright-core,
# which downloads no browser of its own.
apt-get install -y -qq --no-install-recommends chromium >/dev/null

if ! docker info >/dev/null 2>&1; then
  # A dockerd that was killed leaves its pid files; a new one must not take them for a running daemon.
  if ! pgrep -x dockerd >/dev/null; then rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid; fi
  echo "starting dockerd (log: /var/log/infra-lab-dockerd.log)"
  nohup dockerd >/var/log/infra-lab-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/infra-lab-dockerd.log" >&2; exit 3; }
fi
echo "docker $(docker version --format '{{.Server.Version}}'), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"
