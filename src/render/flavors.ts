import type { Role } from '../lab/model.js';

export const FLAVORS = ['official', 'debian'] as const;
export type Flavor = (typeof FLAVORS)[number];

/** Images of the official flavor, pinned to exact versions. */
export const OFFICIAL_IMAGES: Record<Role, string> = {
  web: 'nginx:1.27.4',
  app: 'node:22.14.0-bookworm-slim',
  db: 'mysql:8.4.4',
  dns: 'coredns/coredns:1.12.0',
  lb: 'haproxy:3.0.5',
  monitor: 'prom/prometheus:v3.2.1',
};

export const debianImage = (role: Role) => `infra-lab/${role}:bookworm`;
export const DEBIAN_BASE_IMAGE = 'infra-lab/debian-base:bookworm';

export const imageFor = (flavor: Flavor, role: Role) => (flavor === 'official' ? OFFICIAL_IMAGES[role] : debianImage(role));
