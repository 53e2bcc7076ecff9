import { uploads } from '/work/main/bench/uploads';

console.log((await uploads()).body);
