import type { Flow } from '../flow';
import type { InsurerPreset } from '../presets';
import type { Services } from '../services';
import { accountFlow } from './account';
import { identityFlow } from './identity';
import { menuFlow } from './menu';
import { passwordResetFlow } from './password-reset';
import { profileFlow } from './profile';
import { registrationFlow } from './registration';
import { registrationByLinkFlow } from './registration-by-link';
import { signInFlow } from './sign-in';

/** The flow a conversation starts in and /cancel returns to. */
export const homeFlow = menuFlow.name;

/** The flows installed for an insurer: its preset chooses the registration. */
export function flowsFor(preset: InsurerPreset): Flow<Services>[] {
  const registration = preset.registration === 'password-first' ? registrationFlow : registrationByLinkFlow;
  return [menuFlow, registration, signInFlow, passwordResetFlow, profileFlow, accountFlow, identityFlow];
}
