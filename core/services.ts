import type { CodeService } from './codes';
import type { AccountRepository } from './ports/accounts';
import type { Mailer, SmsSender } from './ports/delivery';
import type { PasswordHasher } from './ports/password-hasher';

/** The ports a flow may call through its step context. */
export interface Services {
  accounts: AccountRepository;
  codes: CodeService;
  mailer: Mailer;
  sms: SmsSender;
  passwords: PasswordHasher;
}
