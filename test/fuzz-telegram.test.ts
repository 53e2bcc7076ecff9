import { fuzzChannel } from './support/fuzz';

fuzzChannel('tg', 'Telegram');
