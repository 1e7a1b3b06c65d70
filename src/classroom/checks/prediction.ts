import type { CheckRun } from './check.js';
import { breakAndMeasure, failingMs } from './survive.js';

/**
 * The student's predictions against a measurement: each component is killed in turn, held dead for
 * the exercise's time, and healed. One whose loss cost requests is a single point of failure, and
 * its outage is how long failures went on after the kill. The answers file is only read here;
 * nothing in the exercise holds the truth, which is measured on the lab that was handed in.
 */
export const prediction: CheckRun<'prediction'> = async (session, settings) => {
  const answers = session.answers?.components ?? {};
  const tolerance = settings.tolerance_s ?? 3;
  const holdS = settings.hold_s ?? 5;
  const notes: string[] = [];
  let right = 0;
  for (const c of session.lab.components) {
    const report = await breakAndMeasure(session, c.name, { mode: 'kill', hold_s: holdS });
    const spof = report.all.failed > 0;
    const outageS = failingMs(report) / 1000;
    const said = answers[c.name];
    const measured = spof ? `spof, ${outageS.toFixed(1)} s` : 'not a spof';
    if (!said) {
      notes.push(`${c.name}: no answer (measured ${measured})`);
      continue;
    }
    const ok = said.spof === spof && (!spof || (said.outage_s !== undefined && Math.abs(said.outage_s - outageS) <= tolerance));
    if (ok) right++;
    else notes.push(`${c.name}: said ${said.spof ? `spof, ${said.outage_s ?? '?'} s` : 'not a spof'}, measured ${measured}`);
  }
  const total = session.lab.components.length;
  return {
    pass: right === total,
    score: right / total,
    figure: `${right} of ${total} components predicted right${notes.length ? `; ${notes.join('; ')}` : ''}`,
    target: `every component: single point of failure or not, and its outage within ${tolerance} s (each killed for ${holdS} s)`,
  };
};
