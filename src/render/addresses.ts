import { createHash } from 'node:crypto';
import { component, type Lab } from '../lab/model.js';
import { ADDRESS_PLAN } from '../lab/check.js';

/**
 * Addresses of a lab's networks and components.
 *
 * Each network gets a /24 from a /22 block chosen from the project name, so
 * several labs can be up at once. Components that run once get a fixed
 * address (.10 upwards, in lab order): an A record can name it, and nginx and
 * HAProxy reach the same address after a container is recreated. Replicated
 * components take dynamic addresses from the upper half of each network.
 */
export interface Addressing {
  /** First three octets of each network's /24, by network name. */
  networks: Record<string, { subnet: string; ipRange: string; gateway: string }>;
  /** Fixed address of each single-replica component on each of its networks. */
  components: Record<string, Record<string, string>>;
}

/** The /22 block for a project, e.g. "10.137.88": a hash of the name, shifted by `attempt` on a clash. */
export function blockFor(projectName: string, attempt = 0): string {
  const h = createHash('sha256').update(`${projectName}#${attempt}`).digest();
  // 10.96.0.0 - 10.223.255.255: clear of Docker's default pools (172.17-31, 192.168).
  return `10.${96 + (h[0] % 128)}.${(h[1] % 64) * 4}`;
}

export function addressLab(lab: Lab, block: string): Addressing {
  const [a, b, c] = block.split('.').map(Number);
  // The lab's checks refuse what the plan cannot hold (lab/check.ts checkAddressPlan); this keeps a lab made in code from reaching an engine with addresses like .256.
  if (c + lab.networks.length - 1 > 255) throw new Error(`the block ${block} has no room for ${lab.networks.length} networks`);
  const last = lab.components.findIndex((comp, i) => comp.maxReplicas <= 1 && ADDRESS_PLAN.firstFixedHost + i > ADDRESS_PLAN.lastFixedHost);
  if (last >= 0) throw new Error(`component ${lab.components[last].name} is past the address plan's ${ADDRESS_PLAN.lastFixedHost - ADDRESS_PLAN.firstFixedHost + 1} fixed addresses`);
  const networks: Addressing['networks'] = {};
  lab.networks.forEach((n, i) => {
    const prefix = `${a}.${b}.${c + i}`;
    networks[n.name] = { subnet: `${prefix}.0/24`, ipRange: `${prefix}.128/25`, gateway: `${prefix}.1` };
  });
  const components: Addressing['components'] = {};
  lab.components.forEach((comp, index) => {
    if (comp.maxReplicas > 1) return;
    components[comp.name] = Object.fromEntries(
      comp.networks.map((n) => [n, networks[n].subnet.replace(/0\/24$/, String(ADDRESS_PLAN.firstFixedHost + index))]),
    );
  });
  return { networks, components };
}

/** The address at which `from` reaches `to`: on the first network they share. */
export function addressFrom(lab: Lab, addressing: Addressing, from: string, to: string): string | undefined {
  const a = component(lab, from);
  const b = component(lab, to);
  const shared = a?.networks.find((n) => b?.networks.includes(n));
  return shared ? addressing.components[to]?.[shared] : undefined;
}

/**
 * A fixed MAC address for a fixed IPv4 address, as Docker derives them (02:42, then the address):
 * Podman's netavark picks a new random one at each start, and a client that cached the old one
 * (the app, of its database) sends into the void until its ARP entry expires, which made each
 * outage look about 20 s longer than it was.
 */
export const macFor = (ipv4: string) => `02:42:${ipv4.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;

/** Whether two CIDR subnets overlap (IPv4). */
export function overlaps(x: string, y: string): boolean {
  const parse = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const start = n - (n % size);
    return [start, start + size - 1];
  };
  const [s1, e1] = parse(x);
  const [s2, e2] = parse(y);
  return s1 <= e2 && s2 <= e1;
}
