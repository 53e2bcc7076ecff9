import type { CodeService } from './codes';
import type { AccountRepository } from './ports/accounts';
import type { Mailer, SmsSender } from './ports/delivery';
import type { PasswordHasher } from './ports/password-hasher';
import type { Sealer } from './ports/sealer';

/** The ports a flow may call through its step context. */
export interface Services {
  accounts: AccountRepository;
  codes: CodeService;
  mailer: Mailer;
  sms: SmsSender;
  passwords: PasswordHasher;
  /** Seals what must wait in conversation state but should not be readable there (a password's hash). */
  sealer: Sealer;
}
