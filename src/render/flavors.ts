import { ROLES } from '../lab/model.js';

export const FLAVORS = ['official', 'debian'] as const;
export type Flavor = (typeof FLAVORS)[number];

/** The images of a flavor: one per role, and the helper that network faults run beside a container. */
export const IMAGE_KINDS = [...ROLES, 'netfault'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** Images of the official flavor, pinned to exact versions. */
export const OFFICIAL_IMAGES: Record<ImageKind, string> = {
  web: 'nginx:1.27.4',
  app: 'node:22.14.0-bookworm-slim',
  db: 'mysql:8.4.4',
  dns: 'coredns/coredns:1.12.0',
  lb: 'haproxy:3.0.5',
  monitor: 'prom/prometheus:v3.2.1',
  // tc and iptables; kernels of Docker Desktop and common distributions have netem, which it uses.
  netfault: 'nicolaka/netshoot:v0.13',
};

export const debianImage = (kind: ImageKind) => `infra-lab/${kind}:bookworm`;
export const DEBIAN_BASE_IMAGE = 'infra-lab/debian-base:bookworm';

export const imageFor = (flavor: Flavor, kind: ImageKind) => (flavor === 'official' ? OFFICIAL_IMAGES[kind] : debianImage(kind));
