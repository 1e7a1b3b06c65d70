import fs from 'node:fs';
import { execa } from 'execa';

/**
 * Beside a Docker engine, rootful Podman's `internal: true` networks carry nothing: Docker loads
 * br_netfilter, so frames bridged between two containers pass the iptables FORWARD chain, and sets
 * that chain's policy to DROP; netavark accepts forwarded traffic only on networks with a way out.
 * The app then never reaches its database, and up waits until its time limit.
 */

/** What the host's firewall says, as far as this process may read it. */
export interface HostFirewall {
  /** /proc/sys/net/bridge/bridge-nf-call-iptables: "1" when bridged frames pass iptables; undefined without br_netfilter. */
  bridgeNfCallIptables?: string;
  /** `iptables -S FORWARD` and `iptables -S DOCKER-USER`; undefined where iptables cannot be read (not root, not installed). */
  rules?: string;
}

/** The rule that lets frames bridged within a Podman bridge through, and nothing routed between networks. */
export const PODMAN_BRIDGED_ACCEPT = ['-i', 'podman+', '-o', 'podman+', '-m', 'physdev', '--physdev-is-bridged', '-j', 'ACCEPT'];

/** Whether the firewall drops traffic between containers on a Podman internal network. Unknown (unreadable) counts as no. */
export function dropsPodmanInternalTraffic(f: HostFirewall): boolean {
  if (f.bridgeNfCallIptables?.trim() !== '1' || f.rules === undefined) return false;
  if (!/^-P FORWARD DROP$/m.test(f.rules)) return false;
  // Any unconditional accept of what enters a Podman bridge (ours or the user's own) lets it through.
  const accepted = f.rules
    .split('\n')
    .some((r) => /^-A (FORWARD|DOCKER-USER) /.test(r) && /(^| )-i podman\S*( |$)/.test(r) && / -j ACCEPT$/.test(r) && !/ctstate|state /.test(r));
  return !accepted;
}

export async function readHostFirewall(): Promise<HostFirewall> {
  let bridgeNfCallIptables: string | undefined;
  try {
    bridgeNfCallIptables = fs.readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8');
  } catch {
    return {};
  }
  const chains = await Promise.all(['FORWARD', 'DOCKER-USER'].map((c) => execa('iptables', ['-S', c], { reject: false })));
  // FORWARD is always there where iptables can be read; DOCKER-USER only beside Docker.
  if (chains[0].exitCode !== 0) return { bridgeNfCallIptables };
  return { bridgeNfCallIptables, rules: chains.map((r) => (r.exitCode === 0 ? String(r.stdout) : '')).join('\n') };
}

/** The one line that explains it, with the rule that fixes it. */
export const PODMAN_FORWARD_DROP_MESSAGE = `Docker's firewall drops the traffic of Podman's internal networks (FORWARD policy DROP, and bridged frames pass iptables), so the lab's components cannot reach each other; as root, let frames within Podman's bridges through: iptables -I DOCKER-USER ${PODMAN_BRIDGED_ACCEPT.join(' ')} (scripts/setup-debian-host.sh adds it)`;
