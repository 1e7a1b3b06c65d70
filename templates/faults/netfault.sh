# infra-lab's network fault helper, run as `sh -c "$(this file)" netfault MODE ARGS...` in a
# container that shares the network namespace of the lab container it breaks (with NET_ADMIN).
# It adds the fault, writes the method that acted to /tmp/netfault.ready, and holds the fault
# until it is stopped; `clean` removes whatever any mode added, then says "clean" or lists what is left.
# Its arguments are numbers and IPv4 addresses that infra-lab checked; it checks them again.
set -eu
OUT=INFRA-LAB-OUT
IN=INFRA-LAB-IN
MARK=30
QUEUE=7
READY=/tmp/netfault.ready

die() { echo "netfault: $*" >&2; exit 2; }
number() { case "$1" in '' | *[!0-9.]*) die "not a number: $1" ;; esac; }
interfaces() { ls /sys/class/net | grep -v '^lo$'; }

clean() {
  while iptables -D OUTPUT ! -o lo -j $OUT 2>/dev/null; do :; done
  while iptables -D INPUT ! -i lo -j $IN 2>/dev/null; do :; done
  while iptables -t mangle -D OUTPUT ! -o lo -j $OUT 2>/dev/null; do :; done
  for chain in $OUT $IN; do iptables -F $chain 2>/dev/null && iptables -X $chain; done
  iptables -t mangle -F $OUT 2>/dev/null && iptables -t mangle -X $OUT
  for i in $(interfaces); do tc qdisc del dev "$i" root 2>/dev/null || true; done
  rm -f $READY
}

check() {
  left=$( (iptables -S; iptables -t mangle -S) | grep -e "$OUT" -e "$IN" || true)
  qdiscs=$(for i in $(interfaces); do tc qdisc show dev "$i" | grep -v -e 'qdisc noqueue' -e '^$' | sed "s/^/$i: /"; done)
  if [ -n "$left$qdiscs" ]; then printf '%s\n' "$left" "$qdiscs" | grep -v '^$'; exit 1; fi
  echo clean
}

chains() {
  iptables -N $OUT && iptables -A OUTPUT ! -o lo -j $OUT
  iptables -N $IN && iptables -A INPUT ! -i lo -j $IN
}

# The component's answers: packets from the ports it listens on, after the handshake (each request
# waits once, as for a slow server, however its connections are set up).
answers() {
  for p in $(ss -Hltn | awk '$4 !~ /^127\.0\.0\.11:/ { sub(/.*:/, "", $4); print $4 }' | sort -u); do echo "-p tcp --sport $p --tcp-flags SYN NONE"; done
  for p in $(ss -Hlun | awk '$4 !~ /^127\.0\.0\.11:/ { sub(/.*:/, "", $4); print $4 }' | sort -u); do echo "-p udp --sport $p"; done
}

hold() {
  echo "$1" > $READY
  trap 'clean; exit 0' TERM INT
  while :; do sleep 3600 & wait $! || true; done
}

mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  clean) clean; check ;;
  latency)
    delay=$1 jitter=$2; number "$delay"; number "$jitter"
    matches=$(answers)
    [ -n "$matches" ] || die "the container listens on no port"
    chains
    netem=yes
    for i in $(interfaces); do
      tc qdisc add dev "$i" root handle 1: prio bands 4 \
        && tc qdisc add dev "$i" parent 1:4 handle 40: netem delay "${delay}ms" "${jitter}ms" 2>/dev/null \
        && tc filter add dev "$i" parent 1: protocol ip prio 1 handle $MARK fw flowid 1:4 \
        || { netem=no; break; }
    done
    if [ $netem = yes ]; then
      iptables -t mangle -N $OUT && iptables -t mangle -A OUTPUT ! -o lo -j $OUT
      echo "$matches" | while read -r m; do iptables -t mangle -A $OUT $m -j MARK --set-mark $MARK; done
      hold netem
    fi
    # No netem in this kernel: a netfilter queue and nfq-delay hold the packets instead.
    for i in $(interfaces); do tc qdisc del dev "$i" root 2>/dev/null || true; done
    command -v nfq-delay >/dev/null || die "this kernel has no netem qdisc, and this image has no nfq-delay to stand in for it (the debian flavor's helper image has)"
    nfq-delay $QUEUE "$delay" "$jitter" /tmp/nfq.bound &
    delayer=$!
    while [ ! -e /tmp/nfq.bound ]; do kill -0 $delayer 2>/dev/null || die "nfq-delay did not start"; sleep 0.05; done
    echo "$matches" | while read -r m; do iptables -A $OUT $m -j NFQUEUE --queue-num $QUEUE --queue-bypass; done
    echo nfqueue > $READY
    trap 'clean; kill $delayer; wait $delayer; exit 0' TERM INT
    wait $delayer
    die "nfq-delay stopped"
    ;;
  loss)
    probability=$1; number "$probability"
    chains
    iptables -A $OUT -m statistic --mode random --probability "$probability" -j DROP
    hold iptables
    ;;
  bandwidth)
    rate=$1 burst=$2; number "$rate"; number "$burst"
    for i in $(interfaces); do tc qdisc add dev "$i" root tbf rate "${rate}kbit" burst "$burst" latency 400ms; done
    hold tbf
    ;;
  partition)
    [ $# -gt 0 ] || die "partition needs the peer's addresses"
    for a in "$@"; do number "$a"; done
    chains
    for a in "$@"; do iptables -A $OUT -d "$a" -j DROP; iptables -A $IN -s "$a" -j DROP; done
    hold iptables
    ;;
  *) die "unknown mode '$mode'" ;;
esac
