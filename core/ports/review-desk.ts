import type { IdentityCase } from './identity-cases';

/**
 * Where staff see identity cases: Slack (bots/slack), or the local review page, which reads the queue itself and
 * needs telling nothing. Called from the durable 'desk' queue: a call that throws is tried again.
 */
export interface ReviewDesk {
  /** Shows the case as it stands now: posts a new submission (`post`), or updates its post after a change. */
  show(found: IdentityCase, post: boolean): Promise<void>;
  /** Raises a case still undecided near or past its promised answer, naming whoever holds it. */
  remind(found: IdentityCase): Promise<void>;
}

/** The local page's desk: it lists what waits whenever it is opened. */
export const pageDesk: ReviewDesk = {
  async show() {},
  async remind() {},
};
