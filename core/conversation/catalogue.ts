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
    /**
     * "Step 3 of 8" for a step the flow counts, or null. A journey of flows (`leadsTo`) is counted as one: the
     * steps of the flow it came from before, the steps of the flow it goes on to after.
     */
    progressOf(state: ConversationState): { current: number; total: number } | null {
      const flow = byName.get(state.flow);
      const at = flow?.progress?.indexOf(state.step) ?? -1;
      if (!flow?.progress || at < 0) return null;
      const counted = (name: string | undefined) => (name && byName.get(name)?.progress?.length) || 0;
      const before =
        state.journey && byName.get(state.journey)?.leadsTo === flow.name ? counted(state.journey) : 0;
      return { current: before + at + 1, total: before + flow.progress.length + counted(flow.leadsTo) };
    },
    /** Whether /cancel at this state should ask before dropping the flow's answers. */
    cancelAsks: (state: ConversationState) => byName.get(state.flow)?.cancelAsks?.(state.data) ?? false,
  };
}

export type FlowCatalogue<S> = ReturnType<typeof createFlowCatalogue<S>>;
