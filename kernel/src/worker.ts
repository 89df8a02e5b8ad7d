// `npm run worker`: jobs and event delivery only, beside API processes (needs DATABASE_URL and REDIS_URL).
import { runProcess } from './process.ts';

await runProcess('worker');
