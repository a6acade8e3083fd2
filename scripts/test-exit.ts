// The test workers' exit (package.json ava.require): once ava has run a file's tests, hooks and
// teardowns and handed its results over (results sent, worker freed, no unhandled rejection), the
// worker exits instead of waiting for whatever the code under test left armed (a keep-alive socket, a
// timer); measured: gateway-up-certs' worker lived on 10 s after its last result, holding one of the
// run's two concurrency slots. registerCompletionHandler is ava's public export; 'ava' can only be
// imported once the worker has made its runner, so this is an ava `require` module (loaded then, before
// the test file), not a --import preload (there, importing 'ava' fails its assertion that a runner
// exists and the worker dies). A .ts file: with extensions {ts: module}, ava would require() an .mjs.
// Exit handlers still run: nats-server.ts and test/helpers/proc.ts kill what is left of their children there.
import process from 'node:process';
import { registerCompletionHandler } from 'ava';

registerCompletionHandler(() => process.exit());
