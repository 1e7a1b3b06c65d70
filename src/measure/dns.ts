import { Resolver } from 'node:dns/promises';

export interface WwwAnswer {
  /** What www.<domain> is a CNAME for. */
  cname: string[];
  /** The A records of the CNAME's target. */
  addresses: string[];
}

/** Asks a DNS server (host:port) for www.<domain>: the CNAME first, then the A records it points to. */
export async function lookupWww(server: string, domain: string): Promise<WwwAnswer> {
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([server]);
  const cname = await resolver.resolveCname(`www.${domain}`);
  const addresses = await resolver.resolve4(cname[0] ?? domain);
  return { cname, addresses };
}
