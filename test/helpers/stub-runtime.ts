import type { Runtime } from '../../src/engine/runtime.js';

/**
 * A Runtime for unit tests of our own logic: the given methods, and any other one throws when called.
 * It is a local Docker engine unless the test says otherwise.
 */
export function stubRuntime(methods: Partial<Runtime>): Runtime {
  const base: Partial<Runtime> = {
    endpoint: { address: '/var/run/docker.sock', source: 'default socket' },
    engine: async () => ({ name: 'Docker', version: '26.1.5', podman: false }),
    ...methods,
  };
  return new Proxy(base, {
    get(target, prop: string) {
      if (prop in target) return target[prop as keyof Runtime];
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`stub runtime: ${prop} was not expected in this test`);
      };
    },
  }) as Runtime;
}
