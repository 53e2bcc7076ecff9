import type { Activation } from './activation';
import type { CodeDelivery } from './code-delivery';
import type { CodeService } from './codes';
import type { ContactMessages } from './contact-messages';
import type { Identity } from './identity';
import type { Notices } from './notices';
import type { AccountRepository } from './ports/accounts';
import type { PasswordHasher } from './ports/password-hasher';
import type { Sealer } from './ports/sealer';
import type { Sessions } from './sessions';
import type { SignIn } from './sign-in';

/** The ports a flow may call through its step context. */
export interface Services {
  accounts: AccountRepository;
  codes: CodeService;
  /** Sends issued codes after the turn, through the durable queue. */
  codeDelivery: Pick<CodeDelivery, 'send'>;
  /** Activation links and temporary passwords (registration by link). */
  activation: Pick<Activation, 'pending' | 'send' | 'renew'>;
  /** Tells a customer's e-mail or phone something outside any conversation (the password changed). */
  contactMessages: Pick<ContactMessages, 'send'>;
  /** Tells another conversation something (through the durable queue and the engine). */
  notices: Pick<Notices, 'send'>;
  passwords: PasswordHasher;
  /** Seals what must wait in conversation state but should not be readable there (a password's hash). */
  sealer: Sealer;
  /** Checks a contact and password under the brute-force limits. */
  signIn: SignIn;
  /** Opens, lists and ends the sessions of the conversation's account. */
  sessions: Sessions;
  /** Identity confirmation: checked uploads, the case and its sending. */
  identity: Pick<Identity, 'current' | 'open' | 'upload' | 'submit'>;
}
