// The HTTP gateway actor: serves the Kubernetes REST API on an HTTP address and turns each call
// into a bus request through the process's ApiClient. Stateless: any number may run.
import { fromPromise } from 'xstate';
import { defineActor } from '../lib/actor.ts';
import { followCustomResources } from '../lib/custom-resources.ts';
import { gatewayMachine } from './gateway.machine.ts';
import { close, createGatewayServer, listen } from './server.ts';

export interface GatewayInput {
  /** HOST:PORT to listen on; port 0 picks a free one (the URL is in the snapshot's context). */
  address: string;
  /** Listen on any free port of the host when the asked one is in use (what `kubus up` wants). */
  anyPortIfTaken?: boolean;
}

export const gatewayActor = defineActor<GatewayInput>({
  kind: 'gateway',
  logic(deps, input) {
    const server = createGatewayServer({ client: deps.client, clock: deps.clock, log: deps.log });
    deps.onStop(() => close(server));
    // Custom resources are served from the CRDs the gateway sees, wherever the API server runs.
    followCustomResources(deps.informers, deps.log);
    return gatewayMachine.provide({
      actors: { listen: fromPromise(({ input: i }: { input: { address: string } }) => listen(server, i.address, input.anyPortIfTaken)) },
      actions: {
        listening: (_, { url }) => deps.log.info({ url, address: input.address }, 'gateway listening'),
        failed: (_, { error }) => deps.log.error({ address: input.address, err: error }, 'gateway could not listen'),
      },
    });
  },
});
