import { startNetworkFault, undoNetworkFault } from '../../src/faults/network.js';
import type { ContainerInfo, ContainerSpec } from '../../src/engine/runtime.js';
import type { InjectContext } from '../../src/faults/mode.js';
import { stubRuntime } from '../helpers/stub-runtime.js';

const target = { id: 'c0ffee', name: 'lab-app-1-1', networks: { lab_private: '10.0.0.5' } } as unknown as ContainerInfo;

function context(runtime: Parameters<typeof stubRuntime>[0]): InjectContext & { now: number } {
  const ctx = {
    now: 0,
    runtime: stubRuntime(runtime),
    clock: () => ctx.now,
    sleep: async (ms: number) => {
      ctx.now += ms;
    },
    helper: { image: 'infra-lab/netfault:bookworm', labels: { 'dev.infra-lab.helper': 'lab' } },
    peers: [],
  };
  return ctx;
}

test('a helper joins the target\'s network namespace with NET_ADMIN, gets its arguments apart from the script, and reports the method that acted', async () => {
  const specs: ContainerSpec[] = [];
  let polls = 0;
  const ctx = context({
    startContainer: async (spec) => {
      specs.push(spec);
      return 'helper1';
    },
    exec: async () => (++polls < 3 ? { exitCode: 1, output: '' } : { exitCode: 0, output: 'nfqueue\n' }),
  });
  const done = await startNetworkFault(ctx, target, ['latency', '300', '0']);
  expect(done).toEqual({ id: 'c0ffee', name: 'lab-app-1-1', helper: 'helper1', helperImage: 'infra-lab/netfault:bookworm', method: 'nfqueue' });
  expect(specs[0]).toMatchObject({ name: 'lab-app-1-1-netfault', network: 'container:c0ffee', capAdd: ['NET_ADMIN'], labels: { 'dev.infra-lab.helper': 'lab' } });
  // sh -c SCRIPT netfault ARGS: the arguments are positional parameters, never part of the script's text.
  expect(specs[0].cmd.slice(0, 2)).toEqual(['sh', '-c']);
  expect(specs[0].cmd.slice(3)).toEqual(['netfault', 'latency', '300', '0']);
});

test('a helper that stops before it is ready is removed, and its last words are the error', async () => {
  const removed: string[] = [];
  const ctx = context({
    startContainer: async () => 'helper2',
    exec: async () => {
      throw Object.assign(new Error('container is not running'), { statusCode: 409 });
    },
    logs: async () => 'netfault: this kernel has no netem qdisc, and this image has no nfq-delay to stand in for it\n',
    remove: async (id) => {
      removed.push(id);
    },
  });
  await expect(startNetworkFault(ctx, target, ['latency', '300', '0'])).rejects.toThrow(
    'could not break the network of lab-app-1-1: netfault: this kernel has no netem qdisc, and this image has no nfq-delay to stand in for it',
  );
  expect(removed).toEqual(['helper2']);
});

test('a helper that never gets ready is given up after 20 s', async () => {
  const ctx = context({ startContainer: async () => 'helper3', exec: async () => ({ exitCode: 1, output: '' }), logs: async () => '', remove: async () => undefined });
  await expect(startNetworkFault(ctx, target, ['loss', '0.300'])).rejects.toThrow('its helper was not ready after 20 s');
});

describe('undo', () => {
  const fault = { id: 'c0ffee', name: 'lab-app-1-1', helper: 'helper1', helperImage: 'infra-lab/netfault:bookworm', method: 'iptables' };

  test('stops and removes the helper, then cleans the namespace in a fresh one and accepts "clean"', async () => {
    const calls: string[] = [];
    const runtime = stubRuntime({
      stop: async (id) => void calls.push(`stop ${id}`),
      remove: async (id) => void calls.push(`remove ${id}`),
      runContainer: async (spec, onLine) => {
        calls.push(`run ${spec.cmd.slice(3).join(' ')} in ${spec.network}`);
        onLine('clean', 'stdout');
        return { id: 'cleaner', finished: Promise.resolve() };
      },
    });
    await undoNetworkFault(runtime, fault);
    expect(calls).toEqual(['stop helper1', 'remove helper1', 'run netfault clean in container:c0ffee']);
  });

  test('what is left after the clean-up is an error that names it', async () => {
    const runtime = stubRuntime({
      stop: async () => undefined,
      remove: async () => undefined,
      runContainer: async (_spec, onLine) => {
        onLine('-A INFRA-LAB-OUT -j DROP', 'stdout');
        return { id: 'cleaner', finished: Promise.resolve() };
      },
    });
    await expect(undoNetworkFault(runtime, fault)).rejects.toThrow('after heal, the network of lab-app-1-1 still has: -A INFRA-LAB-OUT -j DROP');
  });

  test('a target that is not running has no namespace to clean: the engine refuses the helper, and that is no error', async () => {
    const runtime = stubRuntime({
      stop: async () => undefined,
      remove: async () => undefined,
      runContainer: async () => {
        throw new Error('cannot join network of a non running container');
      },
    });
    await expect(undoNetworkFault(runtime, fault)).resolves.toBeUndefined();
  });
});
