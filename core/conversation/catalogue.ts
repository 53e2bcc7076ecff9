import type { Flow, Step } from '../flow';
import type { ConversationState } from '../state';

/** The installed flows, with every step findable by its `flow/step` position in one lookup. */
export function createFlowCatalogue<S>(flows: Flow<S>[], home: string) {
  const byName = new Map<string, Flow<S>>(flows.map((flow) => [flow.name, flow]));
  const homeStep = byName.get(home)?.first;
  if (!homeStep) throw new Error(`home flow "${home}" is not among the flows`);
  // One Map over all steps: a lookup costs the same for a flow of 3 steps or 300.
  const steps = new Map<string, Step<S, unknown>>();
  for (const flow of flows) {
    for (const [name, step] of Object.entries(flow.steps)) steps.set(`${flow.name}/${name}`, step);
  }
  return {
    home: { flow: home, step: homeStep },
    flow: (name: string) => byName.get(name),
    hasFlow: (name: string) => byName.has(name),
    /** Whether `flow/step` names a step that exists (a deploy may have removed one). */
    exists: (position: string) => steps.has(position),
    stepOf: (state: ConversationState) => steps.get(`${state.flow}/${state.step}`),
    /** "Step 3 of 8" for a step the flow counts, or null. */
    progressOf(state: ConversationState): { current: number; total: number } | null {
      const progress = byName.get(state.flow)?.progress;
      const at = progress?.indexOf(state.step) ?? -1;
      return progress && at >= 0 ? { current: at + 1, total: progress.length } : null;
    },
  };
}

export type FlowCatalogue<S> = ReturnType<typeof createFlowCatalogue<S>>;
