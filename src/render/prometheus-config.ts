import type { Component, Lab } from '../lab/model.js';
import { yamlFile } from './yaml-file.js';

export interface ScrapeTarget {
  component: Component;
  port: number;
  /** Replicated: found through Docker's DNS. */
  dynamic: boolean;
}

/** prometheus.yml of a monitor component, built as data and serialised by the yaml library. */
export function prometheusConfig(lab: Lab, monitor: Component, targets: ScrapeTarget[]): string {
  const data = {
    global: { scrape_interval: '2s', evaluation_interval: '2s' },
    scrape_configs: targets.map((t) =>
      t.dynamic
        ? { job_name: t.component.name, dns_sd_configs: [{ names: [t.component.name], type: 'A', port: t.port, refresh_interval: '5s' }] }
        : { job_name: t.component.name, static_configs: [{ targets: [`${t.component.name}:${t.port}`], labels: { role: t.component.role } }] },
    ),
  };
  return yamlFile(data, {
    header: [
      `Prometheus configuration of ${monitor.name} in the infra-lab lab "${lab.name}", written by infra-lab.`,
      'Scrapes every 2 s, so that a change shows within seconds. Replicated components are found through',
      "Docker's DNS (dns_sd_configs). The web tier's queries per second:",
      '  sum(rate(haproxy_server_http_responses_total{proxy="servers"}[10s]))',
    ],
    flowKeys: ['names', 'targets'],
  });
}
