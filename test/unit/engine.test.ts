import { endpointCandidates, findEndpoint, type EndpointEnv } from '../../src/engine/endpoint.js';
import { composeForEngine, detectCompose, explain } from '../../src/engine/compose.js';
import { parseEngineEvents } from '../../src/engine/dockerode-runtime.js';
import { dropsPodmanInternalTraffic, PODMAN_BRIDGED_ACCEPT } from '../../src/engine/podman-firewall.js';
import { ExitCode, ExitError } from '../../src/errors.js';

const env = (over: Partial<EndpointEnv> & { files?: Record<string, string> } = {}): EndpointEnv => ({
  env: {},
  home: '/home/student',
  platform: 'linux',
  exists: (p) => p in (over.files ?? {}),
  readFile: (p) => over.files?.[p] ?? '',
  ...over,
});

describe('finding the container engine', () => {
  test('DOCKER_HOST wins over everything', () => {
    expect(endpointCandidates(env({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' } }))).toEqual([{ address: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' }]);
  });

  test('a context whose meta file exists gives its endpoint', async () => {
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update('colima').digest('hex');
    const files = {
      '/home/student/.docker/config.json': JSON.stringify({ currentContext: 'colima' }),
      [`/home/student/.docker/contexts/meta/${hash}/meta.json`]: JSON.stringify({ Endpoints: { docker: { Host: 'unix:///home/student/.colima/docker.sock' } } }),
      '/home/student/.colima/docker.sock': '',
    };
    expect(findEndpoint(env({ files })).endpoint).toEqual({ address: 'unix:///home/student/.colima/docker.sock', source: 'docker context' });
  });

  test('without Docker sockets, Podman is found', () => {
    const files = { '/run/user/1000/podman/podman.sock': '' };
    expect(findEndpoint(env({ files, env: { XDG_RUNTIME_DIR: '/run/user/1000' } })).endpoint).toEqual({ address: '/run/user/1000/podman/podman.sock', source: 'Podman' });
  });

  test('the order of sockets: default, Docker Desktop, rootless, Podman', () => {
    const sources = endpointCandidates(env({ env: { XDG_RUNTIME_DIR: '/run/user/1000' } })).map((c) => c.source);
    expect(sources).toEqual(['default socket', 'Docker Desktop', 'rootless Docker', 'Podman', 'Podman']);
  });

  test('nothing found: the default socket is reported as tried', () => {
    const r = findEndpoint(env());
    expect(r.endpoint.address).toBe('/var/run/docker.sock');
    expect(r.tried.length).toBeGreaterThan(1);
  });

  test('Windows uses named pipes', () => {
    expect(endpointCandidates(env({ platform: 'win32' })).map((c) => c.address)).toEqual(['//./pipe/docker_engine', '//./pipe/podman-machine-default']);
  });
});

describe('finding compose', () => {
  type Call = { file: string; args: string[] };
  const runner = (answers: Record<string, { exitCode: number; stdout?: string }>, calls: Call[] = []) =>
    ((file: string, args: string[]) => {
      calls.push({ file, args });
      const a = answers[`${file} ${args[0]}`] ?? { exitCode: 127 };
      return Promise.resolve({ exitCode: a.exitCode, stdout: a.stdout ?? '', all: '', isCanceled: false });
    }) as never;

  test('compose v2 is preferred', async () => {
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 0, stdout: '2.29.1\n' }, 'docker-compose version': { exitCode: 0, stdout: '1.29.2' } }), {});
    expect(await c.describe()).toBe('docker compose 2.29.1');
  });

  test('v1 is used when v2 is missing', async () => {
    const calls: Call[] = [];
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 1 }, 'docker-compose version': { exitCode: 0, stdout: '1.29.2' }, 'docker-compose up': { exitCode: 0 } }, calls), {});
    expect(await c.describe()).toBe('docker-compose 1.29.2');
    await c.up('/tmp/project');
    expect(calls.at(-1)).toEqual({ file: 'docker-compose', args: ['up', '-d', '--remove-orphans'] });
  });

  test('no compose at all: a stand-in that fails with exit code 3 and says what to install', async () => {
    const c = await detectCompose(runner({}), {});
    await expect(c.up('/tmp/project')).rejects.toThrow(ExitError);
    await c.up('/tmp/project').catch((err: ExitError) => {
      expect(err.code).toBe(ExitCode.environment);
      expect(err.message).toContain('install Docker Compose');
    });
  });

  test('INFRA_LAB_COMPOSE chooses v1 even where v2 is installed', async () => {
    const calls: Call[] = [];
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 0, stdout: '2.26.1' }, 'docker-compose version': { exitCode: 0, stdout: '1.29.2' } }, calls), { INFRA_LAB_COMPOSE: 'v1' });
    expect(await c.describe()).toBe('docker-compose 1.29.2');
    expect(calls.map((x) => x.file)).toEqual(['docker-compose']);
  });

  test('INFRA_LAB_COMPOSE=v2 does not fall back to v1: missing v2 is exit 3 in one line naming the variable', async () => {
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 1 }, 'docker-compose version': { exitCode: 0, stdout: '1.29.2' } }), { INFRA_LAB_COMPOSE: 'v2' });
    const err = await c.up('/tmp/project').catch((e: ExitError) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).code).toBe(ExitCode.environment);
    expect((err as ExitError).message).toMatch(/^INFRA_LAB_COMPOSE=v2 but `docker compose` \(v2\) was not found; [^\n]+$/);
  });

  test('INFRA_LAB_COMPOSE=v1 missing is exit 3 too', async () => {
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 0, stdout: '2.26.1' } }), { INFRA_LAB_COMPOSE: 'v1' });
    await expect(c.down('/tmp/project', { volumes: false })).rejects.toMatchObject({ code: ExitCode.environment, message: expect.stringContaining('INFRA_LAB_COMPOSE=v1 but `docker-compose` (v1) was not found') });
  });

  test('an unknown INFRA_LAB_COMPOSE is a usage error', async () => {
    const c = await detectCompose(runner({ 'docker compose': { exitCode: 0, stdout: '2.26.1' } }), { INFRA_LAB_COMPOSE: 'v3' });
    await expect(c.up('/tmp/project')).rejects.toMatchObject({ code: ExitCode.usage, message: expect.stringContaining('set it to v1 or v2') });
  });

  test('on Podman compose speaks API 1.44 (to pass a MAC address per network), unless the user chose a version; on Docker it is left alone', async () => {
    const envOf = async (podman: boolean, env: NodeJS.ProcessEnv = {}) => {
      const calls: { env?: Record<string, string> }[] = [];
      const run = ((_file: string, _args: string[], options: { env?: Record<string, string> }) => {
        calls.push(options);
        return Promise.resolve({ exitCode: 0, stdout: '2.26.1', all: '', isCanceled: false });
      }) as never;
      const c = await composeForEngine(detectCompose(run, {}), Promise.resolve({ podman }), env);
      await c.down('/tmp/project', { volumes: false });
      return calls.pop()?.env;
    };
    expect(await envOf(true)).toEqual({ DOCKER_API_VERSION: '1.44' });
    expect(await envOf(true, { DOCKER_API_VERSION: '1.41' })).toBeUndefined();
    expect(await envOf(false)).toBeUndefined();
    // An engine that does not answer: compose as found, and the engine's error is for the command to meet.
    const c = await composeForEngine(detectCompose(runner({ 'docker compose': { exitCode: 0, stdout: '2.26.1' } }), {}), Promise.reject(new Error('no engine')));
    expect(await c.describe()).toBe('docker compose 2.26.1');
  });

  test('a port in use is explained', () => {
    const out = 'Error response from daemon: driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated';
    expect(explain(out)).toContain('the port 127.0.0.1:8080 is in use by another program');
  });

  test("Podman's limits that runc may not set inside a container are explained", () => {
    const out = 'Error response from daemon: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied';
    expect(explain(out)).toMatch(/no CAP_SYS_RESOURCE.*set default_ulimits in containers\.conf/);
  });
});

describe('engine events', () => {
  const line = (o: object) => JSON.stringify({ id: 'c1', timeNano: 1_000_000_000, Actor: { Attributes: { name: 'p-db-1', 'com.docker.compose.service': 'db' } }, ...o });
  test("Docker's health_status changes are kept as they are", () => {
    const events = parseEngineEvents([line({ Action: 'kill' }), line({ Action: 'health_status: unhealthy' }), line({ Action: 'health_status: healthy' })].join('\n'));
    expect(events.map((e) => [e.action, e.service, e.container, e.time])).toEqual([
      ['kill', 'db', 'p-db-1', 1000],
      ['health_status: unhealthy', 'db', 'p-db-1', 1000],
      ['health_status: healthy', 'db', 'p-db-1', 1000],
    ]);
  });

  test("Podman's health_status on every check, with the status apart: mapped, and only the changes kept", () => {
    const checks = ['healthy', 'healthy', 'unhealthy', 'unhealthy', 'healthy'].map((h) => line({ Action: 'health_status', HealthStatus: h }));
    const other = line({ id: 'c2', Action: 'health_status', HealthStatus: 'healthy', Actor: { Attributes: { name: 'p-web-1' } } });
    expect(parseEngineEvents([...checks, other].join('\n')).map((e) => `${e.container} ${e.action}`)).toEqual([
      'p-db-1 health_status: healthy',
      'p-db-1 health_status: unhealthy',
      'p-db-1 health_status: healthy',
      'p-web-1 health_status: healthy',
    ]);
  });

  test("a container that starts again and passes its first check is healthy again, as Podman says with no 'starting' in between", () => {
    const checks = (h: string) => line({ Action: 'health_status', HealthStatus: h });
    const events = parseEngineEvents([checks('healthy'), line({ Action: 'kill' }), line({ Action: 'die' }), line({ Action: 'start' }), checks('healthy'), checks('healthy')].join('\n'));
    expect(events.map((e) => e.action)).toEqual(['health_status: healthy', 'kill', 'die', 'start', 'health_status: healthy']);
  });
});

describe("Docker's FORWARD policy and Podman's internal networks", () => {
  // As `iptables -S FORWARD; iptables -S DOCKER-USER` prints them beside a Docker engine.
  const docker = ['-P FORWARD DROP', '-A FORWARD -j DOCKER-USER', '-A FORWARD -o docker0 -j DOCKER', '-A FORWARD -i docker0 -o docker0 -j ACCEPT', '-N DOCKER-USER', '-A DOCKER-USER -j RETURN'];
  const rules = (...extra: string[]) => [...docker, ...extra].join('\n');

  test('beside Docker, with bridged frames passing iptables: dropped', () => {
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1\n', rules: rules() })).toBe(true);
  });

  test("the set-up's rule, or a user's own accept of Podman's bridges, lets it through; accepting only replies does not", () => {
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1', rules: rules(`-A DOCKER-USER ${PODMAN_BRIDGED_ACCEPT.join(' ')}`) })).toBe(false);
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1', rules: rules('-A FORWARD -i podman1 -j ACCEPT') })).toBe(false);
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1', rules: rules('-A FORWARD -i podman1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT') })).toBe(true);
  });

  test('a FORWARD policy of ACCEPT, bridged frames kept out of iptables, or a firewall this user cannot read: not dropped', () => {
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1', rules: rules().replace('-P FORWARD DROP', '-P FORWARD ACCEPT') })).toBe(false);
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '0', rules: rules() })).toBe(false);
    expect(dropsPodmanInternalTraffic({ bridgeNfCallIptables: '1' })).toBe(false);
    expect(dropsPodmanInternalTraffic({})).toBe(false);
  });
});
