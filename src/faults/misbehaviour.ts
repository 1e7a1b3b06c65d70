/**
 * What the errors and slow faults tell an app server, and where: a JSON file inside its container,
 * which only the engine can write. Shared by the fault (faults/app-misbehaviour.ts) and the app
 * (payloads/app/server.ts), which reads it when it gets SIGUSR2.
 */
export const MISBEHAVE_FILE = '/tmp/infra-lab-misbehave.json';

export interface Misbehaviour {
  /** Answer 500 to this share (percent) of the requests on the application path. */
  errorPercent?: number;
  /** Wait this long before each answer on the application path. */
  delayMs?: number;
}
