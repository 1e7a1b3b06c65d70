import { resolveLab } from '../../src/lab/load.js';
import { renderProject } from '../../src/render/project.js';
import { FLAVORS } from '../../src/render/flavors.js';
import { projectEnv } from '../../src/render/secrets.js';
import { guaranteeViolations } from '../helpers/compose-guarantee.js';

const render = (labName: string, flavor: (typeof FLAVORS)[number]) => {
  const lab = resolveLab(labName);
  const files = renderProject({
    lab,
    flavor,
    projectName: `infra-lab-${labName}`,
    block: '10.150.20',
    env: projectEnv(`infra-lab-${labName}`, []),
    appServer: '// stand-in\n',
    now: new Date('2026-01-02T03:04:05Z'),
    version: '0.0.0-test',
  });
  return { lab, compose: files.find((f) => f.path === 'docker-compose.yml')!.content };
};

describe.each(['single-server', 'distributed', 'secured-monitored', 'scale-up'].flatMap((l) => FLAVORS.map((f) => [l, f] as const)))('%s, %s flavor', (labName, flavor) => {
  test('the compose project holds exactly what the lab describes, and nothing that reaches outside it', () => {
    const { lab, compose } = render(labName, flavor);
    expect(guaranteeViolations(compose, lab, flavor)).toEqual([]);
  });
});

// The check above must be able to fail: each of these edits of a good compose file is caught.
test.each([
  ['privileged', (s: string) => s.replace('    init: true\n', '    init: true\n    privileged: true\n'), 'key privileged'],
  ['an added capability', (s: string) => s.replace('    init: true\n', '    init: true\n    cap_add: [NET_ADMIN]\n'), 'key cap_add'],
  ['the host network', (s: string) => s.replace('    init: true\n', '    init: true\n    network_mode: host\n'), 'key network_mode'],
  ['a host path', (s: string) => s.replace('"./app/server.js:/app/server.js:ro"', '"/etc:/app/etc:ro"'), 'mount source /etc'],
  ['a path out of the project', (s: string) => s.replace('"./app/server.js:/app/server.js:ro"', '"./../../etc:/app/etc:ro"'), 'mount source ./../../etc'],
  ['a port on every address', (s: string) => s.replace('"${BIND_ADDRESS:-127.0.0.1}::80"', '"0.0.0.0:80:80"'), 'port 0.0.0.0:80:80'],
  ['an image of another flavor', (s: string) => s.replace('"nginx:1.27.4"', '"alpine:latest"'), 'image alpine:latest'],
  ['an extra service', (s: string) => s.replace('services:\n', 'services:\n  evil:\n    image: "alpine"\n'), 'services'],
  ['a network driver', (s: string) => s.replace('    ipam:\n', '    driver: host\n    ipam:\n'), 'key driver'],
  ['a name that YAML 1.1 reads as false', (s: string) => s.replace('  web:\n', '  no:\n'), 'services'],
  ['a restart policy that YAML 1.1 reads as false', (s: string) => s.replace('restart: "unless-stopped"', 'restart: no'), 'restart false'],
  ['another restart policy than the lab\'s', (s: string) => s.replace('restart: "unless-stopped"', 'restart: "always"'), 'restart always'],
])('the check finds %s', (_what, edit, finding) => {
  const { lab, compose } = render('single-server', 'official');
  const edited = edit(compose);
  expect(edited).not.toBe(compose);
  expect(guaranteeViolations(edited, lab, 'official').join('\n')).toContain(finding);
});
