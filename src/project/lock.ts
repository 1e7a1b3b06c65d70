import fs from 'node:fs';
import path from 'node:path';
import { failure } from '../errors.js';

interface Holder {
  pid: number;
  command: string;
  at: number;
}

/** Locks this process holds, by file, with how many times: a use case that calls another (experiment calls up) takes it once. */
const held = new Map<string, number>();

export interface LockOptions {
  /** Called once when another live process holds the lock and this one starts waiting. */
  onWait?: (holder: Holder) => void;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

export const lockFileOf = (home: string, lab: string) => path.join(home, 'locks', `${lab}.lock`);

/**
 * Runs `fn` holding the lab's lock, so that two commands never change one lab at once (two `up`s
 * would both create its networks). A second process waits for the first and says which one it is;
 * the lock of a process that died is taken over.
 */
export async function withLabLock<T>(home: string, lab: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const file = lockFileOf(home, lab);
  if (held.has(file)) {
    held.set(file, held.get(file)! + 1);
    try {
      return await fn();
    } finally {
      held.set(file, held.get(file)! - 1);
    }
  }
  await acquire(file, lab, options);
  held.set(file, 1);
  try {
    return await fn();
  } finally {
    held.delete(file);
    release(file);
  }
}

async function acquire(file: string, lab: string, options: LockOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const clock = options.clock ?? Date.now;
  const deadline = clock() + (options.timeoutMs ?? 30 * 60_000);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let announced = false;
  for (;;) {
    const me: Holder = { pid: process.pid, command: process.argv.slice(2).join(' '), at: Date.now() };
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (!holder) {
      // Empty for the instant between its creation and its first write; unreadable for longer, it is debris.
      if (ageMs(file) > 2000) fs.rmSync(file, { force: true });
      else await sleep(50);
      continue;
    }
    if (!alive(holder.pid)) {
      // A dead holder's lock: remove it, then race for it like anyone else.
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!announced) {
      options.onWait?.(holder);
      announced = true;
    }
    if (clock() > deadline)
      throw failure(`the lab ${lab} is still locked by process ${holder.pid} (infra-lab ${holder.command}); wait for it to end, or stop it (kill ${holder.pid})`);
    await sleep(200);
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
    return Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function release(file: string): void {
  if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
