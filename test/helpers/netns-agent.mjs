// Runs inside a network namespace (ip netns exec NS node netns-agent.mjs MODE):
// - `server PORT`: answers every TCP connection with the address it was reached on, then closes;
// - `client`: reads JSON commands on stdin, one a line, and answers each on stdout:
//   {id, op: 'connect', host, port, timeoutMs} → {id, data} or {id, error: code};
//   {id, op: 'times', host, port, n} → {id, times: [ms per connection, connect to close]}.
import { createServer, connect } from 'node:net';
import { createInterface } from 'node:readline';

const [mode, arg] = process.argv.slice(2);

if (mode === 'server') {
  createServer((s) => s.end(`${s.localAddress}\n`)).listen(Number(arg), '0.0.0.0', () => console.log('listening'));
} else {
  const once = (host, port, timeoutMs = 2000) =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const s = connect({ host, port });
      let data = '';
      const timer = setTimeout(() => (s.destroy(), resolve({ error: 'ETIMEDOUT' })), timeoutMs);
      s.setEncoding('utf8').on('data', (d) => (data += d));
      s.on('error', (err) => (clearTimeout(timer), resolve({ error: err.code ?? err.message })));
      s.on('close', (hadError) => {
        clearTimeout(timer);
        if (!hadError) resolve({ data: data.trim(), ms: Number(process.hrtime.bigint() - started) / 1e6 });
      });
    });
  const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  createInterface({ input: process.stdin }).on('line', async (line) => {
    const cmd = JSON.parse(line);
    if (cmd.op === 'connect') return reply({ id: cmd.id, ...(await once(cmd.host, cmd.port, cmd.timeoutMs)) });
    const times = [];
    for (let i = 0; i < cmd.n; i++) {
      const r = await once(cmd.host, cmd.port);
      if (r.error) return reply({ id: cmd.id, error: r.error });
      times.push(r.ms);
    }
    reply({ id: cmd.id, times });
  });
  console.log('ready');
}
