import { z } from 'zod';
import { type FlowData, flowMoves, type Step, type StepContext, same, say, type Transition } from '../flow';
import type { MessageKey } from '../i18n';
import { checkPassword, describePasswordRules, passwordRefusal } from '../password-policy';
import type { Services } from '../services';

/** What a flow that asks for a new password keeps of it: the bcrypt hash, sealed for the conversation. */
type WithPassword = { passwordHash: string | null };

export interface NewPasswordOptions<D extends FlowData & WithPassword, K extends string> {
  /** The question, given `{{rules}}`. */
  ask: MessageKey;
  /** The two steps' names: the password, and its repeat. */
  steps: [password: K, repeat: K];
  /** Names the seal's context: the hash opens only in the conversation that typed the password. */
  purpose: string;
  /** What the password must not be built from (the customer's e-mail and phone). */
  personal(ctx: StepContext<Services, D>): string[];
  /** Where the conversation goes once the password was typed twice alike; `hash` is its bcrypt hash. */
  next(ctx: StepContext<Services, D>, hash: string): Transition<D, K> | Promise<Transition<D, K>>;
}

/**
 * "Choose a password", then "Repeat it": checked against the preset's rules, hashed at once and kept only as a
 * hash sealed under DATA_KEY for this conversation (a copy of the state store alone gives nothing to crack).
 * Both answers are secrets: deleted from the chat, masked on screen, never stored or logged.
 */
export function newPasswordSteps<D extends FlowData & WithPassword, K extends string>(
  options: NewPasswordOptions<D, K>,
): [Step<Services, string, D, K>, Step<Services, string, D, K>] {
  const { goTo, backTo } = flowMoves<D, K>();
  const [passwordStep, repeatStep] = options.steps;
  const sealedFor = (conversation: string) => `${options.purpose}:${conversation}`;
  const password: Step<Services, string, D, K> = {
    ask: ({ t, preset }) => ({ text: t(options.ask, { rules: describePasswordRules(preset.password, t) }) }),
    text: z.string(),
    secret: true,
    expects: 'new-password',
    async handle(answer, ctx) {
      if (answer.type !== 'text') return same('error.text_expected');
      const { preset, services, conversation } = ctx;
      const verdict = checkPassword(answer.value, preset.password, options.personal(ctx));
      if (!verdict.ok) return same(passwordRefusal(verdict.error, preset.password));
      const hash = await services.passwords.hash(answer.value);
      const passwordHash = await services.sealer.seal(hash, sealedFor(conversation));
      return goTo(repeatStep, { passwordHash } as Partial<D>);
    },
  };
  const repeat: Step<Services, string, D, K> = {
    ask: ({ t }) => ({ text: t('reg.password_repeat.ask') }),
    text: z.string(),
    secret: true,
    expects: 'new-password',
    async handle(answer, ctx) {
      const { t, data, services, conversation } = ctx;
      if (!data.passwordHash) return backTo(passwordStep);
      const hash = await services.sealer.open(String(data.passwordHash), sealedFor(conversation));
      const matches = answer.type === 'text' && (await services.passwords.verify(answer.value, hash));
      if (!matches)
        return backTo(passwordStep, { passwordHash: null } as Partial<D>, [
          say(t('reg.password_repeat.mismatch')),
        ]);
      return options.next(ctx, hash);
    },
  };
  return [password, repeat];
}

/** Opens the sealed hash a flow kept (registration creates the account with it). */
export const openPasswordHash = (ctx: StepContext<Services, FlowData & WithPassword>, purpose: string) =>
  ctx.services.sealer.open(String(ctx.data.passwordHash), `${purpose}:${ctx.conversation}`);
