/*
 * nfq-delay: holds the packets of one netfilter queue for a fixed delay (plus jitter), then lets
 * them go. infra-lab's latency fault uses it where the kernel has no netem qdisc: an iptables rule
 * sends the packets to the queue, this program gives each its verdict late. Packets leave in the
 * order they came (jitter never reorders them), as on one slow link.
 *
 *   nfq-delay QUEUE DELAY_MS JITTER_MS READY_FILE
 *
 * It writes READY_FILE once it is bound to the queue, and on SIGTERM or SIGINT lets every held
 * packet go before it exits (the rule has --queue-bypass, so nothing is dropped without it either).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAPACITY 65536

static struct { uint32_t id; uint64_t due_us; } held[CAPACITY];
static size_t head, count;
static uint64_t delay_us, jitter_us, last_due_us;
static volatile sig_atomic_t stopping;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (count == CAPACITY) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
  int64_t d = (int64_t)delay_us;
  if (jitter_us) d += (int64_t)(random() % (2 * jitter_us + 1)) - (int64_t)jitter_us;
  uint64_t due = now_us() + (uint64_t)(d < 0 ? 0 : d);
  if (due < last_due_us) due = last_due_us;
  last_due_us = due;
  size_t tail = (head + count) % CAPACITY;
  held[tail].id = id;
  held[tail].due_us = due;
  count++;
  return 0;
}

static void release(struct nfq_q_handle *qh, int all) {
  uint64_t now = now_us();
  while (count && (all || held[head].due_us <= now)) {
    nfq_set_verdict(qh, held[head].id, NF_ACCEPT, 0, NULL);
    head = (head + 1) % CAPACITY;
    count--;
  }
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: nfq-delay QUEUE DELAY_MS JITTER_MS READY_FILE\n");
    return 2;
  }
  uint16_t queue = (uint16_t)atoi(argv[1]);
  delay_us = strtoull(argv[2], NULL, 10) * 1000u;
  jitter_us = strtoull(argv[3], NULL, 10) * 1000u;
  srandom((unsigned)now_us());

  struct nfq_handle *h = nfq_open();
  if (!h || nfq_bind_pf(h, AF_INET) < 0) {
    perror("nfq-delay: nfq_open");
    return 1;
  }
  struct nfq_q_handle *qh = nfq_create_queue(h, queue, &on_packet, NULL);
  if (!qh || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    perror("nfq-delay: nfq_create_queue");
    return 1;
  }
  nfq_set_queue_maxlen(qh, CAPACITY);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8 * 1024 * 1024);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  FILE *ready = fopen(argv[4], "w");
  if (ready) fclose(ready);

  int fd = nfq_fd(h);
  char buf[4096] __attribute__((aligned));
  while (!stopping) {
    int timeout = -1;
    if (count) {
      uint64_t now = now_us();
      timeout = held[head].due_us <= now ? 0 : (int)((held[head].due_us - now + 999) / 1000);
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout);
    if (r > 0) {
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) nfq_handle_packet(h, buf, (int)n);
    }
    release(qh, 0);
  }
  release(qh, 1);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
