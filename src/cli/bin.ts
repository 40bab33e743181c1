#!/usr/bin/env node
// The executable behind the `vtl2-persist` bin entry; all logic is in main.ts.
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2));
