// `npm start`: the platform in one process (HTTP API, jobs and event delivery).
import { runProcess } from './process.ts';

await runProcess('all');
