/**
 * Where conversations go and where they stop, kept in the records so the funnel survives restarts and is the
 * same from every instance. A row names a flow, a step and a random conversation life: never a customer.
 */
export type FunnelEvent = {
  at: Date;
  preset: string;
  flow: string;
  /** One life of one conversation (a keyed pseudonym of its replies' epoch): the funnel counts lives. */
  life: string;
  /**
   * The life's turn count when it happened: orders a life's events whichever instance (and clock) recorded them.
   * Events of one message share it.
   */
  seq: number;
  step: string;
} & (
  | { kind: 'reached' }
  /** An answer not taken at `step`, with why (the message key). */
  | { kind: 'refused'; reason: string }
  /** The flow completed from `step`. */
  | { kind: 'finished' }
  /** The customer went elsewhere (/cancel, the menu, another flow) from `step`. */
  | { kind: 'left' }
);

export interface FunnelQuery {
  preset: string;
  flow: string;
  /** Conversations that entered the flow in [from, to) are counted, followed to wherever they went since. */
  from: Date;
  to: Date;
}

export interface FunnelStep {
  step: string;
  /** Conversations that reached the step. */
  reached: number;
  /** Of those, how many were last seen here without finishing the flow. */
  stopped: number;
  /** Median time from reaching the step to moving on from it; null when none has moved on. */
  medianSeconds: number | null;
  /** The most common reasons an answer here was refused, commonest first (at most three). */
  refusals: { reason: string; count: number }[];
}

export interface FunnelReport {
  /** Conversations that entered the flow. */
  entered: number;
  finished: number;
  /** By step, in no particular order: the page orders them as the flow does. */
  steps: FunnelStep[];
}

export interface FunnelRepository {
  record(events: FunnelEvent[]): Promise<void>;
  report(query: FunnelQuery): Promise<FunnelReport>;
  /** Deletes events before `before`; returns how many. */
  purgeBefore(before: Date): Promise<number>;
}
