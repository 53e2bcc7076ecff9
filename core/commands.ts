/** Commands that work at every step of every flow, in the order a chat's command menu lists them. */
export const globalCommands = [
  'start',
  'cancel',
  'back',
  'help',
  'language',
  'login',
  'reset',
  'logout',
] as const;
export type GlobalCommand = (typeof globalCommands)[number];

export const isGlobalCommand = (name: string): name is GlobalCommand =>
  (globalCommands as readonly string[]).includes(name);
