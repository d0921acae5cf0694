// `make down`: stops what `make up` started — the operator, the simulator, then the local API server.
import { existsSync, rmSync } from 'node:fs';

import { CLUSTER_MARKER, clusterStop, clusterUp, stopProcess } from './environment.ts';

async function main(): Promise<void> {
    const operator = await stopProcess('operator');
    const simulator = await stopProcess('simulator');
    const ours = existsSync(CLUSTER_MARKER) || !clusterUp();
    if (ours) {
        clusterStop();
        rmSync(CLUSTER_MARKER, { force: true });
    }
    const stopped = [operator ? 'operator' : '', simulator ? 'simulator' : ''].filter(Boolean);
    if (ours) stopped.push('API server and etcd');
    console.log(`down: ${stopped.length > 0 ? stopped.join(', ') : 'nothing'} stopped`);
    if (!ours) console.log('  the API server was up before make up: make cluster-down stops it');
}

main().catch((err: unknown) => {
    console.error(`make down failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
