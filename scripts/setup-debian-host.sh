#!/usr/bin/env bash
# Prepares a Debian or Ubuntu machine (as root) for infra-lab's tests and the debian image flavor:
# Docker Engine, Compose v1 and v2, debootstrap for the base image, and the validators the tests run
# on generated projects (named-checkzone, nginx -t, haproxy -c). Then starts dockerd if it is not running.
# Podman beside it, for the Podman tests: its API socket, and what it needs beside a Docker engine.
# Safe to run again: apt-get skips what is installed, compose v2 is fetched only when missing,
# and a running engine is left alone.
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
  docker.io docker-compose debootstrap ca-certificates iptables procps curl \
  bind9-utils bind9-dnsutils nginx haproxy \
  podman netavark aardvark-dns catatonit >/dev/null
# (netavark and aardvark-dns: Podman's network stack with names on each network; catatonit: the init of
# `init: true`, which every lab container has.)

# Compose v2, the `docker compose` plugin that Docker Desktop users have. Bookworm packages only v1;
# trixie's docker-compose 2.x is one static-enough binary (it needs libc 2.34) that runs on bookworm.
# It is fetched with apt from a private, throwaway apt state, so this machine's sources stay as they
# were, apt verifies the package against Debian's signed index, and v1 stays installed.
PLUGIN=/usr/libexec/docker/cli-plugins/docker-compose
if ! docker compose version >/dev/null 2>&1; then
  if apt-cache show docker-compose-v2 >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends docker-compose-v2 >/dev/null   # Ubuntu packages it
  else
    work=$(mktemp -d)
    chmod 755 "$work"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources" "$work/preferences"
    install -d -o _apt "$work/deb"   # apt downloads as its unprivileged _apt user
    # The same Debian mirror this machine's apt already uses, for the next release's suite.
    mirror=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME)' | awk '$2 == "bookworm" { print $1; exit }')
    [ -n "$mirror" ] || { echo "setup-debian-host.sh: no Debian bookworm source in apt's sources, so no mirror for Compose v2" >&2; exit 3; }
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
      > "$work/sources/trixie.sources"
    apt_private=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/sources"
      -o Dir::Etc::Preferences=/dev/null -o "Dir::Etc::PreferencesParts=$work/preferences"
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
    apt-get "${apt_private[@]}" update -qq
    (cd "$work/deb" && apt-get "${apt_private[@]}" download -qq docker-compose/trixie)
    dpkg-deb -x "$work"/deb/docker-compose_2.*.deb "$work/root"
    install -D -m 0755 "$work/root$PLUGIN" "$PLUGIN"
    rm -rf "$work"
  fi
fi

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
# Containers under a dockerd started by hand (cgroupfs driver, no systemd) share one CPU weight in the
# /docker cgroup, and every process of the host outside it weighs as much as all of them together. A
# burst on the host (the CLI or a test runner starting, the engine starting a container) then starves
# the whole lab: on two cores, requests that take 10 ms took over a second, and a measurement counted
# failures the lab's design did not cause. Eight times the default weight lets the lab serve through
# such bursts; engines under systemd keep their own slices and are left alone.
if [ "$(docker info --format '{{.CgroupDriver}}')" = cgroupfs ]; then
  if [ -d /sys/fs/cgroup/cpu ]; then   # cgroup v1
    mkdir -p /sys/fs/cgroup/cpu/docker && echo 8192 > /sys/fs/cgroup/cpu/docker/cpu.shares
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then   # cgroup v2
    echo +cpu > /sys/fs/cgroup/cgroup.subtree_control
    mkdir -p /sys/fs/cgroup/docker && echo 800 > /sys/fs/cgroup/docker/cpu.weight
  fi
fi
# Podman raises its containers' open-file and process limits beyond this process's own unless told
# otherwise; where it lacks CAP_SYS_RESOURCE (inside a container, as CI runs) runc may not, and every
# container fails to start ("error setting rlimit type 7: operation not permitted").
if (( (0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24 & 1) == 0 )); then
  nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
  mkdir -p /etc/containers/containers.conf.d
  printf '# written by infra-lab setup: this machine may not raise its own limits\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
    "$(ulimit -Hn)" "$(ulimit -Hn)" "$nproc" "$nproc" > /etc/containers/containers.conf.d/infra-lab.conf
fi
# Podman's Docker-compatible API, which infra-lab and compose use with DOCKER_HOST=unix:///run/podman/podman.sock.
# Under systemd, podman.socket starts it; without systemd, a service that never times out.
if ! curl -sf --max-time 5 --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null; then
  echo "starting Podman's API socket (log: /var/log/infra-lab-podman.log)"
  mkdir -p /run/podman
  nohup podman system service --time=0 unix:///run/podman/podman.sock >/var/log/infra-lab-podman.log 2>&1 &
  for _ in $(seq 1 40); do
    curl -sf --max-time 5 --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null && break
    sleep 0.25
  done
  curl -sf --max-time 5 --unix-socket /run/podman/podman.sock http://podman/_ping >/dev/null || { echo "Podman's API socket did not start; see /var/log/infra-lab-podman.log" >&2; exit 3; }
fi
# Beside Docker, bridged frames pass iptables and Docker's FORWARD policy is DROP, which netavark opens
# only for networks with a way out: traffic on a Podman `internal: true` network (a lab's private one)
# is dropped. This lets frames bridged within a Podman bridge through, and nothing routed between networks.
podman_rule=(-i 'podman+' -o 'podman+' -m physdev --physdev-is-bridged -j ACCEPT)
if iptables -S FORWARD | grep -qx -- '-P FORWARD DROP' && iptables -S DOCKER-USER >/dev/null 2>&1 && ! iptables -C DOCKER-USER "${podman_rule[@]}" 2>/dev/null; then
  iptables -I DOCKER-USER "${podman_rule[@]}"
fi
echo "docker $(docker version --format '{{.Server.Version}}'), docker-compose $(docker-compose version --short 2>/dev/null), docker compose $(docker compose version --short 2>/dev/null), $(podman --version 2>/dev/null)"
