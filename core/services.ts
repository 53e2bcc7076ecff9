import type { AccountRepository } from './ports/accounts';

/** The ports a flow may call through its step context. Grows as flows land (codes, mail, SMS, files, reviews). */
export interface Services {
  accounts: AccountRepository;
}
