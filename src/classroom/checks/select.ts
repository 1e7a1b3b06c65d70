import type { Component, Lab } from '../../lab/model.js';
import type { LabStatus } from '../../run/labs.js';
import { COMPOSE_LABEL } from '../../engine/runtime.js';
import type { Selector } from '../exercise.js';

/** Whether a component is one the app servers write to. */
const isPrimary = (lab: Lab, c: Component) => c.role === 'db' && lab.components.some((a) => a.database?.write === c.name);

/** The components a selector picks, in the lab's order. */
export function selectComponents(lab: Lab, s: Selector): Component[] {
  return lab.components.filter(
    (c) =>
      (s.role === undefined || c.role === s.role) &&
      (s.component === undefined || c.name === s.component) &&
      (s.replica === undefined || !!c.replicaOf === s.replica) &&
      (s.primary === undefined || isPrimary(lab, c) === s.primary),
  );
}

/**
 * What a check breaks, each in turn: a named component, or each running replica of a replicated
 * one (app.1, app.2), since "one application server" of a scaled tier is one replica.
 */
export function breakTargets(status: LabStatus, components: Component[]): string[] {
  return components.flatMap((c) => {
    const containers = status.services.find((s) => s.component === c.name)?.containers ?? [];
    return c.maxReplicas > 1 && containers.length > 1 ? containers.map((x) => `${c.name}.${x.labels[COMPOSE_LABEL.number]}`) : [c.name];
  });
}

/** "each app server (role app)" for messages. */
export function describeSelector(s: Selector): string {
  const parts = [s.component && `component ${s.component}`, s.role && `role ${s.role}`, s.replica !== undefined && (s.replica ? 'replicas' : 'not replicas'), s.primary !== undefined && (s.primary ? 'primaries' : 'not primaries')];
  return parts.filter(Boolean).join(', ') || 'every component';
}
