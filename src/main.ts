/** The API process: `node dist/main.js` (what `npm start` runs). */
import { runService } from './service';

runService().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
