/** bcrypt, off the event loop where the runtime allows (worker threads on Node). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}
