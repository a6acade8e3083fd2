// The test workers' exit (package.json ava.nodeArguments): once ava has run a file's tests, hooks and
// teardowns and handed its results over (results sent, worker freed, no unhandled rejection), the
// worker exits instead of waiting for whatever the code under test left armed (a keep-alive socket, a
// timer); measured: gateway-up-certs' worker lived on 10 s after its last result, holding one of the
// run's two concurrency slots. ava exports no path to this module, so the import names the file ava's
// own worker imports (one module, one list of handlers). Exit handlers still run: nats-server.ts and
// test/helpers/proc.ts kill what is left of their children there.
import process from 'node:process';
import { registerCompletionHandler } from '../node_modules/ava/lib/worker/completion-handlers.js';

registerCompletionHandler(() => process.exit());
