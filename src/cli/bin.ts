#!/usr/bin/env node
// The executable behind the `vtl2-persist` bin entry; all logic is in main.ts. Output goes
// through synchronous fd streams (src/cli/kit/output.ts), so a closed stdout (EPIPE) is a
// quiet exit 0 and nothing is left queued when the process exits.
import { isatty } from 'node:tty';
import { fdStream } from './kit/output.js';
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2), fdStream(1, isatty(1)), fdStream(2, isatty(2), false));
