import type { CheckKind } from '../exercise.js';
import type { CheckRun } from './check.js';
import { https } from './https.js';
import { isolated } from './isolated.js';
import { monitor } from './monitor.js';
import { page } from './page.js';
import { persists } from './persists.js';
import { prediction } from './prediction.js';
import { selfHeal } from './self-heal.js';
import { survive } from './survive.js';
import { throughput } from './throughput.js';

/** Every kind of check an exercise may use: adding one is adding a module here and to the exercise schema. */
export const CHECKS: { [K in CheckKind]: CheckRun<K> } = { page, persists, survive, isolated, https, monitor, throughput, self_heal: selfHeal, prediction };
