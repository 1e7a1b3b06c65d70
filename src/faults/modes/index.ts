import { FAULT_MODES } from '../../lab/model.js';
import type { FaultModeRegistry } from '../mode.js';
import { kill } from './kill.js';
import { stop } from './stop.js';
import { crash } from './crash.js';
import { pause } from './pause.js';
import { disconnect } from './disconnect.js';
import { latency } from './latency.js';
import { loss } from './loss.js';
import { bandwidth } from './bandwidth.js';
import { partition } from './partition.js';
import { errors } from './errors.js';
import { slow } from './slow.js';

/** Every fault mode, by the name the lab file and the command line use (FAULT_MODES). */
export const FAULT_MODE_SPECS: FaultModeRegistry = { kill, stop, crash, pause, disconnect, latency, loss, bandwidth, partition, errors, slow };

/** The modes that need no settings: what a button can offer (the dashboard's). */
export const MODES_WITHOUT_SETTINGS = FAULT_MODES.filter((m) => FAULT_MODE_SPECS[m].options.length === 0);
