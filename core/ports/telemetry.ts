import type { MessageKey } from '../i18n';
import type { ChannelName } from '../messages';

/**
 * What Kabinet reports as it works, for operators (web/metrics.ts counts it for Prometheus). Never personal data:
 * positions in flows, message keys, channels, outcomes and durations only, so no label can name a customer.
 */
export type TelemetryEvent =
  /**
   * One handled message: where the conversation stood when it came (`flow`/`step`; `start` for a new or expired
   * one), why it was refused (the message key) or whether the step failed on our side, and how long it took.
   * For the funnel: `life` names this life of the conversation (random: it names no one), `reached` where the
   * message took it when it moved, and `finished` the flow it completed, if any.
   */
  | {
      type: 'turn';
      channel: ChannelName;
      flow: string;
      step: string;
      refused: MessageKey | null;
      failed: boolean;
      seconds: number;
      life: string;
      /** How many reply batches this life has had by now: orders its events across instances. */
      seq: number;
      reached: { flow: string; step: string } | null;
      finished: string | null;
    }
  /** A code (or a reset's new password) handed to its gateway, or given up on. */
  | { type: 'code'; to: 'email' | 'phone'; outcome: 'sent' | 'failed' }
  /**
   * A sign-in attempt's outcome: `wrong` when the password was checked and wrong (even if that failure locks the
   * contact); `locked` and `budget` were refused before it was checked.
   */
  | { type: 'sign_in'; outcome: 'ok' | 'wrong' | 'locked' | 'budget' }
  /** A reply batch that could not be delivered and was given up on. */
  | { type: 'delivery_given_up'; channel: ChannelName };

export interface Telemetry {
  record(event: TelemetryEvent): void;
}

/** For a runtime nobody watches (tests). */
export const noTelemetry: Telemetry = { record() {} };

/** Every event to each of `telemetries` (Prometheus counters and the funnel's records). */
export const allOf = (...telemetries: (Telemetry | undefined)[]): Telemetry => ({
  record(event) {
    for (const telemetry of telemetries) telemetry?.record(event);
  },
});
