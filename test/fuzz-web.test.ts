import { fuzzChannel } from './support/fuzz';

fuzzChannel('web', 'the web chat');
