import type { InsurerId, InsurerPreset } from './preset';
import { soglasie } from './soglasie';
import { victoria } from './victoria';

export * from './preset';

/** The insurers, one typed file each; `INSURER` chooses one. */
export const presets: Record<InsurerId, InsurerPreset> = { soglasie, victoria };
