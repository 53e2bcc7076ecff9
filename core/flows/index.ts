import type { Flow } from '../flow';
import type { Services } from '../services';
import { menuFlow } from './menu';

/** The flow a conversation starts in and /cancel returns to. */
export const homeFlow = menuFlow.name;

/** Every installed flow. A menu item whose flow is missing here tells the customer it is coming. */
export const flows: Flow<Services>[] = [menuFlow];
